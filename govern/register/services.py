"""Register use cases: importing the unit register from CSV.

The file is parsed by ``govern.core.register`` (the same format ``govern tally`` reads),
then the owner-contact columns are read here. A file with any bad line changes nothing;
a good file is applied as a diff (units and owners added, changed, removed) in one
transaction with one audit entry, so importing the same file twice changes nothing.
The format is documented in ``docs/register-format.md``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from govern.audit.services import log_action
from govern.core.register import (
    DEVELOPER_ID,
    OPTIONAL_COLUMNS,
    REGISTER_COLUMNS,
    FrozenMap,
    LineError,
    UnitRecord,
    decode_text,
    parse_register,
)
from govern.extensions import db
from govern.formats import CONTACT_PHONE_RE
from govern.register.models import Building, Community, Owner, OwnerKind, Ownership, Unit, UnitStatus
from govern.register.signals import owners_changed

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
KNOWN_COLUMNS = (*REGISTER_COLUMNS, *OPTIONAL_COLUMNS, *CONTACT_COLUMNS, VOTER_COLUMN)

#: Accepted spellings of the owner kinds (the Chinese terms are what a street office's sheet says).
OWNER_KINDS = {"natural": OwnerKind.NATURAL, "legal": OwnerKind.LEGAL, "自然人": OwnerKind.NATURAL,
               "法人": OwnerKind.LEGAL}

#: Audit entries list at most this many unit or owner ids per kind of change (the counts are always complete).
AUDIT_LIST_CAP = 200


@dataclass(frozen=True)
class RegisterDependent:
    """Rows of a higher feature that point at register rows, as an import must treat them.

    accounts registers its claim codes and owner claims (``govern/accounts/services.py``), so that the
    register, below accounts, never imports it:

    - ``units_in_use(unit_ids)``: the ids among ``unit_ids`` that may not be removed (an owner registered
      with them);
    - ``drop_unit(unit)``: delete the feature's rows of a unit about to be removed (its claim codes);
    - ``owner_in_use(owner)``: whether the owner's row must stay, detached, after they left the register.
    """

    units_in_use: Callable[[list[int]], set[int]]
    drop_unit: Callable[[Unit], None]
    owner_in_use: Callable[[Owner], bool]


_DEPENDENTS: list[RegisterDependent] = []


def register_dependent(dependent: RegisterDependent) -> RegisterDependent:
    """Make the import respect ``dependent``'s rows (see :class:`RegisterDependent`)."""
    _DEPENDENTS.append(dependent)
    return dependent

_PAIR_SPLIT = re.compile("[;\uff1b]")
_PAIR_SEP = re.compile("[=\uff1d]")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: A small register that imports cleanly; served as the downloadable example on the import page.
EXAMPLE_CSV = """\
unit,building,area,status,owners,area_source,counts,owner_names,owner_phones,owner_kinds,owner_id_numbers,voter
1-0101,1,89.50,delivered,O001,register,yes,O001=张三,O001=13800000001,O001=natural,O001=110101199001011234,
1-0102,1,120.25,delivered,O002;O003,survey,yes,O002=李四;O003=王五,O002=13800000002,,,O003
1-0201,1,89.50,delivered,O001,,,,,,,
2-0101,2,76.00,unsold,,,,,,,,
2-0102,2,76.00,sold_undelivered,O004,contract,,O004=赵六,,,,
P-001,P,12.00,delivered,C001,,no,C001=示范物业有限公司,,C001=legal,,
"""


class RegisterImportError(Exception):
    """The file has bad lines (or would remove a unit in use); nothing was imported."""

    def __init__(self, errors: list[LineError]):
        super().__init__(f"{len(errors)} bad line(s)")
        self.errors = errors


@dataclass
class ImportReport:
    """What an import changed (or, for a preview, would change)."""

    units_added: list[str] = field(default_factory=list)
    units_changed: list[str] = field(default_factory=list)
    units_removed: list[str] = field(default_factory=list)
    owners_added: list[str] = field(default_factory=list)
    owners_changed: list[str] = field(default_factory=list)
    owners_removed: list[str] = field(default_factory=list)
    #: Units in the file that are exactly as registered.
    unchanged: int = 0
    #: For each changed unit, the fields that changed (area, area_source, status, counts, building, owners).
    unit_changes: dict[str, list[str]] = field(default_factory=dict)
    #: Columns the import does not know; their values were ignored (a typo in a contact column shows here).
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return any((self.units_added, self.units_changed, self.units_removed, self.owners_added,
                    self.owners_changed, self.owners_removed))

    def summary(self) -> str:
        """One English line for the CLI and the logs."""
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


@dataclass(frozen=True)
class ParsedRegister:
    units: list[UnitRecord]
    #: owner ref → {attribute: value} from the contact columns (ID numbers already masked).
    contacts: dict[str, dict[str, str]]
    #: unit number → the designated voter's owner ref, for units whose ``voter`` cell is filled.
    voters: dict[str, str]
    ignored_columns: list[str]


def mask_id_number(value: str) -> str:
    """Mask an ID number so that the whole is never stored.

    A resident ID (15 or 18 characters) keeps its first 4 and last 4 (``1101**********123X``);
    a shorter document number keeps its last 3; anything of 8 characters or fewer is all stars.
    The same positions are always kept, so masking a masked value changes nothing.
    """
    value = "".join(value.split())
    n = len(value)
    if n >= 15:
        return value[:4] + "*" * (n - 8) + value[-4:]
    if n >= 9:
        return "*" * (n - 3) + value[-3:]
    return "*" * n


def _line_error(line: int, code: str, message: str, **params) -> LineError:
    return LineError(line=line, code=code, params=FrozenMap(params), message=message)


def _owner_refs(rec: UnitRecord) -> tuple[str, ...]:
    """The owners that the import records for a unit (the developer is not an owner row)."""
    return tuple(o for o in rec.owners if o != DEVELOPER_ID)


def _check_developer_owner_ids(units: list[UnitRecord], errors: list[LineError]) -> None:
    # The core parser checks owner ids of delivered units only; a '+' would make person ids ambiguous (R4b).
    for rec in units:
        if rec.status.value == UnitStatus.DELIVERED:
            continue
        for owner in rec.owners:
            if "+" in owner:
                errors.append(_line_error(rec.line, "bad_owner_id",
                                          f"unit {rec.unit}: owner id '{owner}' may not contain '+' "
                                          f"or be '{DEVELOPER_ID}'", unit=rec.unit, owner=owner))


#: The ``voter`` cell saying the co-owners designated nobody (docs/register-format.md).
NOBODY_DESIGNATED = "*"


def _contacts(units: list[UnitRecord], errors: list[LineError]) -> tuple[dict, dict]:
    """Read owner-contact pairs and designated voters; the same owner must not get two values."""
    contacts: dict[str, dict[str, str]] = {}
    first_seen: dict[tuple[str, str], int] = {}
    voters: dict[str, str] = {}
    for rec in units:
        line = rec.line
        refs = _owner_refs(rec)
        for column, attr in CONTACT_COLUMNS.items():
            raw = (rec.extra.get(column) or "").strip()
            if not raw:
                continue
            for pair in filter(None, (p.strip() for p in _PAIR_SPLIT.split(raw))):
                parts = _PAIR_SEP.split(pair, maxsplit=1)
                ref = parts[0].strip()
                if len(parts) != 2 or not ref:
                    errors.append(_line_error(line, "bad_contact_pair",
                                              f"{column}: '{pair}' is not of the form owner_id=value",
                                              column=column, pair=pair))
                    continue
                value = parts[1].strip()
                if ref not in refs:
                    errors.append(_line_error(line, "contact_unknown_owner",
                                              f"{column}: {ref} is not an owner of unit {rec.unit}",
                                              column=column, owner=ref, unit=rec.unit))
                    continue
                if attr == "kind":
                    kind = OWNER_KINDS.get(value.lower())
                    if kind is None:
                        errors.append(_line_error(line, "bad_owner_kind",
                                                  f"{column}: '{value}' must be natural or legal",
                                                  column=column, owner=ref, value=value))
                        continue
                    value = kind.value
                elif attr == "phone" and value and not CONTACT_PHONE_RE.match(value):
                    errors.append(_line_error(line, "bad_phone", f"{column}: '{value}' is not a phone number",
                                              column=column, owner=ref, value=value))
                    continue
                elif attr == "email" and value and not _EMAIL_RE.match(value):
                    errors.append(_line_error(line, "bad_email", f"{column}: '{value}' is not an e-mail address",
                                              column=column, owner=ref, value=value))
                    continue
                elif attr == "id_number_masked":
                    value = mask_id_number(value)
                known = contacts.setdefault(ref, {}).get(attr)
                if known is not None and known != value:
                    first = first_seen[(ref, attr)]
                    errors.append(_line_error(
                        line, "conflicting_contact",
                        f"{column}: owner {ref} has a different value here than on line {first}",
                        column=column, owner=ref, first_line=first))
                    continue
                contacts[ref][attr] = value
                first_seen.setdefault((ref, attr), line)
        voter = (rec.extra.get(VOTER_COLUMN) or "").strip()
        if voter == NOBODY_DESIGNATED:  # co-owners designated nobody: the first to cast casts (R4c)
            voters[rec.unit] = voter
        elif voter:
            if voter not in refs:
                errors.append(_line_error(line, "voter_not_owner",
                                          f"voter {voter} is not an owner of unit {rec.unit}",
                                          owner=voter, unit=rec.unit))
            else:
                voters[rec.unit] = voter
    return contacts, voters


def _csv_problem(text: str) -> LineError | None:
    """A line the csv module cannot read at all (a field over its size limit), which the parser would raise on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    start = 1
    try:
        for _row in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        return _line_error(start, "bad_csv", f"this line cannot be read as CSV: {exc}")
    return None


def _header_columns(text: str) -> list[str]:
    for row in csv.reader(io.StringIO(text, newline="")):
        if row and any(c.strip() for c in row):
            return [c.strip().lower() for c in row]
    return []


def parse_register_file(data: bytes) -> ParsedRegister:
    """Decode and parse a register file; raise ``RegisterImportError`` listing every bad line."""
    text, err = decode_text(data)
    if err is None:
        err = _csv_problem(text)
    if err is not None:
        raise RegisterImportError([err])
    units, errors = parse_register(text)
    _check_developer_owner_ids(units, errors)
    contacts, voters = _contacts(units, errors)
    if errors:
        raise RegisterImportError(sorted(errors, key=lambda e: e.line))
    ignored = [c for c in _header_columns(text) if c not in KNOWN_COLUMNS]
    return ParsedRegister(units, contacts, voters, ignored)


def import_register(community: Community, data: bytes, *, actor, source: str = "upload") -> ImportReport:  # noqa: C901 - the whole diff in one pass, one audit entry
    """Apply a register file to ``community`` as a diff, in the caller's transaction (the caller commits).

    Raises ``RegisterImportError`` before changing anything when any line is bad, or when a unit
    that is no longer in the file is still referenced by an owner's registration. Writes one
    ``register.import`` audit entry when something changed, none when the file matches the register.
    """
    parsed = parse_register_file(data)
    report = ImportReport(ignored_columns=parsed.ignored_columns)

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
    in_file = {rec.unit for rec in parsed.units}
    to_remove = sorted(number for number in existing if number not in in_file)
    _refuse_removal_in_use([existing[n] for n in to_remove])
    linked_before = {o.owner.ref for u in existing.values() for o in u.ownerships}

    # Owners: create the new ones, update contact details of the known ones.
    referenced = {ref for rec in parsed.units for ref in _owner_refs(rec)}
    for ref in sorted(referenced):
        owner = owners.get(ref)
        details = parsed.contacts.get(ref, {})
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

    for rec in parsed.units:
        building = buildings.get(rec.building)
        if building is None:
            building = Building(community_id=community.id, code=rec.building)
            db.session.add(building)
            buildings[rec.building] = building
        refs = _owner_refs(rec)
        voter = parsed.voters.get(rec.unit, refs[0] if refs else None)
        unit = existing.get(rec.unit)
        if unit is None:
            unit = Unit(community_id=community.id, building=building, number=rec.unit, area=rec.area,
                        area_source=rec.area_source, status=UnitStatus(rec.status.value),
                        counts_for_voting=rec.counts)
            db.session.add(unit)
            _set_owners(unit, refs, voter, owners)
            report.units_added.append(rec.unit)
            continue
        changes = []
        for attr, label, value in (("area", "area", rec.area), ("area_source", "area_source", rec.area_source),
                                   ("status", "status", UnitStatus(rec.status.value)),
                                   ("counts_for_voting", "counts", rec.counts)):
            if getattr(unit, attr) != value:
                setattr(unit, attr, value)
                changes.append(label)
        if unit.building is not building:
            unit.building = building
            changes.append("building")
        current = [(o.owner.ref, o.is_designated_voter) for o in unit.ownerships]
        if current != [(ref, ref == voter) for ref in refs]:
            _set_owners(unit, refs, voter, owners)
            changes.append("owners")
        if changes:
            report.units_changed.append(rec.unit)
            report.unit_changes[rec.unit] = changes
        else:
            report.unchanged += 1

    # Units no longer in the file (none of them is in use: checked above).
    for number in to_remove:
        unit = existing[number]
        for dependent in _DEPENDENTS:
            dependent.drop_unit(unit)
        db.session.delete(unit)
        report.units_removed.append(number)
    db.session.flush()

    # Owners who owned a unit before and own none now have left the register. Their row is deleted
    # unless an account or a registration points at it; then it stays, detached, for the record.
    for ref in sorted(linked_before - referenced):
        report.owners_removed.append(ref)
        owner = owners[ref]
        if owner.user_id is None and not any(d.owner_in_use(owner) for d in _DEPENDENTS):
            db.session.expire(owner, ["ownerships"])
            db.session.delete(owner)
    db.session.flush()
    # Buildings left without units are removed.
    for building in buildings.values():
        if db.session.scalar(select(Unit.id).where(Unit.building_id == building.id).limit(1)) is None:
            db.session.delete(building)
    db.session.flush()

    if report.changed_anything:
        counts = {k: (v if isinstance(v, int) else len(v)) for k, v in report.as_dict().items()}
        lists = {f"{k}_list": v[:AUDIT_LIST_CAP] for k, v in report.as_dict().items() if isinstance(v, list) and v}
        log_action("register.import", actor=actor, community=community, obj=community,
               data={"source": source, **counts, **lists})
        owners_changed.send(import_register, community_id=community.id, actor=actor)
    return report


def _refuse_removal_in_use(units: list[Unit]) -> None:
    if not units:
        return
    ids = {u.id: u.number for u in units}
    used = set().union(*(d.units_in_use(list(ids)) for d in _DEPENDENTS))
    if used:
        raise RegisterImportError([
            _line_error(0, "unit_in_use",
                        f"unit {ids[uid]} is not in the file but an owner registered with it; it cannot be removed",
                        unit=ids[uid])
            for uid in sorted(used, key=lambda i: ids[i])
        ])


def _set_owners(unit: Unit, refs: tuple[str, ...], voter: str | None, owners: dict[str, Owner]) -> None:
    if unit.ownerships:
        unit.ownerships.clear()
        # Delete the old rows before inserting new ones for the same owners (unique unit_id, owner_id).
        db.session.flush()
    for i, ref in enumerate(refs):
        unit.ownerships.append(Ownership(owner=owners[ref], position=i, is_designated_voter=(ref == voter)))


# Marks a string for extraction without translating it here (describe_error translates it on use).
def N_(s: str) -> str:  # noqa: N802
    return s


#: Translatable message template for every error code of ``govern.core.register`` and of this module;
#: the ``%(name)s`` placeholders are the error's ``params`` (plus ``line``).
_ERROR_MESSAGES: dict[str, str] = {
    # Whole file.
    "bad_encoding": N_("The file is not UTF-8 text (byte 0x%(byte)s). Save it from the spreadsheet as “CSV UTF-8”."),
    "bad_csv": N_("This line cannot be read as CSV: a field is far too long or a quotation mark is not closed."),
    "empty_file": N_("The file is empty: the first line must name the columns."),
    "no_units": N_("The file has a header line but no unit lines."),
    # Header.
    "duplicate_column": N_("Column “%(column)s” appears twice in the header."),
    "missing_column": N_("The required column “%(column)s” is missing from the header."),
    # One line.
    "wrong_field_count": N_("This line has %(found)s fields; the header has %(expected)s."),
    "duplicate_unit": N_("Unit %(unit)s is already on line %(first_line)s."),
    "empty_unit": N_("The unit number is empty."),
    "empty_building": N_("Unit %(unit)s: the building is empty."),
    "bad_area": N_("Unit %(unit)s: the area “%(value)s” is not a number of square metres (e.g. 89.50)."),
    "too_many_decimals": N_("Unit %(unit)s: the area “%(value)s” has more than two decimals."),
    "area_not_positive": N_("Unit %(unit)s: the area “%(value)s” must be greater than zero."),
    "unknown_status": N_("Unit %(unit)s: the status “%(value)s” is not one of delivered, unsold, sold_undelivered."),
    "empty_owners": N_("Unit %(unit)s is delivered, so it needs at least one owner."),
    "bad_owner_id": N_("Unit %(unit)s: the owner id “%(owner)s” may not contain “+” or be “DEVELOPER”."),
    "bad_area_source": N_("Unit %(unit)s: the area source “%(value)s” is not one of register, survey, contract."),
    "bad_counts": N_("Unit %(unit)s: counts must be yes or no, not “%(value)s”."),
    # Contact columns and the designated voter.
    "bad_contact_pair": N_("Column %(column)s: “%(pair)s” is not of the form owner_id=value."),
    "contact_unknown_owner": N_("Column %(column)s: %(owner)s is not an owner of unit %(unit)s."),
    "bad_owner_kind": N_("Column %(column)s: the kind “%(value)s” of owner %(owner)s must be natural or legal."),
    "bad_phone": N_("Column %(column)s: “%(value)s” (owner %(owner)s) is not a phone number."),
    "bad_email": N_("Column %(column)s: “%(value)s” (owner %(owner)s) is not an e-mail address."),
    "conflicting_contact": N_("Column %(column)s: owner %(owner)s has a different value here than on line "
                              "%(first_line)s."),
    "voter_not_owner": N_("The voter %(owner)s is not an owner of unit %(unit)s."),
    # Against the current register.
    "unit_in_use": N_("Unit %(unit)s is not in the file, but an owner registered with it, so it cannot be removed. "
                      "Keep it in the file."),
}


def describe_error(err: LineError) -> str:
    """The error in the user's language (the parser's English message is the fallback)."""
    template = _ERROR_MESSAGES.get(err.code)
    if template is None:
        return err.message
    try:
        return _(template, line=err.line, **dict(err.params))
    except (KeyError, ValueError, TypeError):
        return err.message
