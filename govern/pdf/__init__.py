"""PDFs: Jinja HTML + CSS rendered by WeasyPrint in a job, cached by content hash, with Chinese fonts.

``render_pdf(template, **context) -> bytes`` is the one helper; ``views.serve_pdf`` is what PDF
routes call (it queues the rendering and answers with the PDF or its status).
"""

from govern.pdf.fonts import FontMissing, check_fonts, find_cjk_font, require_cjk_font
from govern.pdf.render import SafeURLFetcher, qr_data_uri, render_html, render_pdf

__all__ = ["FontMissing", "SafeURLFetcher", "check_fonts", "find_cjk_font", "qr_data_uri", "render_html",
           "render_pdf", "require_cjk_font"]
