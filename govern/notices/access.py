"""Who may publish and follow up notices."""

from __future__ import annotations

from govern.accounts.access import COMMITTEE, can_view_community, has_role
from govern.accounts.models import Role


def can_publish_notices(user, community) -> bool:
    """The property company and the owners' committee publish notices."""
    return has_role(user, community, Role.PROPERTY_STAFF, *COMMITTEE, Role.ADMIN)


def can_follow_up_notices(user, community) -> bool:
    """See who read and acknowledged, send reminders: the publishers, and the street office (read only)."""
    return can_publish_notices(user, community) or has_role(user, community, Role.AUDITOR, Role.OBSERVER)


def can_read_notices(user, community) -> bool:
    return can_view_community(user, community)
