"""What casting, proxies, paper ballots and the street office's oversight share: the one refusal-code → HTTP
status table, signed-envelope bodies, the ballot context of a meeting."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from govern.ballots.models import Meeting, MotionResult, RollCaster, RollPerson
from govern.core.agenda import election_motion_ids
from govern.core.ballot import MeetingContext, RevisionPolicy
from govern.errors import DomainError
from govern.extensions import db

#: HTTP status of each refusal code (codes from govern.core.ballot.Rejection plus casting's, proxies', paper
#: ballots' and the oversight's own). The one table: every refusal here is raised through :func:`refuse`.
STATUS = {
    "bad_request": 400, "bad_signature": 400, "wrong_meeting": 400, "wrong_roll": 400, "unknown_motion": 400,
    "stale_ballot": 400, "unknown_key": 400, "bad_proxy": 400, "bad_scan": 400, "scan_mismatch": 400,
    "stale_signature": 400, "wrong_agenda": 400,
    "not_eligible": 403, "revoked_key": 403, "forbidden": 403, "not_committee": 403, "same_member": 403,
    "window_not_open": 409, "window_closed": 409, "already_voted": 409, "replay": 409,
    "proxy_cap_exceeded": 409, "delegation_revoked": 409, "delegation_lapsed": 409, "already_delegated": 409,
    "already_accepted": 409, "already_attested": 409, "results_signed": 409, "paper_pending": 409,
    "already_certified": 409, "not_closed": 409, "instructions_not_followed": 400, "entering_key_revoked": 409,
    "not_published": 409,
}


def refuse(code: str, message: str) -> DomainError:
    """A :class:`DomainError` with the code's status from :data:`STATUS` (400 if unlisted)."""
    return DomainError(code, message, status=STATUS.get(code, 400))


def envelope_parts(data: Any, name: str) -> tuple[Any, Any, Any]:
    """``(object, signature, key_id)`` of a body ``{name: {...}, "signature", "key_id"}``."""
    if not isinstance(data, dict) or set(data) != {name, "signature", "key_id"} or not isinstance(data[name], dict):
        raise refuse("bad_request", _('The body must be {"%(name)s", "signature", "key_id"}.', name=name))
    if not isinstance(data["signature"], str) or not isinstance(data["key_id"], str):
        raise refuse("bad_request", _('The body must be {"%(name)s", "signature", "key_id"}.', name=name))
    return data[name], data["signature"], data["key_id"]


def meeting_context(meeting_id: int, row, motion_ids: frozenset[str],
                    election_motions: frozenset[str] = frozenset()) -> MeetingContext:
    """The one builder of what ``core.ballot`` checks a signed object against: ``row`` is the meeting or any row
    with its ``community_id``, ``roll_hash``, ``agenda_hash``, ``opens_at``, ``closes_at`` and ``revision_policy``.
    ``election_motions``: the motions whose agenda entry has ``"kind": "election"``
    (:func:`govern.core.agenda.election_motion_ids`)."""
    return MeetingContext(
        community=str(row.community_id), meeting=str(meeting_id), roll_hash=row.roll_hash or "",
        motion_ids=motion_ids, opens_at=row.opens_at, closes_at=row.closes_at,
        policy=RevisionPolicy(row.revision_policy), agenda_hash=row.agenda_hash,
        election_motions=election_motions,
    )



def context(meeting: Meeting) -> MeetingContext:
    """:func:`meeting_context` of a loaded meeting (its motions from the relationship)."""
    return meeting_context(meeting.id, meeting, frozenset(str(m.id) for m in meeting.motions),
                           election_motion_ids(meeting.agenda))


def is_caster(meeting_id: int, user_id: int, person: Any) -> bool:
    """``user_id`` may cast for roll person ``person`` of the meeting."""
    if not isinstance(person, str):
        return False
    return db.session.scalar(
        select(RollCaster.id).join(RollPerson, RollCaster.roll_person_id == RollPerson.id).where(
            RollCaster.meeting_id == meeting_id, RollCaster.user_id == user_id, RollPerson.person == person)
    ) is not None


def results_signed(meeting_id: int) -> bool:
    return db.session.scalar(select(MotionResult.id).where(MotionResult.meeting_id == meeting_id).limit(1)) \
        is not None
