"""The frozen roll (R4–R6, R14): written into the snapshot tables when the notice is published, and rebuilt
from them with the same hash."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select

from govern.ballots.casters import accounts_for, developer_representatives, unit_casters
from govern.ballots.models import (
    Meeting,
    OwnerKey,
    RollCaster,
    RollPerson,
    RollUnit,
    VoidedRoll,
)
from govern.core.ballot import format_time
from govern.core.persons import build_persons
from govern.core.roll import Roll, build_roll, new_salt, person_pseudonym, roll_hash
from govern.core.roll import RollPerson as CoreRollPerson
from govern.core.roll import RollUnit as CoreRollUnit
from govern.errors import DomainError
from govern.extensions import db
from govern.register.records import unit_records


def freeze_roll(meeting: Meeting, moment: dt.datetime) -> Roll:
    """Freeze the eligibility roll into the snapshot tables and set ``meeting.roll_hash`` (R4–R6, R14).

    Casters of a person are the confirmed owner accounts of its units' owners (only the designated
    co-owner's where the co-owners designated one, R4c), and the developer's representatives for the
    developer person (R4a) (:mod:`govern.ballots.casters`); their active keys are recorded as enrolled
    at freeze time.
    """
    records = unit_records(meeting.community_id)
    persons = build_persons(records, buildings=meeting.scope_buildings)
    if not persons.persons:
        raise DomainError("empty_roll", _("Nobody in this scope can vote: check the scope and the register."),
                          status=400)
    by_unit = {r.unit: r for r in records}
    unit_accounts = unit_casters(meeting.community_id)
    representatives = developer_representatives(meeting.community_id)
    keys: dict[int, str] = {
        k.user_id: k.public_key for k in db.session.scalars(select(OwnerKey).where(OwnerKey.revoked_at.is_(None)))
    }
    secret = secrets.token_bytes(32)
    meeting.roll_secret = secret.hex()
    core_persons = []
    for p in persons.persons:
        casters = sorted(
            (str(a) for a in accounts_for(p.units, p.is_developer, unit_accounts, representatives)), key=int)
        units = tuple(CoreRollUnit(u, by_unit[u].building, by_unit[u].area, by_unit[u].area_source) for u in p.units)
        core_persons.append(CoreRollPerson(
            person=person_pseudonym(secret, str(meeting.id), p.id),
            area=p.area,
            casters=tuple(casters),
            keys=tuple(keys[int(c)] for c in casters if int(c) in keys),
            buildings=tuple(sorted(p.building_set)),
            owners=p.owners,
            units=units,
            salt=new_salt(os.urandom),
        ))
    register_ids = {cp.person: p.id for cp, p in zip(core_persons, persons.persons, strict=True)}
    roll = build_roll(community=str(meeting.community_id), meeting=str(meeting.id), frozen_at=format_time(moment),
                      persons=core_persons, buildings=meeting.scope_buildings)
    for cp in roll.persons:
        row = RollPerson(community_id=meeting.community_id, meeting_id=meeting.id, person=cp.person,
                         register_person=register_ids[cp.person], area=cp.area, weight=cp.weight,
                         buildings=list(cp.buildings), owners=list(cp.owners), casters=list(cp.casters),
                         keys=list(cp.keys), salt=cp.salt)
        db.session.add(row)
        db.session.flush()
        for u in cp.units:
            db.session.add(RollUnit(community_id=meeting.community_id, meeting_id=meeting.id, roll_person_id=row.id,
                                    unit=u.unit, building=u.building, area=u.area, area_source=u.area_source))
        for c in cp.casters:
            db.session.add(RollCaster(community_id=meeting.community_id, meeting_id=meeting.id, user_id=int(c),
                                      roll_person_id=row.id))
    meeting.roll_hash = roll_hash(roll)
    meeting.roll_frozen_at = moment
    meeting.total_area = roll.total_area
    meeting.total_persons = roll.total_persons
    db.session.flush()
    return roll


def load_roll(meeting: Meeting) -> Roll:
    """The frozen roll of ``meeting`` rebuilt from the snapshot tables (its hash equals ``meeting.roll_hash``)."""
    persons = list(db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id)))
    units: dict[int, list[RollUnit]] = defaultdict(list)
    for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.id)):
        units[u.roll_person_id].append(u)
    core = [
        CoreRollPerson(person=p.person, area=p.area, casters=tuple(p.casters), keys=tuple(p.keys),
                       buildings=tuple(p.buildings), weight=p.weight, owners=tuple(p.owners), salt=p.salt,
                       units=tuple(CoreRollUnit(u.unit, u.building, u.area, u.area_source) for u in units[p.id]))
        for p in persons
    ]
    return build_roll(community=str(meeting.community_id), meeting=str(meeting.id),
                      frozen_at=format_time(meeting.roll_frozen_at), persons=core, buildings=meeting.scope_buildings)


def keep_voided_roll(meeting: Meeting, *, actor, reason: str, moment: dt.datetime) -> VoidedRoll:
    """R29: copy the frozen roll of a notice being voided into ``voided_rolls`` (kept for good) before the live
    roll tables are cleared for the next notice: every person with its units and casters, the totals, hashes."""
    units: dict[int, list[dict]] = defaultdict(list)
    for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.id)):
        units[u.roll_person_id].append({"unit": u.unit, "building": u.building, "area": u.area,
                                        "area_source": u.area_source})
    accounts: dict[int, list[int]] = defaultdict(list)
    for c in db.session.scalars(select(RollCaster).where(RollCaster.meeting_id == meeting.id)
                                .order_by(RollCaster.id)):
        accounts[c.roll_person_id].append(c.user_id)
    snapshot = [{"person": p.person, "register_person": p.register_person, "area": p.area, "weight": p.weight,
                 "buildings": p.buildings, "owners": p.owners, "casters": p.casters, "keys": p.keys, "salt": p.salt,
                 "units": units.get(p.id, []), "caster_accounts": accounts.get(p.id, [])}
                for p in db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id)
                                            .order_by(RollPerson.id))]
    row = VoidedRoll(community_id=meeting.community_id, meeting_id=meeting.id, generation=meeting.void_count + 1,
                     roll_hash=meeting.roll_hash, frozen_at=meeting.roll_frozen_at, agenda_hash=meeting.agenda_hash,
                     total_area=meeting.total_area, total_persons=meeting.total_persons, snapshot=snapshot,
                     reason=reason, voided_at=moment, voided_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    return row


def voided_rolls(meeting: Meeting) -> list[VoidedRoll]:
    """The meeting's voided roll snapshots, oldest first."""
    return list(db.session.scalars(select(VoidedRoll).where(VoidedRoll.meeting_id == meeting.id)
                                   .order_by(VoidedRoll.generation)))
