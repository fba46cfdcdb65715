"""Delivery models: preferences, one row per message per channel, the SMS outbox, reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import clock
from govern.dbtypes import UTCDateTime
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


CHANNELS = ("in_app", "email", "sms")


class DeliveryPreference(db.Model):
    """An account's channels in a community. In-app is always on; e-mail and SMS are opt-in."""

    __tablename__ = "delivery_preferences"
    __table_args__ = (UniqueConstraint("user_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The owner opted in to e-mail, at ``email``.
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str] = mapped_column(String(200), default="")
    #: The owner opted in to SMS, at ``phone``.
    sms_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    @property
    def channels(self) -> list[str]:
        """The channels this account is reachable on (in-app always)."""
        out = ["in_app"]
        if self.email_enabled and self.email:
            out.append("email")
        if self.sms_enabled and self.phone:
            out.append("sms")
        return out


class Delivery(db.Model):
    """One message to one account on one channel. E-mail and SMS rows are sent by a job."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: in_app, email or sms.
    channel: Mapped[str] = mapped_column(String(8))
    #: What the message is: notice, notice_reminder, meeting_reminder, service_update, service_escalation …
    kind: Mapped[str] = mapped_column(String(32))
    #: The object it is about (table name and id), for receipts and counting.
    ref_type: Mapped[str] = mapped_column(String(32), default="")
    ref_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: Absolute link to the page the message is about.
    url: Mapped[str] = mapped_column(String(500), default="")
    #: The e-mail address or phone number used (empty for in-app).
    address: Mapped[str] = mapped_column(String(200), default="")
    #: pending → sending → sent | failed | not_configured
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: In-app messages: when the account opened its inbox after the message arrived.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class SmsOutbox(db.Model):
    """The default SMS provider's "network": messages written here, readable by admins on a page."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class Reminder(db.Model):
    """A reminder to those who have not acted yet: acknowledge an important notice, or vote."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    #: notice_ack or meeting_vote.
    kind: Mapped[str] = mapped_column(String(16))
    #: The notice's or the meeting's id.
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    #: For a meeting schedule: minutes before close; None for a one-off reminder.
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    #: When it was meant to go out.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it may go out: ``due_at`` moved out of quiet hours.
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: scheduled → sent | skipped | cancelled
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    #: Why it was skipped (meeting closed, notice withdrawn …).
    note: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class ReminderRecipient(db.Model):
    """Who got a reminder. The unique constraint is what makes a reminder never reach anyone twice."""

    __tablename__ = "reminder_recipients"
    __table_args__ = (UniqueConstraint("reminder_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
