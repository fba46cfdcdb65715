"""The register as the core sees it: one adapter from the register's rows to ``core.register.UnitRecord``,
the community's voting persons (R4–R5) built from them, and the persons an account belongs to.

Casting (the frozen roll), proposals (co-signing thresholds) and surveys (one response per person) all
read the register through here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from govern.core.persons import Person, Roll, build_persons
from govern.core.register import UnitRecord
from govern.core.register import UnitStatus as CoreUnitStatus
from govern.extensions import db
from govern.register.models import Owner, Ownership, Unit


def unit_records(community_id: int) -> list[UnitRecord]:
    """Every unit of the community as a core record: number, building, area, status, owners, area source."""
    units = db.session.scalars(
        select(Unit).where(Unit.community_id == community_id)
        .options(selectinload(Unit.building), selectinload(Unit.ownerships).selectinload(Ownership.owner))
    )
    return [
        UnitRecord(unit=u.number, building=u.building.code, area=u.area, status=CoreUnitStatus(u.status.value),
                   owners=tuple(sorted(o.owner.ref for o in u.ownerships)), area_source=u.area_source,
                   counts=u.counts_for_voting)
        for u in units
    ]


def community_persons(community_id: int, buildings=None) -> Roll:
    """The community's voting persons from the register (``buildings``: a meeting's scope, R5)."""
    return build_persons(unit_records(community_id), buildings=buildings)


def persons_of(user, community, roll: Roll | None = None) -> list[Person]:
    """The voting persons the account's confirmed owner records belong to (co-owners share one person).

    ``roll``: the community's persons when the caller has them already (else built from the register).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    refs = set(db.session.scalars(select(Owner.ref).where(
        Owner.community_id == community.id, Owner.user_id == user.id, Owner.confirmed_at.is_not(None))))
    if not refs:
        return []
    roll = roll or community_persons(community.id)
    return [p for p in roll.persons if not p.is_developer and refs & set(p.owners)]
