"""Who may file, handle and see service requests."""

from __future__ import annotations

from govern.accounts.access import COMMITTEE, has_role, is_confirmed_owner
from govern.accounts.models import Role
from govern.extensions import db
from govern.register.models import Community


def can_file_requests(user, community) -> bool:
    return is_confirmed_owner(user, community)


def can_handle_requests(user, community) -> bool:
    """Acknowledge, assign, resolve: the property company."""
    return has_role(user, community, Role.PROPERTY_STAFF, Role.ADMIN)


def can_oversee_requests(user, community) -> bool:
    """See every request of the community: the property company, the committee, the street office."""
    return has_role(user, community, Role.PROPERTY_STAFF, *COMMITTEE, Role.AUDITOR, Role.OBSERVER, Role.ADMIN)


def can_use_service(user, community) -> bool:
    return can_file_requests(user, community) or can_oversee_requests(user, community)


def can_see_request(user, request) -> bool:
    community = request.community_id
    c = db.session.get(Community, community)
    return request.filed_by_id == getattr(user, "id", None) or can_oversee_requests(user, c)
