"""Safe Markdown for minutes: markdown-it-py without raw HTML or images, then nh3 as an independent fence.

Images are off: a printed minute names no outside resource (the PDF fetcher would refuse it anyway).
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_md.disable("image")

TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4",
        "hr", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render(text: str) -> Markup:
    """Markdown source → sanitised HTML."""
    clean = nh3.clean(_md.render(text or ""), tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https"},
                      link_rel="nofollow noopener")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
