"""Is a Chinese (CJK) font installed? Checked once at start-up, cheaply, and again before each render.

WeasyPrint draws text with the fonts fontconfig knows. Without a CJK font Chinese renders as
empty boxes — and ``pdftotext`` still extracts the text, so nobody notices until the notice is
on the lobby board. So the app looks for the two fonts its stylesheets name, by their Debian
files first (no process to start), then by asking fontconfig, and a render without one fails
with an error that names the package to install.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from govern.errors import DomainError

log = logging.getLogger(__name__)

#: Font families the PDF stylesheets name, in order of preference, with their Debian packages and files.
KNOWN_FONTS = (
    ("WenQuanYi Micro Hei", "fonts-wqy-microhei", ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)),
    ("Noto Sans CJK SC", "fonts-noto-cjk", (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    )),
)
#: What to install: the small one first (5 MB; fonts-noto-cjk is 91 MB and renders ~4x slower).
PACKAGE_HINT = "fonts-wqy-microhei"
FONT_STACK = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'


@dataclass(frozen=True)
class FontStatus:
    """The CJK font the PDFs will use: ``family`` and where it was found, or ``None`` when missing."""

    family: str | None
    source: str = ""

    @property
    def ok(self) -> bool:
        return self.family is not None


class FontMissing(DomainError):
    """No CJK font is installed: a PDF would show empty boxes instead of Chinese."""

    status = 503

    def __init__(self) -> None:
        from flask_babel import gettext

        super().__init__(
            "pdf_font_missing",
            gettext("No Chinese font is installed, so PDFs cannot be made: install the Debian package "
                    "%(package)s (apt-get install %(package)s) or fonts-noto-cjk, then restart the application.",
                    package=PACKAGE_HINT),
        )


@lru_cache(maxsize=1)
def find_cjk_font() -> FontStatus:
    """The first known CJK font that is installed (cached for the process)."""
    for family, _package, files in KNOWN_FONTS:
        for path in files:
            if Path(path).is_file():
                return FontStatus(family, path)
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for family, _package, _files in KNOWN_FONTS:
            if family.lower() in out.lower():
                return FontStatus(family, "fc-list")
    return FontStatus(None)


def require_cjk_font() -> FontStatus:
    """The CJK font, or :class:`FontMissing` naming the package to install."""
    status = find_cjk_font()
    if not status.ok:
        raise FontMissing()
    return status


def check_fonts(app) -> FontStatus:
    """Start-up check (one call in ``create_app``): log which font PDFs use, or which package is missing."""
    status = find_cjk_font()
    app.config["PDF_CJK_FONT"] = status.family
    if status.ok:
        log.debug("PDF font: %s (%s)", status.family, status.source)
    else:
        log.warning("No Chinese font for PDFs: install the Debian package %s (or fonts-noto-cjk).", PACKAGE_HINT)
    return status
