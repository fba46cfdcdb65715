"""Who may do what with meetings: plain predicates, tested directly."""

from __future__ import annotations

from govern.accounts.access import has_role, is_committee
from govern.accounts.models import Role
from govern.ballots.access import can_manage_meetings, can_view_meeting, visible_meeting  # noqa: F401  (their home)


def is_street_office(user, community) -> bool:
    return has_role(user, community, Role.AUDITOR) and not is_committee(user, community)


def can_see_door_to_door(user, meeting) -> bool:
    """Which homes have not voted (a reminder list, no choices): committee members and the street office."""
    return is_committee(user, meeting.community) or has_role(user, meeting.community, Role.AUDITOR, Role.ADMIN)
