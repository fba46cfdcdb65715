"""The arrears flag (欠费) an election can check (#14 item 1): with the community's ``election_exclude_arrears`` on,
an owner flagged in arrears with the property fees cannot stand as a candidate.

Property staff (who keep the fee accounts) or the committee set and clear the flag on an owner of the register;
both are audit-logged (``owner.arrears_set``, ``owner.arrears_cleared``) with the note saying why.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock, settings
from govern.accounts.access import has_role, is_committee
from govern.accounts.models import Role
from govern.audit.services import log_action
from govern.elections.models import ArrearsFlag
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Community, Owner

settings.declare("elections", "election_exclude_arrears", False, parse=settings.boolean,
                 doc="An owner flagged in arrears with the property fees cannot stand as a candidate.")


def may_flag(user, community) -> bool:
    return has_role(user, community, Role.PROPERTY_STAFF) or is_committee(user, community)


def active_flag(owner: Owner) -> ArrearsFlag | None:
    return db.session.scalar(select(ArrearsFlag).where(ArrearsFlag.owner_id == owner.id,
                                                       ArrearsFlag.cleared_at.is_(None)))


def in_arrears(owners: list[Owner]) -> bool:
    ids = [o.id for o in owners]
    return bool(ids) and db.session.scalar(select(ArrearsFlag.id).where(
        ArrearsFlag.owner_id.in_(ids), ArrearsFlag.cleared_at.is_(None)).limit(1)) is not None


def set_flag(owner: Owner, *, actor, note: str) -> ArrearsFlag:
    """Flag ``owner`` in arrears (403 ``forbidden`` unless property staff or committee; 409 ``already_flagged``)."""
    community = db.session.get(Community, owner.community_id)
    if not may_flag(actor, community):
        raise DomainError("forbidden", _("Only property staff or the committee flag arrears."), status=403)
    if active_flag(owner) is not None:
        raise DomainError("already_flagged", _("This owner is already flagged in arrears."), status=409)
    row = ArrearsFlag(community_id=owner.community_id, owner_id=owner.id, note=(note or "").strip()[:500],
                      set_by_id=actor.id, set_at=clock.now())
    db.session.add(row)
    db.session.flush()
    log_action("owner.arrears_set", actor=actor, community=community, obj=owner,
           data={"owner": owner.ref, "flag": row.id, "note": row.note})
    return row


def clear_flag(owner: Owner, *, actor, note: str = "") -> ArrearsFlag:
    """Clear ``owner``'s arrears flag (the fees are paid): 404 ``not_found`` when there is none."""
    community = db.session.get(Community, owner.community_id)
    if not may_flag(actor, community):
        raise DomainError("forbidden", _("Only property staff or the committee flag arrears."), status=403)
    row = active_flag(owner)
    if row is None:
        raise DomainError("not_found", _("This owner is not flagged in arrears."), status=404)
    row.cleared_at, row.cleared_by_id = clock.now(), actor.id
    db.session.flush()
    log_action("owner.arrears_cleared", actor=actor, community=community, obj=owner,
           data={"owner": owner.ref, "flag": row.id, "note": (note or "").strip()[:500]})
    return row
