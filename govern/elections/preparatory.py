"""The preparatory group (筹备组) and the first owners' assembly (#14 item 6).

In a community with no committee the street office forms a preparatory group: members from the owners, the
developer, the residents' committee and the street office; the owners' members are at least half of the group,
and a street-office member leads it (组长). Each member holds the ``preparatory_member`` role, which acts as the
committee (``govern.accounts.access.COMMITTEE``): the group confirms the roll, drafts the 议事规则 and 管理规约 as
motions, nominates candidates (``by="preparatory"``), names the scrutineers, enters and attests paper ballots and
countersigns. It convenes the first assembly (``MeetingKind.FIRST``, ``convener`` "preparatory", candidates
published 15 days ahead, R36). Installing the committee that assembly elected dissolves the group (its roles are
revoked). Everything here is audit-logged.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.accounts import committee
from govern.accounts.access import forget_roles, has_role, is_confirmed_owner
from govern.accounts.models import Role, RoleGrant, User
from govern.audit.services import log_action
from govern.ballots.models import Meeting, MeetingKind
from govern.elections.models import PreparatoryGroup, PreparatoryMember
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import services as meetings
from govern.register.models import Community

#: Where a member of the preparatory group comes from.
CONSTITUENCIES = ("owners", "developer", "residents_committee", "street_office")


def active_group(community: Community) -> PreparatoryGroup | None:
    return db.session.scalar(select(PreparatoryGroup).where(
        PreparatoryGroup.community_id == community.id, PreparatoryGroup.dissolved_at.is_(None)))


def members_of(group: PreparatoryGroup) -> list[PreparatoryMember]:
    return list(db.session.scalars(select(PreparatoryMember).where(PreparatoryMember.group_id == group.id)
                                   .order_by(PreparatoryMember.id)))


def sitting_committee(community: Community) -> list[RoleGrant]:
    """The committee's members proper (the preparatory group's roles excluded)."""
    return committee.members(community)


def form_group(community: Community, members: Iterable[tuple[User, str]], *, leader: User, actor) -> PreparatoryGroup:
    """The street office forms the preparatory group of a community with no committee. Refusals: 403
    ``forbidden`` (not the street office), 409 ``committee_exists``, 409 ``preparatory_group_exists``, 400
    ``bad_preparatory_group`` (an unknown constituency, an owners' member who is no confirmed owner, owners fewer
    than half, a repeated person, or a leader who is not one of its street-office members)."""
    if not has_role(actor, community, Role.AUDITOR):
        raise DomainError("forbidden", _("Only the street office forms the preparatory group."), status=403)
    if sitting_committee(community):
        raise DomainError("committee_exists", _("This community has a committee: it prepares the elections."),
                          status=409)
    if active_group(community) is not None:
        raise DomainError("preparatory_group_exists", _("This community already has a preparatory group."),
                          status=409)
    chosen = list(members)
    problem = _composition_problem(community, chosen, leader)
    if problem:
        raise DomainError("bad_preparatory_group", problem, status=400)
    group = PreparatoryGroup(community_id=community.id, formed_by_id=actor.id, formed_at=clock.now())
    db.session.add(group)
    db.session.flush()
    for user, constituency in chosen:
        grant = RoleGrant(user_id=user.id, community_id=community.id, role=Role.PREPARATORY,
                          granted_by_id=actor.id)
        db.session.add(grant)
        db.session.flush()
        db.session.add(PreparatoryMember(group_id=group.id, user_id=user.id, constituency=constituency,
                                         is_leader=user.id == leader.id, grant_id=grant.id))
    db.session.flush()
    forget_roles()
    log_action("preparatory.form", actor=actor, community=community, obj=group,
           data={"group": group.id, "leader": leader.id,
                 "members": [{"user": u.id, "constituency": c} for u, c in chosen]})
    return group


def _composition_problem(community: Community, chosen: list[tuple[User, str]], leader: User) -> str | None:
    if not chosen or len({u.id for u, _c in chosen}) != len(chosen):
        return _("Name each member of the preparatory group once.")
    if any(c not in CONSTITUENCIES for _u, c in chosen):
        return _("A member comes from the owners, the developer, the residents' committee or the street office.")
    owners = [u for u, c in chosen if c == "owners"]
    if any(not is_confirmed_owner(u, community) for u in owners):
        return _("The owners' members must be confirmed owners of this community.")
    if 2 * len(owners) < len(chosen):
        return _("At least half of the preparatory group are owners.")
    if (leader.id, "street_office") not in {(u.id, c) for u, c in chosen}:
        return _("The group leader is one of its street-office members.")
    return None


def dissolve(group: PreparatoryGroup, *, actor, reason: str) -> PreparatoryGroup:
    """End the group: its members' roles are revoked. Done when the elected committee is installed."""
    if group.dissolved_at is not None:
        return group
    moment = clock.now()
    group.dissolved_at = moment
    for member in members_of(group):
        grant = db.session.get(RoleGrant, member.grant_id)
        if grant is not None and grant.revoked_at is None:
            grant.revoked_at = moment
    db.session.flush()
    forget_roles()
    log_action("preparatory.dissolve", actor=actor, community=group.community_id, obj=group,
           data={"group": group.id, "reason": reason})
    return group


def convene_first_assembly(community: Community, data: meetings.MeetingData, *, actor) -> Meeting:
    """The preparatory group drafts the first owners' assembly (its candidates are published 15 days ahead)."""
    group = active_group(community)
    if group is None or not has_role(actor, community, Role.PREPARATORY):
        raise DomainError("forbidden", _("Only the preparatory group convenes the first owners' assembly."),
                          status=403)
    data.kind = MeetingKind.FIRST.value
    return meetings.create_meeting(community, data, actor=actor, convener="preparatory")

