"""Who may do what: plain predicates, plus decorators that load a community and check a role.

Predicates take a user (possibly anonymous) and a community and answer yes or no; they are
tested directly, without HTTP. Every view and API endpoint goes through one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.models import OwnerClaim, Role, RoleGrant
from govern.extensions import db, login_manager
from govern.register.models import Community

#: The roles that act as the owners' committee: its members, and in a community with none the preparatory group
#: (筹备组, #14), which prepares, convenes and runs the first assembly (``govern.elections.preparatory``).
COMMITTEE = (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR, Role.PREPARATORY)
#: Roles that may read every record of a community (R28: the street office reads everything).
READERS_ALL = (Role.AUDITOR, Role.ADMIN)


def roles_of(user, community) -> set[Role]:
    """The active roles of ``user`` in ``community`` (platform-wide admin included)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cache = _cache()
    key = (user.id, community.id if community is not None else None)
    if key not in cache:
        community_id = key[1]
        rows = db.session.scalars(
            select(RoleGrant.role).where(
                RoleGrant.user_id == user.id,
                RoleGrant.revoked_at.is_(None),
                (RoleGrant.community_id == community_id) | RoleGrant.community_id.is_(None),
            )
        ).all()
        cache[key] = {Role(r) for r in rows}
    return cache[key]


def has_role(user, community, *roles: Role) -> bool:
    """True when the user holds any of ``roles`` in the community. Admins hold ADMIN everywhere."""
    return bool(roles_of(user, community) & set(roles))


def is_admin(user) -> bool:
    return has_role(user, None, Role.ADMIN)


def is_committee(user, community) -> bool:
    return has_role(user, community, *COMMITTEE)


def is_confirmed_owner(user, community) -> bool:
    """A confirmed owner: the committee has matched the account to the register (R14)."""
    return has_role(user, community, Role.OWNER)


def can_view_community(user, community) -> bool:
    """Any member of the community (owner, pending owner, staff, committee, auditor, observer) or an admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    if roles_of(user, community):
        return True
    return (
        db.session.scalar(
            select(OwnerClaim.id).where(
                OwnerClaim.user_id == user.id,
                OwnerClaim.community_id == community.id,
                OwnerClaim.status == "pending",
            )
        )
        is not None
    )


def can_manage_register(user, community) -> bool:
    return has_role(user, community, Role.ADMIN)


def can_grant_roles(user, community) -> bool:
    return has_role(user, community, Role.ADMIN)


def can_confirm_owners(user, community) -> bool:
    return has_role(user, community, *COMMITTEE, Role.ADMIN)


def can_read_audit(user, community) -> bool:
    return has_role(user, community, Role.AUDITOR, Role.ADMIN, Role.OBSERVER)


def can_issue_claim_codes(user, community) -> bool:
    return has_role(user, community, *COMMITTEE, Role.ADMIN)


def user_communities(user) -> list[Community]:
    """Communities the user belongs to, by name; all of them for an admin."""
    if not getattr(user, "is_authenticated", False):
        return []
    if is_admin(user):
        return list(db.session.scalars(select(Community).order_by(Community.name)))
    ids = set(
        db.session.scalars(
            select(RoleGrant.community_id).where(RoleGrant.user_id == user.id, RoleGrant.revoked_at.is_(None))
        )
    ) | set(
        db.session.scalars(
            select(OwnerClaim.community_id).where(OwnerClaim.user_id == user.id, OwnerClaim.status == "pending")
        )
    )
    ids.discard(None)
    if not ids:
        return []
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.name)))


def community_required(predicate=can_view_community):
    """Load ``community`` from the ``slug`` URL argument and check ``predicate(user, community)``.

    Anonymous users are sent to the login page; members without the right get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(slug: str, **kwargs):
            community = db.session.scalar(select(Community).where(Community.slug == slug))
            if community is None:
                abort(404)
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user, community):
                abort(403)
            g.community = community
            return view(community=community, **kwargs)

        return wrapper

    return decorator


def role_names(roles: Iterable[Role]) -> list[str]:
    return sorted(r.value for r in roles)


def _cache() -> dict:
    if not hasattr(g, "_govern_roles"):
        g._govern_roles = {}
    return g._govern_roles


def forget_roles() -> None:
    """Drop the per-request role cache (after granting or revoking within a request)."""
    g._govern_roles = {}
