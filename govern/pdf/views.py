"""Serving PDFs from views (one helper every PDF route uses) and the retry button."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from govern.accounts.access import has_role, is_committee
from govern.accounts.models import Role
from govern.extensions import db
from govern.pdf.fonts import require_cjk_font
from govern.pdf.models import PdfDocument
from govern.pdf.progress import REFRESH_SECONDS, progress_of
from govern.pdf.render import render_html
from govern.pdf.services import can_retry, document_for, pdf_response, retry_document
from govern.register.models import Community
from govern.web import after_commit

bp = Blueprint("pdf", __name__)

#: Printed documents are in Chinese (the legal language of the notice board), like the claim-code sheet.
PDF_LOCALE = "zh_CN"


def can_manage_pdfs(user, community) -> bool:
    """Who may retry a failed rendering: the committee and platform admins."""
    return is_committee(user, community) or has_role(user, community, Role.ADMIN)


def serve_pdf(*, kind: str, subject_type: str, subject_id: int, community, filename: str,
              template: str | None = None, context: dict | None = None, html: str | None = None,
              private: bool = False, back_url: str | None = None):
    """Render ``template`` (or take complete ``html``), find or queue its PDF; after the commit, send PDF or status.

    The status page (202 while queued, 503 when it failed) says what is happening and offers the
    committee a retry button. Without a CJK font the request fails at once with the package to install.
    """
    require_cjk_font()
    if html is None:
        with force_locale(PDF_LOCALE):  # printed for the notice board: Chinese whatever the reader's language
            html = render_html(template, **(context or {}))
    doc_id = document_for(kind, subject_type, subject_id, html, community_id=community.id).id

    def answer():  # the cache row is committed and its rendering dispatched (inline mode renders it right there)
        doc = db.session.get(PdfDocument, doc_id, populate_existing=True)
        if doc.is_done:
            return pdf_response(doc, filename, private=private)
        return status_page(doc, community, back_url=back_url)

    return after_commit(answer)


def status_page(doc: PdfDocument, community, *, back_url: str | None = None):
    status = 503 if doc.status == "failed" else 202
    return render_template(
        "pdf/status.html", doc=doc, community_obj=community, back_url=back_url or request.path,
        retry_allowed=can_retry(doc) and can_manage_pdfs(current_user, community),
        progress=progress_of(doc), refresh=REFRESH_SECONDS,
    ), status


@bp.post("/pdf/<id:doc_id>/retry")
@login_required
def retry(doc_id: int):
    doc = db.session.get(PdfDocument, doc_id)
    if doc is None:
        abort(404)
    community = db.session.get(Community, doc.community_id)
    if not can_manage_pdfs(current_user, community):
        abort(403 if has_role(current_user, community, *Role) else 404)
    retry_document(doc, actor=current_user)
    flash(_("The PDF is being made again."), "success")
    back = request.form.get("next") or "/"
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("home.index")
    return redirect(back)
