"""What the PDF status page tells while a document is queued or being made (issue #16: progress on long work).

The page reloads itself every :data:`REFRESH_SECONDS`; each load says how long the document has waited or
been rendering, how many documents are queued before it, and how long a rendering usually takes here
(the median of the last finished ones), so that the owner sees the work move.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from govern import clock
from govern.extensions import db
from govern.pdf.models import PdfDocument, PdfStatus

REFRESH_SECONDS = 2
#: How many finished renderings the typical duration is taken from.
SAMPLE = 20


@dataclass(frozen=True)
class Progress:
    waited: int  # seconds queued (pending) or rendering (running)
    ahead: int  # documents queued before this one
    typical: int | None  # median seconds of the last renderings, None before the first

    @property
    def percent(self) -> int | None:
        """An estimate for the progress bar while rendering (at most 95 until it is done); None: unknown."""
        if not self.typical:
            return None
        return min(95, self.waited * 100 // self.typical)


def _seconds(delta) -> int:
    return max(0, int(delta.total_seconds()))


def typical_seconds() -> int | None:
    rows = db.session.execute(select(PdfDocument.started_at, PdfDocument.finished_at).where(
        PdfDocument.status == PdfStatus.DONE, PdfDocument.started_at.is_not(None),
        PdfDocument.finished_at.is_not(None)).order_by(PdfDocument.id.desc()).limit(SAMPLE)).all()
    durations = sorted(max(1, _seconds(done - started)) for started, done in rows)
    return durations[len(durations) // 2] if durations else None


def progress_of(doc: PdfDocument) -> Progress:
    now = clock.now()
    if doc.status == PdfStatus.RUNNING and doc.started_at is not None:
        waited = _seconds(now - doc.started_at)
    else:
        waited = _seconds(now - doc.created_at) if doc.created_at else 0
    ahead = 0
    if doc.status == PdfStatus.PENDING:
        ahead = db.session.scalar(select(func.count(PdfDocument.id)).where(
            PdfDocument.status.in_((PdfStatus.PENDING, PdfStatus.RUNNING)), PdfDocument.id < doc.id)) or 0
    return Progress(waited=waited, ahead=ahead, typical=typical_seconds())
