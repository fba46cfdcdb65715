"""The assembly's models live in :mod:`govern.ballots.models` (the casting package, below meetings);
re-exported here while callers move. Objections to a published roll (R6) live here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govern import clock
from govern.ballots.models import (  # noqa: F401
    BallotEntry,
    Countersignature,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Motion,
    MotionResult,
    OwnerKey,
    RollCaster,
    RollPerson,
    RollUnit,
)
from govern.dbtypes import UTCDateTime
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


class RollObjection(db.Model):
    """An owner's objection to a meeting's published roll (a wrong area, unit or grouping), filed before voting
    opens, and the convening body's answer (docs/meetings.md, "The published roll and objections")."""

    __tablename__ = "roll_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The roll objected to (a notice voided and published again freezes another).
    roll_hash: Mapped[str] = mapped_column(String(64))
    #: The unit the objection is about, when it names one.
    unit: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: "" while unanswered, then "upheld" or "rejected".
    outcome: Mapped[str] = mapped_column(String(16), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    #: An upheld objection that changed the roll voided the notice (R10).
    voided_notice: Mapped[bool] = mapped_column(default=False)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
