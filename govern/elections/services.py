"""Election motions (#14 item 1): creating one, nominations, acceptance, statements and photos, closing.

An election is a motion of an owners' assembly whose ``election`` (``govern.ballots.models.Motion``) holds the
seats, ``max_marks`` (1..seats, default the seats), the mode (差额 ``competitive``: more candidates than seats;
等额 ``equal``: as many as the seats) and, once nominations close, the published candidates. Nominations close
before the notice: publishing refuses an election whose nominations are open (``nominations_open``), and once
the notice is published the candidates change only after voiding it (``notice_published``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock, settings
from govern.accounts.access import has_role, is_committee, is_confirmed_owner
from govern.accounts.models import Role, User
from govern.audit.services import log_action
from govern.ballots.models import Meeting, Motion
from govern.core.agenda import lf
from govern.elections import arrears
from govern.elections.models import Candidate
from govern.errors import DomainError
from govern.extensions import db
from govern.notices.uploads import store_upload
from govern.register.models import Owner, Ownership, Unit, UnitStatus

NOMINATORS = ("owners", "committee", "preparatory")
MODES = ("competitive", "equal")
PHOTO_FOLDER = "elections"
#: A candidate's photo: PNG or JPEG of at most this many bytes.
PHOTO_MAX_BYTES = 2 * 1024 * 1024
STATEMENT_MAX = 2000


def _nominators(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise TypeError("a comma-separated list is required")
    chosen = tuple(str(v).strip() for v in items if str(v).strip())
    if not chosen or any(v not in NOMINATORS for v in chosen):
        raise ValueError(f"some of {', '.join(NOMINATORS)} are required")
    return chosen


settings.declare("elections", "election_nominators", ("owners", "committee"), parse=_nominators,
                 doc="Who may nominate candidates: owners (with co-signers), committee, preparatory (comma-separated).")
settings.declare("elections", "election_cosigners", 5, parse=settings.non_negative_int,
                 doc="Owners who must co-sign an owner's nomination, besides the nominating owner.")
settings.declare("elections", "election_candidate_days", 7, parse=settings.positive_int,
                 doc="Candidates are published at least this many days before voting (15 for a first assembly).")
settings.declare("elections", "election_require_delivered_unit", True, parse=settings.boolean,
                 doc="A candidate must own a delivered unit.")
settings.declare("elections", "election_exclude_property_staff", True, parse=settings.boolean,
                 doc="Property-company staff cannot stand as candidates.")


def _refuse(code: str, message: str, status: int) -> DomainError:
    return DomainError(code, message, status=status)


def _check_draft(meeting: Meeting) -> None:
    if meeting.is_published:
        raise _refuse("notice_published", _("The notice is published: void it before changing the election."), 409)


def create_election(meeting: Meeting, *, title: str, text: str = "", seats: int, max_marks: int | None = None,
                    mode: str = "competitive", actor) -> Motion:
    """Add an election motion to a draft owners' assembly (committee members only)."""
    if not is_committee(actor, meeting.community):
        raise _refuse("forbidden", _("Only committee members add elections."), 403)
    _check_draft(meeting)
    max_marks = seats if max_marks is None else max_marks
    if type(seats) is not int or type(max_marks) is not int or seats < 1 or not 1 <= max_marks <= seats \
            or mode not in MODES or not (title or "").strip():
        raise _refuse("bad_election", _("An election needs a title, at least one seat, 1 to the seats marks and a "
                                        "mode (competitive or equal)."), 400)
    motion = Motion(community_id=meeting.community_id, meeting_id=meeting.id, title=title.strip()[:200],
                    text=lf(text or ""), matter="ordinary", position=len(meeting.motions) + 1,
                    election={"seats": seats, "max_marks": max_marks, "mode": mode, "candidates": None})
    meeting.motions.append(motion)
    db.session.flush()
    log_action("election.create", actor=actor, community=meeting.community_id, obj=motion,
           data={"meeting": meeting.id, "motion": motion.id, "seats": seats, "max_marks": max_marks, "mode": mode})
    return motion


def election_motion(motion: Motion | None) -> Motion:
    if motion is None or not motion.is_election:
        raise _refuse("not_found", _("There is no such election."), 404)
    return motion


def candidates_of(motion: Motion, *, standing_only: bool = False) -> list[Candidate]:
    rows = list(db.session.scalars(select(Candidate).where(Candidate.motion_id == motion.id)
                                   .order_by(Candidate.position, Candidate.id)))
    return [c for c in rows if c.is_standing] if standing_only else rows


def _check_open(motion: Motion) -> None:
    if motion.election.get("candidates") is not None:
        raise _refuse("nominations_closed", _("Nominations for this election are closed."), 409)


def eligibility_problems(community, user: User) -> list[str]:
    """Why ``user`` cannot stand (the community's switches); empty when eligible."""
    problems = []
    owners = list(db.session.scalars(select(Owner).where(Owner.community_id == community.id,
                                                         Owner.user_id == user.id)))
    if not owners:
        problems.append(_("not an owner of this community"))
    elif settings.get(community, "election_require_delivered_unit") and db.session.scalar(
            select(Unit.id).join(Ownership, Ownership.unit_id == Unit.id).where(
                Ownership.owner_id.in_([o.id for o in owners]), Unit.status == UnitStatus.DELIVERED).limit(1)) is None:
        problems.append(_("owns no delivered unit"))
    if owners and settings.get(community, "election_exclude_arrears") and arrears.in_arrears(owners):
        problems.append(_("is flagged in arrears with the property fees"))
    if settings.get(community, "election_exclude_property_staff") and has_role(user, community, Role.PROPERTY_STAFF):
        problems.append(_("is property-company staff"))
    return problems


def _check_nominator(motion: Motion, by: str, actor, cosigners: list[int]) -> list[int]:
    community = motion.meeting.community
    if by not in settings.get(community, "election_nominators"):
        raise _refuse("nomination_not_allowed", _("This community does not accept nominations by %(by)s.", by=by), 403)
    if by == "committee" and not has_role(actor, community, Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR):
        raise _refuse("forbidden", _("Only committee members nominate for the committee."), 403)
    if by == "preparatory" and not has_role(actor, community, Role.PREPARATORY):
        raise _refuse("forbidden", _("Only members of the preparatory group nominate for it."), 403)
    if by != "owners":
        return []
    if not is_confirmed_owner(actor, community):
        raise _refuse("forbidden", _("Only confirmed owners nominate candidates."), 403)
    ids = sorted({int(c) for c in cosigners if str(c).isdigit()} - {actor.id})
    users = [db.session.get(User, i) for i in ids]
    if any(u is None or not is_confirmed_owner(u, community) for u in users):
        raise _refuse("bad_cosigner", _("Every co-signer must be a confirmed owner of this community."), 400)
    needed = settings.get(community, "election_cosigners")
    if len(ids) < needed:
        raise _refuse("too_few_cosigners", _("An owner's nomination needs %(n)d co-signing owners.", n=needed), 400)
    return ids


def nominate(motion: Motion, *, nominee: User, by: str, actor, cosigners: list[int] | None = None):
    """Nominate ``nominee`` (by owners with co-signers, the committee or the preparatory group, as the community's
    ``election_nominators`` says); the nominee must accept before nominations close."""
    motion = election_motion(motion)
    _check_draft(motion.meeting)
    _check_open(motion)
    signers = _check_nominator(motion, by, actor, list(cosigners or ()))
    community = motion.meeting.community
    problems = eligibility_problems(community, nominee)
    if problems:
        raise _refuse("candidate_not_eligible", _("This person cannot stand: %(why)s.", why="; ".join(problems)), 400)
    if any(c.user_id == nominee.id and c.withdrawn_at is None for c in candidates_of(motion)):
        raise _refuse("already_nominated", _("This person is already nominated."), 409)
    row = Candidate(community_id=motion.community_id, motion_id=motion.id, user_id=nominee.id,
                    name=(nominee.display_name or nominee.username)[:100], nominated_by=by, nominator_id=actor.id,
                    cosigners=signers, position=len(candidates_of(motion)) + 1, statement="",
                    statement_sha256=hashlib.sha256(b"").hexdigest())
    db.session.add(row)
    db.session.flush()
    log_action("election.nominate", actor=actor, community=motion.community_id, obj=row,
           data={"motion": motion.id, "candidate": row.code, "user": nominee.id, "by": by, "cosigners": signers})
    return row


def _own_candidate(candidate, actor) -> None:
    if candidate.user_id != actor.id:
        raise _refuse("forbidden", _("Only the nominee may do this."), 403)
    motion = db.session.get(Motion, candidate.motion_id)
    _check_draft(motion.meeting)
    _check_open(motion)


def accept_nomination(candidate, *, actor, accept: bool = True):
    """The nominee accepts (or declines: withdraws) the nomination."""
    _own_candidate(candidate, actor)
    moment = clock.now()
    if accept:
        candidate.accepted_at = candidate.accepted_at or moment
        candidate.withdrawn_at = None
    else:
        candidate.withdrawn_at = moment
    db.session.flush()
    log_action("election.accept" if accept else "election.withdraw", actor=actor, community=candidate.community_id,
           obj=candidate, data={"motion": candidate.motion_id, "candidate": candidate.code})
    return candidate


def set_statement(candidate, *, actor, statement: str | None = None, photo: bytes | None = None,
                  photo_name: str = "") -> Any:
    """The nominee's statement (text, at most :data:`STATEMENT_MAX` characters) and photo (PNG or JPEG, at most
    :data:`PHOTO_MAX_BYTES`, stored with the uploads by SHA-256); both are hashed into the agenda at closing."""
    _own_candidate(candidate, actor)
    if statement is not None:
        text = lf(statement).strip()
        if len(text) > STATEMENT_MAX:
            raise _refuse("bad_statement", _("The statement is at most %(n)d characters.", n=STATEMENT_MAX), 400)
        candidate.statement = text
        candidate.statement_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if photo is not None:
        if len(photo) > PHOTO_MAX_BYTES:
            raise _refuse("too_large", _("The photo is too large (at most %(mb)s MB).",
                                         mb=PHOTO_MAX_BYTES // (1024 * 1024)), 413)
        upload = store_upload(PHOTO_FOLDER, photo_name or "photo", photo, images_only=True)
        candidate.photo_sha256, candidate.photo_type = upload.sha256, upload.content_type
    db.session.flush()
    log_action("election.statement", actor=actor, community=candidate.community_id, obj=candidate,
           data={"motion": candidate.motion_id, "candidate": candidate.code,
                 "statement_sha256": candidate.statement_sha256, "photo_sha256": candidate.photo_sha256})
    return candidate


def close_nominations(motion: Motion, *, actor) -> Motion:
    """Fix the accepted candidates into the election (committee): a competitive (差额) election needs more
    candidates than seats, an equal (等额) one exactly as many."""
    motion = election_motion(motion)
    if not is_committee(actor, motion.meeting.community):
        raise _refuse("forbidden", _("Only committee members close nominations."), 403)
    _check_draft(motion.meeting)
    _check_open(motion)
    standing = candidates_of(motion, standing_only=True)
    seats = motion.election["seats"]
    ok = len(standing) > seats if motion.election["mode"] == "competitive" else len(standing) == seats
    if not ok:
        raise _refuse("candidates_mismatch", _(
            "%(n)d candidates have accepted for %(seats)d seats: a competitive election needs more candidates than "
            "seats, an equal one exactly as many.", n=len(standing), seats=seats), 409)
    candidates = [{"id": c.code, "name": c.name, "statement_sha256": c.statement_sha256,
                   "photo_sha256": c.photo_sha256, "statement": c.statement, "user_id": c.user_id}
                  for c in standing]
    motion.election = {**motion.election, "candidates": candidates}
    db.session.flush()
    log_action("election.close", actor=actor, community=motion.community_id, obj=motion,
           data={"motion": motion.id, "candidates": [{k: v for k, v in c.items() if k != "statement"}
                                                     for c in candidates]})
    return motion


def reopen_nominations(motion: Motion, *, actor) -> Motion:
    """Open nominations again (committee), only while the notice is not published (voiding it comes first)."""
    motion = election_motion(motion)
    if not is_committee(actor, motion.meeting.community):
        raise _refuse("forbidden", _("Only committee members reopen nominations."), 403)
    _check_draft(motion.meeting)
    motion.election = {**motion.election, "candidates": None}
    db.session.flush()
    log_action("election.reopen", actor=actor, community=motion.community_id, obj=motion, data={"motion": motion.id})
    return motion


