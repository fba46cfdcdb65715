"""Agenda models: proposals with their timeline, co-signatures and attachments; threads; notifications."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern.clock import now
from govern.core.rules import Matter
from govern.dbtypes import UTCDateTime
from govern.extensions import db


class ProposalState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    REVIEW = "review"
    ACCEPTED = "accepted"
    MERGED = "merged"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


#: States after a decision: nothing changes a proposal any more except the thread.
FINAL_STATES = (ProposalState.ACCEPTED, ProposalState.MERGED, ProposalState.REJECTED, ProposalState.WITHDRAWN)


class ProposalKind(StrEnum):
    #: An ordinary proposal: reaches review at the community's co-sign threshold.
    PROPOSAL = "proposal"
    #: A petition for an interim owners' assembly: reaches review at R8 (20% of area and of persons).
    PETITION = "petition"


#: Civil Code art. 278 items (1)–(9) and "other".
ITEMS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "other")


class Stance(StrEnum):
    NONE = "none"
    SUPPORT = "support"
    OPPOSE = "oppose"
    QUESTION = "question"


class Proposal(db.Model):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[ProposalKind] = mapped_column(Enum(ProposalKind, native_enum=False, length=16),
                                               default=ProposalKind.PROPOSAL)
    #: draft → open → review → accepted | merged | rejected; withdrawn by the author before a decision.
    state: Mapped[ProposalState] = mapped_column(Enum(ProposalState, native_enum=False, length=16),
                                                 default=ProposalState.DRAFT, index=True)
    #: Plain text; escaped wherever it is shown.
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown source (rendered safely by ``govern.markdown``).
    body: Mapped[str] = mapped_column(Text, default="")
    #: The Civil Code art. 278 item: "1" … "9" or "other".
    item: Mapped[str] = mapped_column(String(8), default="other")
    #: The matter class the author suggests (domain-rules §3).
    matter: Mapped[Matter] = mapped_column(Enum(Matter, native_enum=False, length=32), default=Matter.ORDINARY)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    #: When co-signing opened.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the threshold was reached and the proposal entered the committee's queue.
    review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The public reason of a rejection (or the note of a merge or withdrawal).
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    #: The motion as accepted by the committee: what the assemblies feature puts on an agenda.
    motion_title: Mapped[str] = mapped_column(String(200), default="")
    motion_text: Mapped[str] = mapped_column(Text, default="")
    motion_matter: Mapped[Matter | None] = mapped_column(Enum(Matter, native_enum=False, length=32))
    #: Petitions: the committee must convene by this time (review_at + the community's deadline).
    convene_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Petitions: when the committee convened the interim assembly (set by the meetings feature).
    convened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship("User", foreign_keys=[author_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    community = relationship("Community")
    merged_into = relationship("Proposal", remote_side=[id])
    signatures: Mapped[list[CoSignature]] = relationship(back_populates="proposal", order_by="CoSignature.id",
                                                         foreign_keys="CoSignature.proposal_id")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="proposal", order_by="Attachment.id")
    events: Mapped[list[ProposalEvent]] = relationship(back_populates="proposal", order_by="ProposalEvent.id")

    @property
    def is_petition(self) -> bool:
        return self.kind == ProposalKind.PETITION

    def is_overdue(self, moment: datetime) -> bool:
        """A petition that reached R8 and was not convened by its deadline."""
        return (
            self.is_petition and self.convene_by is not None and self.convened_at is None
            and self.state not in (ProposalState.WITHDRAWN, ProposalState.MERGED) and moment > self.convene_by
        )


class CoSignature(db.Model):
    """One voting person's co-signature (联署): unique per proposal and person (R4 grouping)."""

    __tablename__ = "proposal_signatures"
    __table_args__ = (UniqueConstraint("proposal_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    #: The voting person's id (``govern.core.persons``): owner refs joined with "+".
    person_id: Mapped[str] = mapped_column(String(200))
    #: The account that signed for the person.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: Set when the signature was carried over from a proposal merged into this one.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="signatures", foreign_keys=[proposal_id])
    user = relationship("User")


class Attachment(db.Model):
    """A PDF, PNG or JPEG attached to a proposal, stored on disk under the instance folder by its SHA-256."""

    __tablename__ = "proposal_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    #: The name as uploaded (display only; never used as a path).
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")


class ProposalEvent(db.Model):
    """A row of the proposal's public timeline (the audit log holds the same facts, hash-chained)."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    #: created, opened, review, accepted, rejected, merged, merged_in, withdrawn, milestone, edited, convened
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor = relationship("User")


class Thread(db.Model):
    """A deliberation thread owned by a proposal, or by anything else: ``(owner_kind, owner_id)``, e.g. a motion."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    #: "proposal", "motion", …
    owner_kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: Top-level comments, kept here so pages need no COUNT query.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    #: One level of replies: a reply's parent is a top-level comment.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    stance: Mapped[Stance] = mapped_column(Enum(Stance, native_enum=False, length=16), default=Stance.NONE)
    #: Markdown source of the current revision.
    body: Mapped[str] = mapped_column(Text)
    #: The sanitised HTML of ``body``, rendered once when saved (threads render fast).
    body_html: Mapped[str] = mapped_column(Text)
    #: The official badge, from the author's roles in the community when posting: committee, property, street.
    badge: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Number of earlier revisions kept in ``comment_revisions``.
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report_count: Mapped[int] = mapped_column(Integer, default=0)

    author = relationship("User", foreign_keys=[author_id])
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id", viewonly=True)
    revisions: Mapped[list[CommentRevision]] = relationship(order_by="CommentRevision.id", viewonly=True)


class CommentRevision(db.Model):
    """An earlier text of a comment, kept when it is edited (nothing is ever deleted)."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: When this text was written (the comment's creation or its previous edit).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CommentReport(db.Model):
    """An owner's report of a comment to the moderators."""

    __tablename__ = "comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    """One message to one recipient. In-app is the row itself (``read_at``); other channels are deliveries."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: cosign_milestone, decision, reply, mention, petition_reached
    kind: Mapped[str] = mapped_column(String(32))
    #: Parameters of the message; the text is rendered in the reader's language when shown.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    #: A path inside the app (never an external URL).
    url: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    deliveries: Mapped[list[NotificationDelivery]] = relationship(back_populates="notification")


class NotificationDelivery(db.Model):
    """Delivery of a notification over an external channel (e-mail, SMS): one row per channel, sent by a job."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("notification_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    #: "email", "sms" (in-app needs no row).
    channel: Mapped[str] = mapped_column(String(16))
    #: pending → sent | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")

    notification: Mapped[Notification] = relationship(back_populates="deliveries")
