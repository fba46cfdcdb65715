"""The unit-register and ballots CSV formats, parsed without floats.

One format serves ``govern tally`` and the web app's register import, so an official
can prepare one spreadsheet and check it with either.

Register CSV (UTF-8, optional BOM, header on line 1, column names case-insensitive):

======================  ========  =====================================================
column                  required  content
======================  ========  =====================================================
``unit``                yes       unit id, unique in the community (e.g. ``3-1-502``)
``building``            yes       building id (used for building scopes, 上海 art. 69)
``area``                yes       exclusive area in m², > 0, at most two decimals
``status``              yes       ``delivered`` | ``unsold`` | ``sold_undelivered``
``owners``              yes       owner ids separated by ``;`` (a full-width ``；`` is
                                  accepted too); required for delivered units
``area_source``         no        ``register`` (default) | ``survey`` | ``contract``
                                  (SPC interpretation art. 8, domain rule R2)
``counts``              no        ``yes`` (default) | ``no`` (R3)
anything else           no        returned unchanged in :attr:`UnitRecord.extra`
======================  ========  =====================================================

Every bad line is reported (never only the first) as a :class:`LineError` with a stable
``code`` and ``params`` so the web app can render the message in Chinese.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "AREA_SOURCES",
    "BALLOT_CHOICES",
    "DEVELOPER_ID",
    "BallotRecord",
    "FrozenMap",
    "LineError",
    "UnitRecord",
    "UnitStatus",
    "decode_text",
    "format_area",
    "parse_area",
    "parse_ballots",
    "parse_register",
    "read_rows",
]

#: Person id of the developer (R4a); reserved, so no delivered owner may use it.
DEVELOPER_ID = "DEVELOPER"

#: Allowed values of the ``area_source`` column, in the order of precedence of SPC art. 8.
AREA_SOURCES = ("register", "survey", "contract")

#: Allowed values of the ``choice`` column of a ballots file (same strings as ``rules.Choice``).
BALLOT_CHOICES = ("agree", "oppose", "abstain", "invalid")

REGISTER_COLUMNS = ("unit", "building", "area", "status", "owners")
OPTIONAL_COLUMNS = ("area_source", "counts")
BALLOT_COLUMNS = ("unit", "choice")

_AREA_RE = re.compile(r"(-?)([0-9]+)(?:\.([0-9]*))?", re.ASCII)
_OWNER_SPLIT_RE = re.compile("[;\uff1b]")


class UnitStatus(StrEnum):
    """Delivery status of a unit (Civil Code art. 278; SPC interpretation art. 9)."""

    DELIVERED = "delivered"
    UNSOLD = "unsold"
    SOLD_UNDELIVERED = "sold_undelivered"

    @property
    def is_developer_held(self) -> bool:
        """True for units that count as the developer's (SPC interpretation art. 9)."""
        return self is not UnitStatus.DELIVERED


class FrozenMap(Mapping[str, Any]):
    """A small immutable, hashable mapping (insertion ordered) for frozen dataclasses."""

    __slots__ = ("_items", "_dict")

    def __init__(self, items: Mapping[str, Any] | tuple[tuple[str, Any], ...] = ()) -> None:
        pairs = tuple(items.items()) if isinstance(items, Mapping) else tuple(items)
        object.__setattr__(self, "_items", pairs)
        object.__setattr__(self, "_dict", dict(pairs))

    def __getitem__(self, key: str) -> Any:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._dict) == dict(other)
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __repr__(self) -> str:
        return f"FrozenMap({self._dict!r})"


#: One shared empty mapping: most units have no extra columns.
_EMPTY = FrozenMap()


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """One line of the register: a unit (专有部分) with its area in hundredths of a m²."""

    unit: str
    building: str
    #: Exclusive area in hundredths of a square metre (8050 = 80.50 m²).
    area: int
    status: UnitStatus
    #: Owner ids, sorted and unique. For developer-held units this is informative only.
    owners: tuple[str, ...]
    area_source: str = "register"
    counts: bool = True
    #: Unknown columns, values as read (not stripped).
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    #: Physical line of the unit in the register file (0 when not read from a file); not part of equality.
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class LineError:
    """A problem on one physical line of a CSV file (the header is line 1)."""

    line: int
    code: str
    params: Mapping[str, Any]
    message: str

    def __post_init__(self) -> None:
        if not isinstance(self.params, FrozenMap):
            object.__setattr__(self, "params", FrozenMap(self.params))


@dataclass(frozen=True, slots=True)
class BallotRecord:
    """One line of a ballots file: the ballot cast for ``unit`` (and so for its person)."""

    line: int
    unit: str
    choice: str


def format_area(hundredths: int) -> str:
    """Render an area held in hundredths of a m² with exactly two decimals (``200000`` → ``"2000.00"``)."""
    if not isinstance(hundredths, int) or isinstance(hundredths, bool):
        raise TypeError("area must be an integer number of hundredths of a square metre")
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_area(text: str) -> int:
    """Parse a positive area in m² with at most two decimals into integer hundredths, without floats.

    The area is the exclusive area from the property register, survey or sales contract
    (SPC interpretation art. 8). Raises ``ValueError`` whose first argument is the error code
    (``bad_area``, ``too_many_decimals`` or ``area_not_positive``).
    """
    match = _AREA_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError("bad_area")
    sign, whole, decimals = match.groups()
    if decimals is not None and decimals == "":
        raise ValueError("bad_area")
    decimals = decimals or ""
    if len(decimals) > 2:
        raise ValueError("too_many_decimals")
    value = int(whole) * 100 + int(decimals.ljust(2, "0"))
    if sign or value == 0:
        raise ValueError("area_not_positive")
    return value


def decode_text(data: bytes) -> tuple[str | None, LineError | None]:
    """Decode an uploaded CSV as UTF-8 (a BOM is allowed); on failure name the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        return None, _err(
            line,
            "bad_encoding",
            f"the file is not valid UTF-8 (byte 0x{byte}); save it as 'CSV UTF-8'",
            byte=byte,
        )


def _err(line: int, code: str, message: str, **params: Any) -> LineError:
    return LineError(line=line, code=code, params=FrozenMap(params), message=message)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first physical line, fields)`` for every non-blank CSV record."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    previous_end = 0
    for row in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        yield start, row


def _read_header(
    records: Iterator[tuple[int, list[str]]], required: tuple[str, ...], errors: list[LineError]
) -> tuple[int, list[str]] | None:
    first = next(records, None)
    if first is None:
        errors.append(_err(1, "empty_file", "the file is empty (no header line)"))
        return None
    line, header = first
    names = [name.strip().lower() for name in header]
    ok = True
    seen: set[str] = set()
    for name in names:
        if name in seen:
            errors.append(_err(line, "duplicate_column", f"column '{name}' appears twice", column=name))
            ok = False
        seen.add(name)
    for name in required:
        if name not in seen:
            errors.append(_err(line, "missing_column", f"required column '{name}' is missing", column=name))
            ok = False
    return (line, names) if ok else None


def _check_width(line: int, row: list[str], width: int, errors: list[LineError]) -> bool:
    if len(row) != width:
        errors.append(
            _err(
                line,
                "wrong_field_count",
                f"expected {width} fields, found {len(row)}",
                expected=width,
                found=len(row),
            )
        )
        return False
    return True


def parse_register(text: str) -> tuple[list[UnitRecord], list[LineError]]:
    """Parse a register CSV into unit records, collecting every bad line.

    Implements R1–R3 of ``docs/rules.md``: status decides developer units (SPC
    interpretation art. 9), the area and its source follow SPC interpretation art. 8, and
    ``counts`` is the community's counts-for-voting flag. Lines with errors produce no
    record; the caller must refuse the import when the error list is not empty.
    """
    errors: list[LineError] = []
    units: list[UnitRecord] = []
    records = _records(text)
    header = _read_header(records, REGISTER_COLUMNS, errors)
    if header is None:
        return [], errors
    _, names = header
    known = set(REGISTER_COLUMNS) | set(OPTIONAL_COLUMNS)
    first_line: dict[str, int] = {}
    any_row = False
    for line, row in records:
        any_row = True
        if not _check_width(line, row, len(names), errors):
            continue
        values = dict(zip(names, row, strict=True))
        record = _parse_unit_row(line, values, known, errors)
        if record is None:
            continue
        if record.unit in first_line:
            errors.append(
                _err(
                    line,
                    "duplicate_unit",
                    f"unit {record.unit} already appears on line {first_line[record.unit]}",
                    unit=record.unit,
                    first_line=first_line[record.unit],
                )
            )
            continue
        first_line[record.unit] = line
        units.append(record)
    if not any_row:
        errors.append(_err(2, "no_units", "the register has a header but no unit lines"))
    return units, errors


def _parse_unit_row(line: int, values: dict[str, str], known: set[str], errors: list[LineError]) -> UnitRecord | None:
    n_errors = len(errors)
    unit = values["unit"].strip()
    if not unit:
        errors.append(_err(line, "empty_unit", "the unit id is empty"))
    building = values["building"].strip()
    if not building:
        errors.append(_err(line, "empty_building", f"unit {unit}: the building is empty", unit=unit))

    raw_area = values["area"]
    area = 0
    try:
        area = parse_area(raw_area)
    except ValueError as exc:
        code = exc.args[0]
        message = {
            "bad_area": f"unit {unit}: area '{raw_area.strip()}' is not a number of square metres",
            "too_many_decimals": f"unit {unit}: area '{raw_area.strip()}' has more than two decimals",
            "area_not_positive": f"unit {unit}: area '{raw_area.strip()}' must be greater than zero",
        }[code]
        errors.append(_err(line, code, message, unit=unit, value=raw_area.strip()))

    raw_status = values["status"].strip().lower()
    status: UnitStatus | None = None
    try:
        status = UnitStatus(raw_status)
    except ValueError:
        errors.append(
            _err(
                line,
                "unknown_status",
                f"unit {unit}: status '{values['status'].strip()}' is not one of delivered, unsold, sold_undelivered",
                unit=unit,
                value=values["status"].strip(),
            )
        )

    owners = tuple(sorted({o.strip() for o in _OWNER_SPLIT_RE.split(values["owners"]) if o.strip()}))
    if status is UnitStatus.DELIVERED:
        if not owners:
            message = f"unit {unit}: a delivered unit needs at least one owner"
            errors.append(_err(line, "empty_owners", message, unit=unit))
        for owner in owners:
            if "+" in owner or owner == DEVELOPER_ID:
                errors.append(
                    _err(
                        line,
                        "bad_owner_id",
                        f"unit {unit}: owner id '{owner}' may not contain '+' or be '{DEVELOPER_ID}'",
                        unit=unit,
                        owner=owner,
                    )
                )

    area_source = (values.get("area_source") or "").strip().lower() or "register"
    if area_source not in AREA_SOURCES:
        errors.append(
            _err(
                line,
                "bad_area_source",
                f"unit {unit}: area_source '{values['area_source'].strip()}' is not one of register, survey, contract",
                unit=unit,
                value=values["area_source"].strip(),
            )
        )

    raw_counts = (values.get("counts") or "").strip().lower() or "yes"
    if raw_counts not in ("yes", "no"):
        errors.append(
            _err(
                line,
                "bad_counts",
                f"unit {unit}: counts '{values['counts'].strip()}' must be yes or no",
                unit=unit,
                value=values["counts"].strip(),
            )
        )

    if len(errors) != n_errors or status is None:
        return None
    extra_items = tuple((k, v) for k, v in values.items() if k not in known)
    extra = FrozenMap(extra_items) if extra_items else _EMPTY
    return UnitRecord(
        unit=unit,
        building=building,
        area=area,
        status=status,
        owners=owners,
        area_source=area_source,
        counts=raw_counts == "yes",
        extra=extra,
        line=line,
    )


def read_rows(text: str, required: tuple[str, ...]) -> tuple[list[tuple[int, dict[str, str]]], list[LineError]]:
    """Read a CSV with a header line into ``(line, {column: value})`` rows, collecting every bad line.

    Column names are case-insensitive and may come in any order; ``required`` columns must be
    present (``missing_column``), none may repeat (``duplicate_column``), and a row with the wrong
    number of fields is reported (``wrong_field_count``) and skipped. Blank lines are ignored.
    With a bad header no row is returned. Values are as read (not stripped).
    """
    errors: list[LineError] = []
    records = _records(text)
    header = _read_header(records, required, errors)
    if header is None:
        return [], errors
    _, names = header
    rows = [
        (line, dict(zip(names, row, strict=True)))
        for line, row in records
        if _check_width(line, row, len(names), errors)
    ]
    return rows, errors


def parse_ballots(
    text: str, units_by_id: Mapping[str, UnitRecord] | None
) -> tuple[list[BallotRecord], list[LineError]]:
    """Parse a ``unit,choice`` ballots CSV (R13, R17), collecting every bad line.

    ``choice`` is one of agree, oppose, abstain, invalid. When ``units_by_id`` is given,
    a unit that is not in it is an ``unknown_unit`` error. Grouping ballots by person,
    conflicts and scope are checked by :func:`govern.core.persons.collect_votes`.
    """
    ballots: list[BallotRecord] = []
    rows, errors = read_rows(text, BALLOT_COLUMNS)
    for line, values in rows:
        unit = values["unit"].strip()
        choice = values["choice"].strip().lower()
        ok = True
        if not unit:
            errors.append(_err(line, "empty_unit", "the unit id is empty"))
            ok = False
        elif units_by_id is not None and unit not in units_by_id:
            errors.append(_err(line, "unknown_unit", f"unit {unit} is not in the register", unit=unit))
            ok = False
        if choice not in BALLOT_CHOICES:
            errors.append(
                _err(
                    line,
                    "unknown_choice",
                    f"unit {unit}: choice '{values['choice'].strip()}' is not one of agree, oppose, abstain, invalid",
                    unit=unit,
                    value=values["choice"].strip(),
                )
            )
            ok = False
        if ok:
            ballots.append(BallotRecord(line=line, unit=unit, choice=choice))
    errors.sort(key=lambda e: e.line)  # field-count errors come from read_rows; keep file order
    return ballots, errors
