"""Rendered PDFs, cached by the hash of the HTML they were made from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govern import clock
from govern.dbtypes import UTCDateTime
from govern.extensions import db


def _now():
    return clock.now()



class PdfStatus:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PdfDocument(db.Model):
    """One rendering of one document. A new content hash (the record changed) means a new row;
    the same hash is served from here without rendering again."""

    __tablename__ = "pdf_documents"
    __table_args__ = (UniqueConstraint("kind", "subject_type", "subject_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    #: What the document is: "minutes", "committee_minutes", "notice", "result", "claim_sheet".
    kind: Mapped[str] = mapped_column(String(32))
    #: The row it prints, e.g. ("meeting", 7) or ("claim_sheet", 3).
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    #: ``govern.pdf.render.TEMPLATE_VERSION`` when it was made.
    template_version: Mapped[str] = mapped_column(String(32))
    #: SHA-256 hex of the HTML (UTF-8) followed by a newline and the template version.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: The HTML exactly as hashed; the job renders this, so what is hashed is what is printed.
    html: Mapped[str] = mapped_column(Text)
    #: pending → running → done | failed (a failed one can be retried).
    status: Mapped[str] = mapped_column(String(16), default=PdfStatus.PENDING)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The PDF itself and its SHA-256 hex (sent as the ETag).
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_done(self) -> bool:
        return self.status == PdfStatus.DONE
