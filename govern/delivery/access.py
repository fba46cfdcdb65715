"""Who may see delivery pages."""

from __future__ import annotations

from govern.accounts.access import can_view_community, has_role, is_committee
from govern.accounts.models import Role


def can_set_preferences(user, community) -> bool:
    return can_view_community(user, community)


def can_read_sms_outbox(user, community) -> bool:
    """The outbox holds phone numbers: platform admins only."""
    return has_role(user, community, Role.ADMIN)


def can_schedule_reminders(user, community) -> bool:
    return is_committee(user, community) or has_role(user, community, Role.ADMIN)
