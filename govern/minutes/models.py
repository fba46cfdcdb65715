"""Minutes: committee meetings (业委会会议) with their agenda, attendance, votes and signed minutes, and the
minutes of owners' assemblies as append-only revisions approved by committee members' signatures.

Every signature is Ed25519 over the RFC 8785 canonical bytes of a small JSON document (see
``govern.minutes.signing``) made with the member's enrolled key (``govern.ballots.models.OwnerKey``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import clock
from govern.ballots import models as _assembly_models  # noqa: F401  (Meeting, for the foreign key and relationship)
from govern.dbtypes import UTCDateTime
from govern.extensions import db

# --------------------------------------------------------------------------- committee meetings


def _now():
    return clock.now()



class CommitteeMeeting(db.Model):
    """A meeting of the owners' committee. Its stage follows from its timestamps (see ``stage``)."""

    __tablename__ = "committee_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    #: When the meeting starts (aware UTC; shown in Asia/Shanghai).
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: R31: days the agenda must be published in advance (community setting, 7 by default), frozen at publication.
    notice_days: Mapped[int] = mapped_column(Integer, default=7)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: Set when the agenda is published; the items are locked from then on.
    agenda_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The committee's size and decision rule when the meeting was held (R31), frozen with the attendance.
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[str] = mapped_column(String(16), default="")
    #: Set when the attendance is recorded: the meeting took place.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The minutes' own text (Markdown), written by the secretary.
    minutes_text: Mapped[str] = mapped_column(Text, default="")
    #: The canonical minutes document the members sign, and its SHA-256; frozen when the minutes are closed.
    minutes_document: Mapped[dict | None] = mapped_column(JSON)
    minutes_hash: Mapped[str] = mapped_column(String(64), default="")
    minutes_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Published to the owners (R31: within 3 days of the meeting); ``is_late`` flags a late one.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)

    community = relationship("Community")
    items: Mapped[list[CommitteeAgendaItem]] = relationship(
        back_populates="meeting", order_by="CommitteeAgendaItem.position", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[CommitteeAttendance]] = relationship(
        back_populates="meeting", order_by="CommitteeAttendance.user_id", cascade="all, delete-orphan"
    )
    signatures: Mapped[list[CommitteeMinutesSignature]] = relationship(
        back_populates="meeting", order_by="CommitteeMinutesSignature.id"
    )

    @property
    def stage(self) -> str:
        if self.published_at:
            return "published"
        if self.minutes_closed_at:
            return "signing"
        if self.held_at:
            return "held"
        if self.agenda_published_at:
            return "announced"
        return "draft"

    @property
    def present_user_ids(self) -> list[int]:
        return [a.user_id for a in self.attendance if a.present]


class CommitteeAgendaItem(db.Model):
    """An item of a committee meeting's agenda, with its decision once voted."""

    __tablename__ = "committee_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("committee_meetings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    #: Civil Code art. 278 item (1–9) when the matter is one the owners decide jointly; the committee
    #: may discuss it and refer it to the owners' assembly, never decide it (R32). None: committee business.
    art278_item: Mapped[int | None] = mapped_column(Integer)
    #: The votes of the members present (R31, no proxies) and the outcome under the committee rule.
    agree: Mapped[int] = mapped_column(Integer, default=0)
    oppose: Mapped[int] = mapped_column(Integer, default=0)
    abstain: Mapped[int] = mapped_column(Integer, default=0)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    adopted: Mapped[bool | None] = mapped_column(Boolean)
    #: ``COMMITTEE_QUORUM`` / ``COMMITTEE_MAJORITY`` when not adopted.
    reasons: Mapped[list] = mapped_column(JSON, default=list)

    meeting: Mapped[CommitteeMeeting] = relationship(back_populates="items")
    votes: Mapped[list[CommitteeVote]] = relationship(back_populates="item", order_by="CommitteeVote.user_id")


class CommitteeAttendance(db.Model):
    """Whether a committee member attended in person (R31: no proxies, so there is no proxy column)."""

    __tablename__ = "committee_attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("committee_meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    present: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[CommitteeMeeting] = relationship(back_populates="attendance")
    user = relationship("User")


class CommitteeVote(db.Model):
    """One present member's own vote on one item: agree, oppose or abstain."""

    __tablename__ = "committee_votes"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("committee_agenda_items.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[str] = mapped_column(String(8))

    item: Mapped[CommitteeAgendaItem] = relationship(back_populates="votes")
    user = relationship("User")


class CommitteeMinutesSignature(db.Model):
    """A present member's Ed25519 signature over the committee minutes document."""

    __tablename__ = "committee_minutes_signatures"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("committee_meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The signer's public key (base64url) and its fingerprint when signing.
    key_id: Mapped[str] = mapped_column(String(43))
    fingerprint: Mapped[str] = mapped_column(String(19))
    signature: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    meeting: Mapped[CommitteeMeeting] = relationship(back_populates="signatures")
    user = relationship("User")


# --------------------------------------------------------------------------- owners' assembly minutes


class AssemblyMinutes(db.Model):
    """The minutes of one owners' assembly meeting: a chain of revisions and a pointer to the current one."""

    __tablename__ = "assembly_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    #: The newest revision (draft, approved or published).
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("minutes_revisions.id", use_alter=True, name="fk_assembly_minutes_current_revision")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    meeting = relationship("Meeting")
    current_revision: Mapped[MinutesRevision | None] = relationship(foreign_keys=[current_revision_id],
                                                                    post_update=True)
    revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="minutes", foreign_keys="MinutesRevision.minutes_id", order_by="MinutesRevision.number"
    )

    @property
    def published_revision(self) -> MinutesRevision | None:
        published = [r for r in self.revisions if r.published_at is not None]
        return published[-1] if published else None


class MinutesRevision(db.Model):
    """One version of an assembly's minutes. Append-only: text, sections and hash never change; only the
    approval and publication times are set, once. A correction of a published version is a new revision."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (UniqueConstraint("minutes_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("assembly_minutes.id"), index=True)
    #: 1, 2, 3 … within the minutes.
    number: Mapped[int] = mapped_column(Integer)
    #: The committee's Markdown (background, discussion, the chair's remarks).
    text: Mapped[str] = mapped_column(Text, default="")
    #: The sections filled in from the record when the revision was saved (``govern.minutes.sections``).
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    #: SHA-256 of the canonical {text, sections}: what the approvals sign, and what makes a save a no-op.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The published revision this one corrects, if it is a correction.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("minutes_revisions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: When the approvals reached the committee rule (R31), and the committee's size and rule then.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[str] = mapped_column(String(16), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    minutes: Mapped[AssemblyMinutes] = relationship(back_populates="revisions", foreign_keys=[minutes_id])
    approvals: Mapped[list[MinutesApproval]] = relationship(back_populates="revision", order_by="MinutesApproval.id")
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def stage(self) -> str:
        if self.published_at:
            return "published"
        if self.approved_at:
            return "approved"
        return "draft"


class MinutesApproval(db.Model):
    """A committee member's approval of a revision: an Ed25519 signature over its approval document."""

    __tablename__ = "minutes_approvals"
    __table_args__ = (UniqueConstraint("revision_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("minutes_revisions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_id: Mapped[str] = mapped_column(String(43))
    fingerprint: Mapped[str] = mapped_column(String(19))
    signature: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    revision: Mapped[MinutesRevision] = relationship(back_populates="approvals")
    user = relationship("User")
