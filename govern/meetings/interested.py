"""Art. 279 (R25): the applicant's units and the interested owners of a unanimity motion.

A motion of class ``unanimous_interested`` names the applicant's units and the interested units
(``Motion.interested``: ``{"applicant_units", "interested_units", "reason"}``). By default the interested units
are the other units of the applicant's building(s) (SPC arts. 10-11: the owners of the same building); the
committee may add or remove units, and then states its reason. The result is decided over the roll persons
owning the interested units, the applicant's own persons excluded (``govern.core.rules.tally``: adopted only
if every one of them agrees; silence is not consent).
"""

from __future__ import annotations

from sqlalchemy import select

from govern.ballots.models import Meeting, Motion, RollPerson, RollUnit
from govern.extensions import db
from govern.register.models import Building, Unit


def building_units(community_id: int, units: list[str]) -> tuple[list[str], list[str]]:
    """``(unknown units, the other voting units of their buildings)``, each sorted."""
    rows = db.session.execute(select(Unit.number, Unit.building_id).where(Unit.community_id == community_id,
                                                                          Unit.number.in_(units))).all()
    known = {number for number, _ in rows}
    buildings = {b for _, b in rows}
    others = db.session.scalars(select(Unit.number).join(Building, Building.id == Unit.building_id).where(
        Unit.community_id == community_id, Unit.building_id.in_(buildings), Unit.counts_for_voting.is_(True),
        Unit.number.not_in(units))) if buildings else []
    return sorted(set(units) - known), sorted(others)


def unknown_units(community_id: int, units: list[str]) -> list[str]:
    known = set(db.session.scalars(select(Unit.number).where(Unit.community_id == community_id,
                                                             Unit.number.in_(units))))
    return sorted(set(units) - known)


def interested_persons(meeting: Meeting, motion: Motion) -> list[str]:
    """The roll persons (pseudonymous ids) owning the motion's interested units, the applicant's excluded."""
    spec = motion.interested or {}
    rows = db.session.execute(select(RollUnit.unit, RollPerson.person)
                              .join(RollPerson, RollPerson.id == RollUnit.roll_person_id)
                              .where(RollUnit.meeting_id == meeting.id)).all()
    person_of = dict(rows)
    applicants = {person_of[u] for u in spec.get("applicant_units") or () if u in person_of}
    return sorted({person_of[u] for u in spec.get("interested_units") or () if u in person_of} - applicants)
