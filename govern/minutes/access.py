"""Who may see and do what with committee meetings and minutes: plain predicates, tested directly."""

from __future__ import annotations

from govern.accounts.access import can_view_community, has_role, is_committee
from govern.accounts.models import Role


def can_manage_committee(user, community) -> bool:
    """Drafting agendas and minutes, recording attendance and votes, approving: committee members only."""
    return is_committee(user, community)


def can_read_committee_drafts(user, community) -> bool:
    """The committee, the street office (R28 reads everything) and platform admins."""
    return is_committee(user, community) or has_role(user, community, Role.AUDITOR, Role.ADMIN)


def can_view_committee_meeting(user, cm) -> bool:
    """A published agenda is for every member of the community; a draft for those who read drafts."""
    if can_read_committee_drafts(user, cm.community):
        return True
    return cm.agenda_published_at is not None and can_view_community(user, cm.community)


def can_view_committee_minutes(user, cm) -> bool:
    if can_read_committee_drafts(user, cm.community):
        return cm.minutes_closed_at is not None
    return cm.published_at is not None and can_view_community(user, cm.community)
