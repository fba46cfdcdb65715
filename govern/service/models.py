"""Service-request models: the request, its timeline of events, its photos."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import clock
from govern.dbtypes import UTCDateTime
from govern.enums import RichEnum, labelled
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


CATEGORIES = {
    "repair": ("plumbing", "electrical", "elevator", "door_access", "leak", "common_facility", "other"),
    "complaint": ("noise", "cleaning", "security", "parking", "staff", "fees", "other"),
    "suggestion": ("greening", "facilities", "management", "other"),
}


@labelled("service_status")
class ServiceStatus(RichEnum):
    """submitted → acknowledged → assigned → resolved → closed; resolved → reopened → resolved …"""

    __labels__ = {
        "submitted": _l("Submitted"), "acknowledged": _l("Acknowledged"), "assigned": _l("Assigned"),
        "resolved": _l("Resolved, waiting for the owner"), "reopened": _l("Reopened"), "closed": _l("Closed"),
    }
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"


STATUSES = tuple(s.value for s in ServiceStatus)
OPEN_STATUSES = tuple(s.value for s in (ServiceStatus.SUBMITTED, ServiceStatus.ACKNOWLEDGED, ServiceStatus.ASSIGNED,
                                        ServiceStatus.REOPENED))


class ServiceRequest(db.Model):
    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: repair, complaint or suggestion, and a sub-category from ``CATEGORIES``.
    category: Mapped[str] = mapped_column(String(16))
    subcategory: Mapped[str] = mapped_column(String(32))
    #: One of the filer's units, or None for a common area described in ``common_area``.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    common_area: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    #: The clocks, fixed at filing from the community's settings (later changes do not rewrite them).
    respond_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: First response (受理): acknowledgement, or the resolution when that came first.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The current resolution (办结); cleared when the owner reopens the request.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    #: The owner confirmed the resolution and rated it.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    #: When the committee was told the request is overdue (once).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    filed_by = relationship("User", foreign_keys=[filed_by_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    unit = relationship("Unit")
    events: Mapped[list[ServiceEvent]] = relationship(back_populates="request", order_by="ServiceEvent.id")
    photos: Mapped[list[ServicePhoto]] = relationship(back_populates="request", order_by="ServicePhoto.id")

    def response_overdue(self, moment: datetime) -> bool:
        return (self.acknowledged_at or moment) > self.respond_due_at

    def resolution_overdue(self, moment: datetime) -> bool:
        if self.status == "closed" or self.resolved_at is not None:
            return self.resolved_at is not None and self.resolved_at > self.resolve_due_at
        return moment > self.resolve_due_at

    def is_overdue(self, moment: datetime) -> bool:
        """Still open and past one of its clocks: escalated to the committee."""
        if self.status not in OPEN_STATUSES:
            return False
        return (self.acknowledged_at is None and moment > self.respond_due_at) or moment > self.resolve_due_at


class ServiceEvent(db.Model):
    """Every step of a request, timestamped."""

    __tablename__ = "service_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    #: filed, acknowledged, assigned, resolved, confirmed, reopened, escalated
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    actor = relationship("User")


class ServicePhoto(db.Model):
    __tablename__ = "service_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    request: Mapped[ServiceRequest] = relationship(back_populates="photos")
