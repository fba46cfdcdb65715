"""Safe Markdown, one pipeline with a profile per use.

markdown-it-py renders CommonMark with raw HTML off (it also refuses ``javascript:``/``vbscript:``/``data:``
link targets); nh3 then keeps only the profile's allow-list of tags, attributes and URL schemes, and adds
``rel="nofollow noopener"`` to links, as a second, independent fence. Images are off in every profile:
a page or printed record names no outside resource (the PDF fetcher would refuse one anyway).

Profiles:

- ``DISCUSSION`` (proposals, comments, notices): headings down to h6, ``mailto:`` links, no tables;
- ``RECORD`` (minutes, printed): tables for votes and attendance, http(s) links only.
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_BASE_TAGS = frozenset({"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2",
                        "h3", "h4", "hr"})
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


@dataclass(frozen=True)
class Profile:
    tags: frozenset[str]
    url_schemes: frozenset[str]
    tables: bool = False


DISCUSSION = Profile(tags=_BASE_TAGS | {"h5", "h6"}, url_schemes=frozenset({"http", "https", "mailto"}))
RECORD = Profile(tags=_BASE_TAGS | {"table", "thead", "tbody", "tr", "th", "td"},
                 url_schemes=frozenset({"http", "https"}), tables=True)

_PARSERS: dict[bool, MarkdownIt] = {}


def _parser(tables: bool) -> MarkdownIt:
    if tables not in _PARSERS:
        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        if tables:
            md.enable("table")
        _PARSERS[tables] = md.disable("image")
    return _PARSERS[tables]


def render(text: str, profile: Profile = DISCUSSION) -> Markup:
    """Markdown source → sanitised HTML under ``profile``, safe to put in a page."""
    html = _parser(profile.tables).render(text or "")
    clean = nh3.clean(html, tags=set(profile.tags), attributes=_ATTRIBUTES, url_schemes=set(profile.url_schemes),
                      link_rel="nofollow noopener")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
