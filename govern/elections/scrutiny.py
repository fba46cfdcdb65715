"""Scrutineers of an election (#12 item 4, #14): a candidate of one of the meeting's elections cannot be the
meeting's scrutineer (监票人 oversee the count of the election they stand in otherwise).

Registered with :func:`govern.meetings.scrutineers.scrutineer_exclusion` when the elections package is imported
(``govern/elections/__init__.py``), so naming such an owner is refused with 409 ``scrutineer_ineligible``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern.ballots.models import Meeting, Motion
from govern.elections.models import Candidate
from govern.extensions import db
from govern.meetings.scrutineers import scrutineer_exclusion


def stands_in_meeting(meeting: Meeting, user_id: int) -> bool:
    """``user_id`` is a candidate of an election motion of ``meeting``: a published candidate, or a nomination
    not withdrawn while nominations are still open."""
    if any(m.stands_in_election(user_id) for m in meeting.motions):
        return True
    return db.session.scalar(select(Candidate.id).join(Motion, Candidate.motion_id == Motion.id).where(
        Motion.meeting_id == meeting.id, Candidate.user_id == user_id, Candidate.withdrawn_at.is_(None))
        .limit(1)) is not None


@scrutineer_exclusion
def candidates_are_not_scrutineers(meeting: Meeting, user) -> str | None:
    if stands_in_meeting(meeting, user.id):
        return _("A candidate in this meeting's election cannot be its scrutineer.")
    return None
