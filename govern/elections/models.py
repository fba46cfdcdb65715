"""The candidates of an election motion (``govern.ballots.models.Motion.election``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govern import clock
from govern.dbtypes import UTCDateTime
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


class Candidate(db.Model):
    """A nomination to an election motion: the nominee accepts it and publishes a statement and a photo.

    Closing nominations copies the accepted candidates (id, name and the statement's and photo's SHA-256) into
    the motion's ``election``; from then on they change only if the notice is voided.
    """

    __tablename__ = "election_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), index=True)
    #: The nominee's account (an owner of the community).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: owners (an owner with co-signers), committee, preparatory (the preparatory group, 筹备组)
    nominated_by: Mapped[str] = mapped_column(String(16))
    nominator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Account ids of the owners who co-signed an owners' nomination.
    cosigners: Mapped[list] = mapped_column(JSON, default=list)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    statement: Mapped[str] = mapped_column(Text, default="")
    statement_sha256: Mapped[str] = mapped_column(String(64), default="")
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    photo_type: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    @property
    def code(self) -> str:
        """The candidate id ballots mark (``[A-Za-z0-9_-]{1,32}``)."""
        return f"c{self.id}"

    @property
    def is_standing(self) -> bool:
        return self.accepted_at is not None and self.withdrawn_at is None


class CommitteeSeat(db.Model):
    """A committee member elected at an election motion, with the term (the committee role is a RoleGrant).

    The after-law work adds committee terms to the register; until then the term of an elected member lives here.
    """

    __tablename__ = "election_committee_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("election_candidates.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
