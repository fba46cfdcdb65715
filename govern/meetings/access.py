"""Who may do what with meetings: plain predicates, tested directly."""

from __future__ import annotations

from govern.accounts.access import can_view_community, has_role, is_committee
from govern.accounts.models import Role


def visible_meeting(meeting_id: int, user):
    """The meeting ``meeting_id`` if ``user`` may see it (:func:`can_view_meeting`), else ``None``.

    An unknown meeting and a hidden one look alike, so callers answer both with "not found".
    """
    from govern.extensions import db
    from govern.meetings.models import Meeting

    meeting = db.session.get(Meeting, meeting_id)
    return meeting if meeting is not None and can_view_meeting(user, meeting) else None


def can_manage_meetings(user, community) -> bool:
    """The committee convenes; the street-office auditor may convene when the committee fails to (R11)."""
    return is_committee(user, community) or has_role(user, community, Role.AUDITOR)


def is_street_office(user, community) -> bool:
    return has_role(user, community, Role.AUDITOR) and not is_committee(user, community)


def can_view_meeting(user, meeting) -> bool:
    """Published meetings: every member of the community. Drafts: those who manage meetings."""
    community = meeting.community
    if not can_view_community(user, community):
        return False
    if meeting.is_published:
        return True
    return can_manage_meetings(user, community)


def can_see_door_to_door(user, meeting) -> bool:
    """Which homes have not voted (a reminder list, no choices): committee members and the street office."""
    return is_committee(user, meeting.community) or has_role(user, meeting.community, Role.AUDITOR, Role.ADMIN)
