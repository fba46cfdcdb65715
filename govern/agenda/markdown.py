"""Safe Markdown: markdown-it-py with raw HTML disabled, then nh3 as a second, independent fence.

markdown-it already refuses ``javascript:``/``vbscript:``/``data:`` link targets and escapes raw HTML;
nh3 then keeps only an allow-list of tags and attributes and adds ``rel="nofollow noopener"`` to links.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")

TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str) -> Markup:
    """Markdown source → sanitised HTML, safe to put in a page."""
    html = _md.render(text or "")
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="nofollow noopener")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
