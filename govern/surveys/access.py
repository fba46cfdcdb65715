"""Who may run and answer surveys."""

from __future__ import annotations

from govern.accounts.access import can_view_community, has_role, is_committee
from govern.accounts.models import Role


def can_manage_surveys(user, community) -> bool:
    return is_committee(user, community) or has_role(user, community, Role.ADMIN)


def can_view_surveys(user, community) -> bool:
    return can_view_community(user, community)
