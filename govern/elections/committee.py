"""After the count (#14 item 5): the winners become the committee, the filing record (备案) for the street office,
and a runoff election for a tied group.

The signed result of an election motion (``govern.meetings.results``) carries the count
(``govern.core.election.ElectionResult.to_json()``); nothing here recounts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock, settings
from govern.accounts import committee as terms
from govern.accounts.access import forget_roles
from govern.accounts.models import Role, RoleGrant, User
from govern.audit.services import log_action
from govern.ballots.models import Meeting, Motion, MotionResult
from govern.elections import preparatory
from govern.elections.models import Candidate, CommitteeSeat
from govern.elections.services import (
    candidates_of,
    close_nominations,
    create_election,
    election_motion,
    eligibility_problems,
)
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import local_day
from govern.meetings import lifecycle

#: The first committee meeting, which elects the chair and vice-chair (推选), is held within this many days.
FIRST_MEETING_DAYS = 7


@dataclass
class Installed:
    seats: list[CommitteeSeat]
    warnings: list[str] = field(default_factory=list)
    first_meeting_by: date | None = None


def signed_result(motion: Motion) -> dict:
    """The election's signed count, else 409 ``not_counted``."""
    row = db.session.scalar(select(MotionResult).where(MotionResult.motion_id == motion.id))
    if row is None or row.document.get("result", {}).get("kind") != "election":
        raise DomainError("not_counted", _("The votes are still being counted: the result is not signed yet."),
                          status=409)
    return row.document["result"]


def seats_of(motion: Motion) -> list[CommitteeSeat]:
    return list(db.session.scalars(select(CommitteeSeat).where(CommitteeSeat.motion_id == motion.id)
                                   .order_by(CommitteeSeat.id)))


def committee_warnings(result: dict) -> list[str]:
    """A short or even committee is allowed (a by-election or runoff fills it) but said."""
    out = []
    elected = len(result["elected"])
    if elected < result["seats"]:
        out.append(_("%(n)d of %(seats)d seats are filled: hold a runoff or a by-election (另行选举) for the rest.",
                     n=elected, seats=result["seats"]))
    if elected and elected % 2 == 0:
        out.append(_("The committee has an even number of members (%(n)d): its votes may tie.", n=elected))
    return out


def committee_grant(community, user_id: int, *, actor) -> RoleGrant:
    """The user's active committee grant (a member's or the chair's), else a new ``committee_member`` grant."""
    grant = db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == user_id, RoleGrant.community_id == community.id,
        RoleGrant.role.in_(list(terms.COMMITTEE_ROLES)), RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.id))
    if grant is None:
        grant = RoleGrant(user_id=user_id, community_id=community.id, role=Role.COMMITTEE_MEMBER,
                          granted_by_id=actor.id if actor else None)
        db.session.add(grant)
        db.session.flush()
    return grant


def install_committee(motion: Motion, *, actor, term_start: date | None = None) -> Installed:
    """The elected candidates become committee members: a committee grant each, whose term
    :func:`govern.accounts.committee.start_term` starts (the community's ``committee_term_years``), and a seat
    linking the grant to this election. A preparatory group (first assembly) is dissolved."""
    motion = election_motion(motion)
    result = signed_result(motion)
    if seats_of(motion):
        raise DomainError("committee_installed", _("The winners of this election are already installed as the "
                                                   "committee."), status=409)
    stage = lifecycle.stage_of(motion.meeting)
    if stage not in (lifecycle.FINAL, lifecycle.CERTIFIED):
        raise DomainError("result_not_final", _("The election result is not final yet (countersigned, objection "
                                                "period over) or was objected to or revoked: the committee cannot "
                                                "be installed."), status=409, details={"stage": stage})
    community = motion.meeting.community
    start = term_start or local_day(clock.now())
    by_code = {c.code: c for c in candidates_of(motion)}
    seats = []
    for code in result["elected"]:
        candidate = by_code[code]
        grant = terms.start_term(committee_grant(community, candidate.user_id, actor=actor), starts_on=start,
                                 actor=actor)
        seat = CommitteeSeat(community_id=motion.community_id, motion_id=motion.id, candidate_id=candidate.id,
                             user_id=candidate.user_id, grant_id=grant.id)
        db.session.add(seat)
        seats.append(seat)
    db.session.flush()
    forget_roles()
    group = preparatory.active_group(community)
    if group is not None and seats:
        preparatory.dissolve(group, actor=actor, reason=f"committee elected at motion {motion.id}")
    warnings = committee_warnings(result)
    end = seats[0].term_end.isoformat() if seats else None
    log_action("election.committee", actor=actor, community=community, obj=motion,
           data={"motion": motion.id, "elected": result["elected"], "term_start": start.isoformat(),
                 "term_end": end, "warnings": warnings})
    return Installed(seats, warnings, start + timedelta(days=FIRST_MEETING_DAYS))


def create_runoff(motion: Motion, meeting: Meeting, *, actor) -> Motion:
    """A runoff: a new election motion in the draft ``meeting``, limited to the runoff group and ``runoff_seats``
    (the group's candidates stand again, already accepted; nominations are closed at once)."""
    motion = election_motion(motion)
    result = signed_result(motion)
    if not result["runoff"]:
        raise DomainError("no_runoff", _("This election's result has no runoff group."), status=409)
    seats = result["runoff_seats"]
    mode = "competitive" if len(result["runoff"]) > seats else "equal"
    runoff = create_election(meeting, title=_("Runoff: %(title)s", title=motion.title)[:200], text=motion.text,
                             seats=seats, mode=mode, actor=actor)
    by_code = {c.code: c for c in candidates_of(motion)}
    moment = clock.now()
    for position, code in enumerate(result["runoff"], start=1):
        old = by_code[code]
        db.session.add(Candidate(community_id=old.community_id, motion_id=runoff.id, user_id=old.user_id,
                                 name=old.name, nominated_by=old.nominated_by, nominator_id=old.nominator_id,
                                 cosigners=list(old.cosigners or ()), accepted_at=moment, statement=old.statement,
                                 statement_sha256=old.statement_sha256, photo_sha256=old.photo_sha256,
                                 photo_type=old.photo_type, position=position))
    db.session.flush()
    close_nominations(runoff, actor=actor)
    log_action("election.runoff", actor=actor, community=motion.community_id, obj=runoff,
           data={"from_motion": motion.id, "motion": runoff.id, "runoff": result["runoff"], "seats": seats})
    return runoff


settings.declare("elections", "election_alternates_step_in", True, parse=settings.boolean,
                 doc="When an elected member leaves, the election's next alternate (候补) takes the seat for the rest "
                     "of the term.")


@dataclass
class Departure:
    seat: CommitteeSeat
    successor: CommitteeSeat | None
    warnings: list[str] = field(default_factory=list)


def member_leaves(motion: Motion, seat: CommitteeSeat, *, actor, reason: str = "") -> Departure:
    """An elected member leaves the committee (resigns, moves out, is removed): the member's committee role ends;
    with ``election_alternates_step_in`` on, the first alternate of the election (rank order) not seated yet and
    still eligible takes the seat until the leaving member's term ends. No alternate left: a warning (hold a
    by-election), not a refusal. Refusals: 409 ``seat_vacant`` (the member already left)."""
    motion = election_motion(motion)
    result = signed_result(motion)
    grant = seat.grant
    if seat.motion_id != motion.id or grant is None or grant.revoked_at is not None:
        raise DomainError("seat_vacant", _("This member has already left the committee."), status=409)
    community = motion.meeting.community
    moment = clock.now()
    grant.revoked_at = moment
    db.session.flush()
    successor, warnings = None, []
    if settings.get(community, "election_alternates_step_in"):
        seated = {s.candidate_id for s in seats_of(motion)}
        by_code = {c.code: c for c in candidates_of(motion)}
        waiting = [by_code[code] for code in result["alternates"] if by_code[code].id not in seated
                   and not eligibility_problems(community, db.session.get(User, by_code[code].user_id))]
        if waiting:
            nxt = waiting[0]
            new_grant = terms.start_term(committee_grant(community, nxt.user_id, actor=actor),
                                         starts_on=local_day(moment), ends_on=grant.term_ends_on, actor=actor)
            successor = CommitteeSeat(community_id=motion.community_id, motion_id=motion.id, candidate_id=nxt.id,
                                      user_id=nxt.user_id, grant_id=new_grant.id, replaces_id=seat.id)
            db.session.add(successor)
            db.session.flush()
    if successor is None:
        warnings.append(_("No alternate takes the seat: hold a by-election (另行选举) for it."))
    forget_roles()
    log_action("election.member_left", actor=actor, community=community, obj=motion,
           data={"motion": motion.id, "seat": seat.id, "user": seat.user_id, "reason": (reason or "").strip()[:500],
                 "successor": successor.user_id if successor else None})
    return Departure(seat, successor, warnings)
