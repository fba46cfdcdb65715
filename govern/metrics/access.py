"""Who may read the dashboard."""

from __future__ import annotations

from govern.accounts.access import COMMITTEE, has_role
from govern.accounts.models import Role


def can_view_metrics(user, community) -> bool:
    """The committee, the property company, the street office and observers, admins."""
    return has_role(user, community, *COMMITTEE, Role.PROPERTY_STAFF, Role.AUDITOR, Role.OBSERVER, Role.ADMIN)


def can_compare_district(user, community) -> bool:
    """The street office compares every community of its district."""
    return has_role(user, community, Role.AUDITOR, Role.OBSERVER, Role.ADMIN)
