"""Jinja HTML → PDF with WeasyPrint, with a URL fetcher that reads nothing but data: URIs and our static files.

A PDF template is an ordinary Jinja page under ``templates/pdf/`` (or ``templates/<feature>/pdf/``)
that extends ``pdf/base.html``: A4, the CJK font stack, page numbers from ``@page`` counters.
WeasyPrint would otherwise open any URL the HTML names — ``file:///etc/passwd`` in an image,
an internal host in a stylesheet — so :class:`SafeURLFetcher` refuses everything except
``data:`` URIs and files under the app's ``static/`` folder, which it reads from disk after a
path check (never over the network).
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from govern.config import public_url
from govern.pdf.fonts import FONT_STACK, require_cjk_font

#: Bump when a PDF template changes in a way its HTML does not show (it is part of the content hash).
TEMPLATE_VERSION = "pdf-1"
#: Base URL the documents are parsed with: relative URLs such as ``/static/css/x.css`` resolve against it.
_STATIC_PREFIX = "/static/"


class FetchRefused(ValueError):
    """The HTML asked for a resource the PDF renderer may not read."""


class SafeURLFetcher(URLFetcher):
    """Only ``data:`` URIs, and ``<own base URL>/static/<path>`` read from ``static_root`` on disk.

    Refused (``FetchRefused``): ``file:``, any other host or scheme, paths outside ``/static/``,
    and any path that resolves outside the static folder (``..``, symlinks).
    """

    def __init__(self, *, base_url: str, static_root: str | Path, **kwargs):
        super().__init__(allowed_protocols=("data", "http", "https"), allow_redirects=False, **kwargs)
        own = urlsplit(base_url)
        self._own = (own.scheme, own.netloc.lower())
        self._static_root = Path(static_root).resolve()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if (parts.scheme.lower(), parts.netloc.lower()) != self._own or not parts.path.startswith(_STATIC_PREFIX):
            raise FetchRefused(f"the PDF renderer does not fetch {url[:200]!r}")
        path = self.static_path(parts.path)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def static_path(self, url_path: str) -> Path:
        """The file under the static folder that ``/static/<path>`` names, or ``FetchRefused``."""
        relative = unquote(url_path[len(_STATIC_PREFIX):])
        if "\x00" in relative or relative.startswith("/"):
            raise FetchRefused("bad static path")
        path = (self._static_root / relative).resolve()
        if not path.is_relative_to(self._static_root) or not path.is_file():
            raise FetchRefused(f"no static file {url_path[:200]!r}")
        return path


def base_url() -> str:
    return public_url("/")


def make_fetcher() -> SafeURLFetcher:
    return SafeURLFetcher(base_url=base_url(), static_root=current_app.static_folder, timeout=5)


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """A QR code of ``text`` as an SVG ``data:`` URI (segno), for ``<img src=…>`` in a PDF or a page."""
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=scale, border=2, dark="#000")


def css_page_counter(fmt: str) -> str:
    """A CSS ``content`` value from a translated "Page {page} of {pages}" pattern: ``"第 " counter(page) …``."""
    out = []
    for piece in re.split(r"(\{page\}|\{pages\})", fmt):
        if piece == "{page}":
            out.append("counter(page)")
        elif piece == "{pages}":
            out.append("counter(pages)")
        elif piece:
            out.append('"' + piece.replace("\\", "").replace('"', "") + '"')
    return " ".join(out) or "counter(page)"


def render_html(template: str, **context) -> str:
    """The Jinja HTML of a PDF template, with the PDF helpers in its context."""
    context.setdefault("css_page_counter", css_page_counter)
    context.setdefault("font_stack", FONT_STACK)
    context.setdefault("qr_data_uri", qr_data_uri)
    context.setdefault("public_url", public_url)
    return render_template(template, **context)


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Render HTML to PDF bytes and its page count; :class:`FontMissing` when no CJK font is installed."""
    require_cjk_font()
    document = HTML(string=html, base_url=base_url(), url_fetcher=make_fetcher(), media_type="print").render()
    return document.write_pdf(), len(document.pages)


def render_pdf(template: str, **context) -> bytes:
    """The one helper: Jinja template + context → PDF bytes (A4, Chinese fonts, safe fetching)."""
    return html_to_pdf(render_html(template, **context))[0]


_FILENAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    return _FILENAME_RE.sub("-", name).strip("-") or "document.pdf"
