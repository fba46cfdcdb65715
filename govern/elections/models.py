"""The candidates of an election motion (``govern.ballots.models.Motion.election``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import clock
from govern.accounts.models import RoleGrant, User
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
    """A committee member elected at an election motion: which motion and candidate put which committee grant in
    place. The term lives on the grant (``RoleGrant.term_starts_on``/``term_ends_on``, started by
    :func:`govern.accounts.committee.start_term`), the one home of committee terms."""

    __tablename__ = "election_committee_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("election_candidates.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("role_grants.id"))
    #: An alternate (候补) who stepped in when a member left: the seat of the member replaced.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("election_committee_seats.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    grant: Mapped[RoleGrant | None] = relationship(RoleGrant, foreign_keys=[grant_id])

    @property
    def term_start(self) -> date | None:
        return self.grant.term_starts_on if self.grant is not None else None

    @property
    def term_end(self) -> date | None:
        return self.grant.term_ends_on if self.grant is not None else None


class PreparatoryGroup(db.Model):
    """The preparatory group (筹备组, #14 item 6) the street office forms in a community with no committee: it
    prepares and convenes the first owners' assembly; it is dissolved when the committee that assembly elected is
    installed."""

    __tablename__ = "preparatory_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    formed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    formed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    dissolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PreparatoryMember(db.Model):
    """A member of a preparatory group, from one of :data:`govern.elections.preparatory.CONSTITUENCIES`; the
    member holds the ``preparatory_member`` role (the grant) while the group sits."""

    __tablename__ = "preparatory_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("preparatory_groups.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: owners, developer, residents_committee, street_office
    constituency: Mapped[str] = mapped_column(String(32))
    #: The group leader (组长), a street-office member.
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    grant_id: Mapped[int] = mapped_column(ForeignKey("role_grants.id"))

    user: Mapped[User] = relationship(User, foreign_keys=[user_id])


class ArrearsFlag(db.Model):
    """An owner in arrears (欠费) with the property fees: set and cleared by property staff or the committee,
    audit-logged. With ``election_exclude_arrears`` on, a flagged owner cannot stand as a candidate."""

    __tablename__ = "owner_arrears_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
