"""What casting, proxies, paper ballots and the street office's oversight share: the one refusal-code → HTTP
status table, signed-envelope bodies, the ballot context of a meeting."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from govern.ballots.models import Meeting, MotionResult, RollCaster, RollPerson
from govern.codes import CODES, status_of
from govern.core.agenda import election_motion_ids
from govern.core.ballot import MeetingContext, RevisionPolicy
from govern.core.election import marks_problems
from govern.errors import DomainError
from govern.extensions import db

#: The HTTP status of each refusal code, read from the one table of codes (:data:`govern.codes.CODES`), not a
#: second table: every refusal of casting, proxies, paper ballots and the oversight is raised through
#: :func:`refuse`. Kept as a read-only view for callers that still import it (``meetings.services``).
STATUS: Mapping[str, int] = MappingProxyType({code: entry.status for code, entry in CODES.items()})


def refuse(code: str, message: str) -> DomainError:
    """A :class:`DomainError` with the code's status from :func:`govern.codes.status_of` (every code is listed)."""
    return DomainError(code, message, status=status_of(code))


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


def elections_of(meeting: Meeting) -> dict[str, dict]:
    """``motion id -> Motion.election`` of the meeting's election motions (fixed while the notice stands)."""
    return {str(m.id): m.election for m in meeting.motions if m.is_election}


def check_election_choices(elections: dict, choices: Any, *, paper: bool = False) -> None:
    """Refuse choices that do not fit the meeting's motions' kinds (#14): an election motion (``elections``:
    :func:`elections_of`) takes ``{"marks": [...]}`` (:func:`govern.core.election.marks_problems`:
    ``bad_request``, ``unknown_candidate``, ``too_many_marks``; paper may record ``"invalid"``), any other motion
    a word."""
    if not isinstance(choices, dict):
        return
    for mid, choice in choices.items():
        if mid in elections:
            problem = marks_problems(choice, elections[mid], paper=paper)
            if problem is None:
                continue
            message = _("Motion %(motion)s: %(problem)s", motion=mid, problem=problem[1])
            if problem[0] == "too_many_marks":
                raise refuse("too_many_marks", message)
            if problem[0] == "unknown_candidate":
                raise refuse("unknown_candidate", message)
            raise refuse("bad_request", message)
        elif not isinstance(choice, str):
            raise refuse("bad_request", _("Motion %(motion)s is not an election: its choice is a word.", motion=mid))
