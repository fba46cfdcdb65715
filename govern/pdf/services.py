"""PDF documents: find or create the rendering for some HTML, the render job, retries, the response."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import Response
from sqlalchemy import select

from govern import clock, jobs
from govern.audit.services import log_action
from govern.errors import Conflict
from govern.extensions import db
from govern.pdf.models import PdfDocument, PdfStatus
from govern.pdf.render import TEMPLATE_VERSION, html_to_pdf, safe_filename

log = logging.getLogger(__name__)

#: A document "running" for longer than this is taken for dead (its worker crashed) and may be retried.
STALE_AFTER = timedelta(minutes=10)


def content_hash(html: str, version: str = TEMPLATE_VERSION) -> str:
    """SHA-256 hex of the HTML and the template version: the cache key of a rendering."""
    return hashlib.sha256(html.encode("utf-8") + b"\n" + version.encode("ascii")).hexdigest()


def document_for(kind: str, subject_type: str, subject_id: int, html: str, *, community_id: int) -> PdfDocument:
    """The rendering of ``html`` for this subject: the stored one when the content is unchanged, else a new
    pending row with its render job queued (dispatched after the caller commits)."""
    digest = content_hash(html)
    doc = db.session.scalar(select(PdfDocument).where(
        PdfDocument.kind == kind, PdfDocument.subject_type == subject_type, PdfDocument.subject_id == subject_id,
        PdfDocument.content_hash == digest,
    ))
    if doc is not None:
        return doc
    doc = PdfDocument(community_id=community_id, kind=kind, subject_type=subject_type, subject_id=subject_id,
                      template_version=TEMPLATE_VERSION, content_hash=digest, html=html, status=PdfStatus.PENDING)
    db.session.add(doc)
    db.session.flush()
    jobs.enqueue(render_document, doc.id, queue="pdf")
    return doc


def latest_document(kind: str, subject_type: str, subject_id: int) -> PdfDocument | None:
    return db.session.scalar(select(PdfDocument).where(
        PdfDocument.kind == kind, PdfDocument.subject_type == subject_type, PdfDocument.subject_id == subject_id,
    ).order_by(PdfDocument.id.desc()).limit(1))


def render_document(doc_id: int) -> None:
    """Job: render a pending document. Safe to run twice: only the worker that takes it from pending works.

    A failure is stored on the row (status ``failed`` and the error) for the page to show with a
    retry button; the job itself does not raise, the row is the record.
    """
    if not jobs.claim(PdfDocument, doc_id, expected=PdfStatus.PENDING, to=PdfStatus.RUNNING, started_at=clock.now(),
                      attempts=PdfDocument.attempts + 1):
        return
    doc = db.session.get(PdfDocument, doc_id)
    try:
        pdf, pages = html_to_pdf(doc.html)
    except Exception as exc:  # noqa: BLE001 - any failure is shown to the user with a retry button
        log.exception("PDF %s (%s %s:%s) failed", doc_id, doc.kind, doc.subject_type, doc.subject_id)
        db.session.rollback()
        doc = db.session.get(PdfDocument, doc_id)
        doc.status = PdfStatus.FAILED
        doc.error = (getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")[:2000]
        doc.finished_at = clock.now()
        db.session.commit()
        return
    doc.pdf = pdf
    doc.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    doc.pages = pages
    doc.status = PdfStatus.DONE
    doc.error = ""
    doc.finished_at = clock.now()
    db.session.commit()


def can_retry(doc: PdfDocument) -> bool:
    if doc.status == PdfStatus.FAILED:
        return True
    return doc.status == PdfStatus.RUNNING and doc.started_at is not None and clock.now() - doc.started_at > STALE_AFTER


def retry_document(doc: PdfDocument, *, actor) -> PdfDocument:
    """Put a failed (or stalled) rendering back in the queue."""
    if not can_retry(doc):
        raise Conflict("pdf_not_retryable", "This PDF is not failed; there is nothing to retry.")
    doc.status = PdfStatus.PENDING
    doc.error = ""
    db.session.flush()
    log_action("pdf.retry", actor=actor, community=doc.community_id, obj=doc,
           data={"kind": doc.kind, "subject": f"{doc.subject_type}:{doc.subject_id}", "attempts": doc.attempts})
    jobs.enqueue(render_document, doc.id, queue="pdf")
    return doc


def pdf_response(doc: PdfDocument, filename: str, *, private: bool = False) -> Response:
    """The stored PDF, inline, with its hash as the ETag."""
    resp = Response(doc.pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="{safe_filename(filename)}"'
    resp.set_etag(doc.pdf_sha256)
    resp.headers["Cache-Control"] = "no-store" if private else "private, max-age=60"
    if private:
        resp.headers["Referrer-Policy"] = "no-referrer"
    return resp
