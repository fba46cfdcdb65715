"""Keeping who may cast for a frozen roll person in line with the register while a meeting is open (R4a,
R4c, R6), and the committee's setting of the developer's representative.

The register sends ``owners_changed`` (``govern.register.signals``) inside its transaction; the receiver
here brings every open meeting of the community in line (:func:`govern.ballots.casters.sync_casters`),
signing each caster change with the server key, and writes one audit entry per change. The rules are in
docs/meetings.md, "Who casts for a person".
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.accounts.access import is_committee
from govern.accounts.models import Role, RoleGrant, User
from govern.accounts.services import grant_role, revoke_role
from govern.audit.services import log_action
from govern.ballots.casters import sync_casters
from govern.ballots.models import Meeting
from govern.errors import DomainError, Forbidden
from govern.extensions import db
from govern.meetings.serverkey import server_private_key
from govern.register.models import Community
from govern.register.signals import owners_changed


def sync_community(community_id: int, *, actor=None) -> int:
    """Bring the casters of every open meeting of the community in line with the register; the number of
    caster changes appended."""
    moment = clock.now()
    ids = list(db.session.scalars(select(Meeting.id).where(
        Meeting.community_id == community_id, Meeting.roll_hash.is_not(None), Meeting.published_at.is_not(None),
        Meeting.closes_at > moment).order_by(Meeting.id)))
    done = 0
    for mid in ids:
        for row in sync_casters(mid, signer=server_private_key(), moment=moment):
            change = row.ballot
            log_action("meeting.caster_change", actor=actor, community=community_id, obj=db.session.get(Meeting, mid),
                   data={"meeting": mid, "position": row.position, "voter": change["voter"],
                         "account": change["account"], "action": change["action"], "reason": change["reason"]})
            done += 1
    return done


@owners_changed.connect
def _owners_changed(sender, community_id: int, actor=None, **_kw) -> None:
    sync_community(community_id, actor=actor)


def set_developer_representative(community: Community, user: User, *, actor, active: bool = True) -> None:
    """The committee names (or, with ``active=False``, withdraws) the account that casts for the developer
    person (R4a). Audit-logged as a role grant or revocation; open meetings follow at once."""
    if not is_committee(actor, community):
        raise Forbidden("forbidden", _("Only the committee names the developer's representative."))
    grant = db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.community_id == community.id,
        RoleGrant.role == Role.DEVELOPER_REP, RoleGrant.revoked_at.is_(None)))
    if active:
        grant_role(user, Role.DEVELOPER_REP, community, actor=actor)
    elif grant is None:
        raise DomainError("not_found", _("This account is not the developer's representative."), status=404)
    else:
        revoke_role(grant, actor=actor)
