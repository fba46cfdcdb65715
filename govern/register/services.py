"""Register use cases: importing the unit register from CSV.

The file is parsed by ``govern.core.register`` (the same format ``govern tally`` reads),
then the owner-contact columns are read here. A file with any bad line changes nothing;
a good file is applied as a diff (units and owners added, changed, removed) in one
transaction with one audit entry, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from govern.audit.services import record
from govern.core.register import FrozenMap, LineError, UnitRecord, decode_text, parse_register
from govern.extensions import db
from govern.register.models import Building, Community, Owner, OwnerKind, Ownership, Unit, UnitStatus

#: Optional owner-contact columns: each holds ``owner id=value`` pairs separated by ``;``.
CONTACT_COLUMNS = {
    "owner_names": "name",
    "owner_phones": "phone",
    "owner_emails": "email",
    "owner_kinds": "kind",
    "owner_id_numbers": "id_number_masked",
}
#: Optional column naming the co-owner who casts for a co-owned unit (R4c).
VOTER_COLUMN = "voter"

_PAIR_SPLIT = re.compile("[;\uff1b]")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


class RegisterImportError(Exception):
    """The file has bad lines; nothing was imported."""

    def __init__(self, errors: list[LineError]):
        super().__init__(f"{len(errors)} bad line(s)")
        self.errors = errors


@dataclass
class ImportReport:
    units_added: list[str] = field(default_factory=list)
    units_changed: list[str] = field(default_factory=list)
    units_removed: list[str] = field(default_factory=list)
    owners_added: list[str] = field(default_factory=list)
    owners_changed: list[str] = field(default_factory=list)
    owners_removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed_anything(self) -> bool:
        return any((self.units_added, self.units_changed, self.units_removed, self.owners_added,
                    self.owners_changed, self.owners_removed))

    def summary(self) -> str:
        return (
            f"units: {len(self.units_added)} added, {len(self.units_changed)} changed, "
            f"{len(self.units_removed)} removed, {self.unchanged} unchanged; "
            f"owners: {len(self.owners_added)} added, {len(self.owners_changed)} changed, "
            f"{len(self.owners_removed)} removed"
        )

    def as_dict(self) -> dict:
        return {
            "units_added": self.units_added,
            "units_changed": self.units_changed,
            "units_removed": self.units_removed,
            "owners_added": self.owners_added,
            "owners_changed": self.owners_changed,
            "owners_removed": self.owners_removed,
            "unchanged": self.unchanged,
        }


def mask_id_number(value: str) -> str:
    """Keep the first 4 and last 4 characters of an ID number; never store the whole."""
    value = value.strip()
    if "*" in value or len(value) <= 8:
        return value
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def _line_error(line: int, code: str, message: str, **params) -> LineError:
    return LineError(line=line, code=code, params=FrozenMap(params), message=message)


def _contacts(units: list[UnitRecord], lines: dict[str, int], errors: list[LineError]) -> tuple[dict, dict]:
    """Read owner-contact pairs and designated voters; the same owner must not get two values."""
    contacts: dict[str, dict[str, str]] = {}
    first_seen: dict[tuple[str, str], int] = {}
    voters: dict[str, str] = {}
    for rec in units:
        line = lines[rec.unit]
        for column, attr in CONTACT_COLUMNS.items():
            raw = (rec.extra.get(column) or "").strip()
            if not raw:
                continue
            for pair in filter(None, (p.strip() for p in _PAIR_SPLIT.split(raw))):
                ref, sep, value = pair.partition("=")
                ref, value = ref.strip(), value.strip()
                if not sep or not ref:
                    errors.append(_line_error(line, "bad_contact_pair",
                                              f"{column}: '{pair}' is not of the form owner_id=value",
                                              column=column, pair=pair))
                    continue
                if ref not in rec.owners:
                    errors.append(_line_error(line, "contact_unknown_owner",
                                              f"{column}: owner {ref} is not an owner of unit {rec.unit}",
                                              column=column, owner=ref, unit=rec.unit))
                    continue
                if attr == "kind" and value not in ("natural", "legal"):
                    errors.append(_line_error(line, "bad_owner_kind",
                                              f"{column}: '{value}' must be natural or legal",
                                              column=column, value=value))
                    continue
                if attr == "phone" and not _PHONE_RE.match(value):
                    errors.append(_line_error(line, "bad_phone", f"{column}: '{value}' is not a phone number",
                                              column=column, value=value))
                    continue
                if attr == "id_number_masked":
                    value = mask_id_number(value)
                known = contacts.setdefault(ref, {}).get(attr)
                if known is not None and known != value:
                    errors.append(_line_error(
                        line, "conflicting_contact",
                        f"{column}: owner {ref} has '{value}' here but '{known}' on line {first_seen[(ref, attr)]}",
                        column=column, owner=ref, first_line=first_seen[(ref, attr)]))
                    continue
                contacts[ref][attr] = value
                first_seen.setdefault((ref, attr), line)
        voter = (rec.extra.get(VOTER_COLUMN) or "").strip()
        if voter:
            if voter not in rec.owners:
                errors.append(_line_error(line, "voter_not_owner",
                                          f"voter {voter} is not an owner of unit {rec.unit}",
                                          owner=voter, unit=rec.unit))
            else:
                voters[rec.unit] = voter
    return contacts, voters


def parse_register_file(data: bytes) -> tuple[list[UnitRecord], dict, dict]:
    """Decode and parse a register file; raise ``RegisterImportError`` listing every bad line."""
    text, err = decode_text(data)
    if err is not None:
        raise RegisterImportError([err])
    units, errors = parse_register(text)
    lines = _unit_lines(text, units)
    contacts, voters = _contacts(units, lines, errors)
    if errors:
        raise RegisterImportError(sorted(errors, key=lambda e: e.line))
    return units, contacts, voters


def _unit_lines(text: str, units: list[UnitRecord]) -> dict[str, int]:
    """Physical line of each unit, for errors found after core parsing (contact columns)."""
    import csv
    import io

    lines: dict[str, int] = {}
    wanted = {u.unit for u in units}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = None
    prev_end = 0
    for row in reader:
        start, prev_end = prev_end + 1, reader.line_num
        if header is None:
            if row and any(c.strip() for c in row):
                header = [c.strip().lower() for c in row]
            continue
        if "unit" in header and len(row) == len(header):
            unit = row[header.index("unit")].strip()
            if unit in wanted and unit not in lines:
                lines[unit] = start
    return lines


def import_register(community: Community, data: bytes, *, actor, source: str = "upload") -> ImportReport:
    """Apply a register file to ``community`` as a diff. Raises ``RegisterImportError`` and changes nothing
    when any line is bad, or when a unit to be removed is still referenced by an owner's registration."""
    units, contacts, voters = parse_register_file(data)
    report = ImportReport()

    buildings = {b.code: b for b in db.session.scalars(select(Building).where(Building.community_id == community.id))}
    owners = {o.ref: o for o in db.session.scalars(select(Owner).where(Owner.community_id == community.id))}
    existing = {
        u.number: u
        for u in db.session.scalars(
            select(Unit)
            .where(Unit.community_id == community.id)
            .options(selectinload(Unit.ownerships).selectinload(Ownership.owner))
        )
    }

    # Owners: create the new ones, update contact details of the known ones.
    referenced = {ref for rec in units for ref in rec.owners}
    for ref in sorted(referenced):
        owner = owners.get(ref)
        details = contacts.get(ref, {})
        if owner is None:
            owner = Owner(community_id=community.id, ref=ref, kind=OwnerKind(details.get("kind", "natural")),
                          name=details.get("name", ""), phone=details.get("phone", ""),
                          email=details.get("email", ""), id_number_masked=details.get("id_number_masked", ""))
            db.session.add(owner)
            owners[ref] = owner
            report.owners_added.append(ref)
            continue
        changed = False
        for attr, value in details.items():
            if attr == "kind":
                value = OwnerKind(value)
            if getattr(owner, attr) != value:
                setattr(owner, attr, value)
                changed = True
        if changed:
            report.owners_changed.append(ref)

    for rec in units:
        building = buildings.get(rec.building)
        if building is None:
            building = Building(community_id=community.id, code=rec.building)
            db.session.add(building)
            buildings[rec.building] = building
        voter = voters.get(rec.unit, rec.owners[0] if rec.owners else None)
        unit = existing.pop(rec.unit, None)
        if unit is None:
            unit = Unit(community_id=community.id, building=building, number=rec.unit, area=rec.area,
                        area_source=rec.area_source, status=UnitStatus(rec.status.value),
                        counts_for_voting=rec.counts)
            db.session.add(unit)
            _set_owners(unit, rec.owners, voter, owners)
            report.units_added.append(rec.unit)
            continue
        changes = []
        for attr, value in (("area", rec.area), ("area_source", rec.area_source),
                            ("status", UnitStatus(rec.status.value)), ("counts_for_voting", rec.counts)):
            if getattr(unit, attr) != value:
                setattr(unit, attr, value)
                changes.append(attr)
        if unit.building_id != building.id or unit.building is not building:
            unit.building = building
            changes.append("building")
        current = tuple(sorted(o.owner.ref for o in unit.ownerships))
        current_voter = next((o.owner.ref for o in unit.ownerships if o.is_designated_voter), None)
        if current != tuple(sorted(rec.owners)) or current_voter != voter:
            _set_owners(unit, rec.owners, voter, owners)
            changes.append("owners")
        if changes:
            report.units_changed.append(rec.unit)
        else:
            report.unchanged += 1

    # Units no longer in the file.
    from govern.accounts.models import ClaimCode, OwnerClaim

    blocked = []
    for number, unit in sorted(existing.items()):
        if db.session.scalar(select(OwnerClaim.id).where(OwnerClaim.unit_id == unit.id).limit(1)) is not None:
            blocked.append(_line_error(0, "unit_in_use",
                                       f"unit {number} is not in the file but owners registered with it; "
                                       "it cannot be removed", unit=number))
            continue
        for code in db.session.scalars(select(ClaimCode).where(ClaimCode.unit_id == unit.id)):
            db.session.delete(code)
        db.session.delete(unit)
        report.units_removed.append(number)
    if blocked:
        raise RegisterImportError(blocked)
    db.session.flush()

    # Owners that no unit names any more, and who have no account, are removed.
    for ref, owner in sorted(owners.items()):
        if ref in referenced or owner.user_id is not None:
            continue
        db.session.delete(owner)
        report.owners_removed.append(ref)
    # Buildings left without units are removed.
    db.session.flush()
    for code, building in list(buildings.items()):
        if not db.session.scalar(select(Unit.id).where(Unit.building_id == building.id).limit(1)):
            db.session.delete(building)

    db.session.flush()
    if report.changed_anything:
        record(
            "register.import",
            actor=actor,
            community=community,
            obj=community,
            data={"source": source, **{k: (v if isinstance(v, int) else len(v)) for k, v in report.as_dict().items()},
                  "units_removed_list": report.units_removed[:200],
                  "units_changed_list": report.units_changed[:200]},
        )
    return report


def _set_owners(unit: Unit, refs: tuple[str, ...], voter: str | None, owners: dict[str, Owner]) -> None:
    unit.ownerships.clear()
    db.session.flush()
    for i, ref in enumerate(refs):
        unit.ownerships.append(Ownership(owner=owners[ref], position=i, is_designated_voter=(ref == voter)))


def describe_error(err: LineError) -> str:
    """The error in the user's language (the core parser's English message is the fallback)."""
    template = _ERROR_MESSAGES.get(err.code)
    if template is None:
        return err.message
    try:
        return _(template, **dict(err.params))
    except (KeyError, ValueError, TypeError):
        return err.message


# Translatable templates by error code; params come from the parser. Marked for extraction with N_.
def N_(s: str) -> str:  # noqa: N802
    return s


_ERROR_MESSAGES: dict[str, str] = {}
