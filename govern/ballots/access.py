"""Who may see a meeting: the predicate every casting, meeting and record view starts from."""

from __future__ import annotations

from govern.accounts.access import can_view_community, has_role, is_committee
from govern.accounts.models import Role
from govern.ballots.models import Meeting
from govern.extensions import db


def visible_meeting(meeting_id: int, user) -> Meeting | None:
    """The meeting ``meeting_id`` if ``user`` may see it (:func:`can_view_meeting`), else ``None``.

    An unknown meeting and a hidden one look alike, so callers answer both with "not found".
    """
    meeting = db.session.get(Meeting, meeting_id)
    return meeting if meeting is not None and can_view_meeting(user, meeting) else None


def can_manage_meetings(user, community) -> bool:
    """The committee convenes; the street-office auditor may convene when the committee fails to (R11)."""
    return is_committee(user, community) or has_role(user, community, Role.AUDITOR)


def can_view_meeting(user, meeting) -> bool:
    """Published meetings: every member of the community. Drafts: those who manage meetings."""
    community = meeting.community
    if not can_view_community(user, community):
        return False
    if meeting.is_published:
        return True
    return can_manage_meetings(user, community)
