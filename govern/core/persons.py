"""Voting persons (表决主体): who votes, with which area, within a scope (R4–R5).

Grouping rule (Civil Code art. 278; SPC interpretation art. 9):

* Only units whose ``counts`` flag is set (R3) and whose building is in the scope take part.
* All developer-held units (``unsold`` and ``sold_undelivered``) form **one** person whose id is
  ``DEVELOPER`` (SPC interpretation art. 9: 建设单位尚未出售和虽已出售但尚未交付的部分…按一人计算).
* Delivered units are grouped by the **exact** set of owner ids: the same owner, or the same set
  of co-owners, is one person, and the areas of its units are summed (同一买受人拥有一个以上
  专有部分的，按一人计算). A co-owned unit is one person.
* Person id: the owner ids of the set, sorted by code point and joined with ``+``
  (``A``; ``B1+B2``). The register parser refuses ``+`` inside an owner id and the reserved id
  ``DEVELOPER`` for delivered units, so ids never collide.
* Owner sets that overlap without being identical (``A`` owns 101; ``A`` and ``S`` own 102) are
  distinct persons (R4d) and are flagged for the committee to confirm.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from govern.core.register import DEVELOPER_ID, BallotRecord, FrozenMap, LineError, UnitRecord, UnitStatus
from govern.core.rules import Choice, Vote

__all__ = [
    "DEVELOPER_ID",
    "BallotLine",
    "OverlapFlag",
    "Person",
    "Roll",
    "build_persons",
    "collect_votes",
    "person_id_for",
    "resolve_ballots",
]


@dataclass(frozen=True, slots=True)
class Person:
    """A voting person: one vote per motion, weighted by the summed area of its units."""

    id: str
    #: Owner ids (sorted); ``("DEVELOPER",)`` for the developer.
    owners: tuple[str, ...]
    #: Unit ids (sorted) that count for voting within the scope.
    units: tuple[str, ...]
    #: Summed area in hundredths of a m².
    area: int
    building_set: frozenset[str]

    @property
    def is_developer(self) -> bool:
        """True for the single developer person (R4a)."""
        return self.id == DEVELOPER_ID


@dataclass(frozen=True)
class OverlapFlag:
    """Owner ``owner`` belongs to several distinct persons (R4d): the committee must confirm them."""

    owner: str
    persons: tuple[str, ...]

    @property
    def message(self) -> str:
        """An English sentence for logs and the command line."""
        return f"owner {self.owner} belongs to distinct persons {', '.join(self.persons)}; please confirm"


@dataclass(frozen=True)
class Roll:
    """The persons of one scope with the scope's totals ``T_area`` and ``T_count`` (R5)."""

    persons: tuple[Person, ...]
    total_area: int
    total_persons: int
    flags: tuple[OverlapFlag, ...]
    #: ``None`` for the whole community, else the buildings of the scope.
    buildings: frozenset[str] | None = None
    _by_unit: Mapping[str, str] = field(default_factory=FrozenMap, repr=False, compare=False)
    _by_id: Mapping[str, Person] = field(default_factory=FrozenMap, repr=False, compare=False)

    def person_of_unit(self, unit_id: str) -> Person | None:
        """The person who casts for ``unit_id``, or ``None`` if the unit is outside the scope or does not count."""
        pid = self._by_unit.get(unit_id)
        return None if pid is None else self._by_id[pid]

    def person(self, person_id: str) -> Person:
        """The person with id ``person_id`` (``KeyError`` if absent)."""
        return self._by_id[person_id]


def person_id_for(owners: Iterable[str]) -> str:
    """The deterministic person id of a set of co-owners: ids sorted and joined with ``+`` (R4b)."""
    return "+".join(sorted(set(owners)))


def build_persons(units: Iterable[UnitRecord], *, buildings: Collection[str] | None = None) -> Roll:
    """Group units into voting persons within a scope and compute the scope's totals (R4, R5).

    Sources: Civil Code art. 278 (area and headcount), SPC interpretation art. 9 (one
    developer person; one person per buyer of several units), 上海市住宅物业管理规定 art. 69
    (building scopes). ``buildings=None`` is the whole community. Units whose ``counts`` flag
    is false (R3) are left out. Raises ``ValueError`` on a duplicate unit id or a delivered
    unit without owners (the register parser reports both as line errors first).
    """
    with _gc_paused():
        return _build_persons(units, None if buildings is None else frozenset(buildings))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while allocating many acyclic objects.

    On a 100,000-unit register CPython's generational collector would otherwise re-scan every
    live record several times and take more than half of the time. Nothing built here forms a
    reference cycle, so nothing is lost; the previous state is always restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build_persons(units: Iterable[UnitRecord], scope: frozenset[str] | None) -> Roll:
    # Owner key -> the unit records of that person. One list per person and nothing else keeps the
    # number of container allocations (and so the garbage collector's work) low on large registers.
    groups: dict[tuple[str, ...], list[UnitRecord]] = {}
    seen_units: set[str] = set()
    dev_key = (DEVELOPER_ID,)
    delivered = UnitStatus.DELIVERED
    for u in units:
        uid = u.unit
        if uid in seen_units:
            raise ValueError(f"duplicate unit {uid}")
        seen_units.add(uid)
        if not u.counts or (scope is not None and u.building not in scope):
            continue
        if u.status is not delivered:
            key = dev_key
        else:
            key = u.owners
            if len(key) != 1:
                if not key:
                    raise ValueError(f"delivered unit {uid} has no owner")
                key = tuple(sorted(set(key)))
        group = groups.get(key)
        if group is None:
            groups[key] = [u]
        else:
            group.append(u)

    persons: list[Person] = []
    by_unit: dict[str, str] = {}
    owner_index: dict[str, list[str]] = {}
    total_area = 0
    for key, members in groups.items():
        pid = DEVELOPER_ID if key is dev_key else "+".join(key)
        if len(members) == 1:
            u = members[0]
            area, unit_ids, blds = u.area, (u.unit,), frozenset((u.building,))
        else:
            area = sum(u.area for u in members)
            unit_ids = tuple(sorted(u.unit for u in members))
            blds = frozenset(u.building for u in members)
        persons.append(Person(id=pid, owners=key, units=unit_ids, area=area, building_set=blds))
        total_area += area
        for unit_id in unit_ids:
            by_unit[unit_id] = pid
        if key is not dev_key:
            for owner in key:
                pids = owner_index.get(owner)
                if pids is None:
                    owner_index[owner] = [pid]
                else:
                    pids.append(pid)
    persons.sort(key=lambda p: p.id)
    flags = tuple(
        OverlapFlag(owner=owner, persons=tuple(sorted(pids)))
        for owner, pids in sorted(owner_index.items())
        if len(pids) > 1
    )
    return Roll(
        persons=tuple(persons),
        total_area=total_area,
        total_persons=len(persons),
        flags=flags,
        buildings=scope,
        _by_unit=by_unit,
        _by_id={p.id: p for p in persons},
    )


class BallotLine(Protocol):
    """One line of a ballots file: a unit and a choice; two choices are equal iff their strings are."""

    @property
    def line(self) -> int: ...
    @property
    def unit(self) -> str: ...
    @property
    def choice(self) -> str: ...


_B = TypeVar("_B", bound=BallotLine)


def collect_votes(
    roll: Roll, ballots: Iterable[BallotRecord], units_by_id: Mapping[str, UnitRecord]
) -> tuple[list[Vote], list[LineError]]:
    """Turn per-unit ballot lines into one vote per person (R13), collecting every problem.

    A multi-unit person casts once for all their units: several lines for units of the
    same person with the same choice count once; different choices are a
    ``conflicting_ballots`` error. A unit missing from the register is ``unknown_unit``,
    one outside the scope ``outside_scope``, one that does not count for voting (R3)
    ``not_counted`` (see :func:`resolve_ballots`).
    """
    first, errors = resolve_ballots(roll, ballots, units_by_id)
    votes = [Vote(person_id=pid, area=roll.person(pid).area, choice=Choice(b.choice)) for pid, b in first.items()]
    return votes, errors


def resolve_ballots(
    roll: Roll, ballots: Iterable[_B], units_by_id: Mapping[str, UnitRecord]
) -> tuple[dict[str, _B], list[LineError]]:
    """Resolve per-unit ballot lines to persons: ``{person id: the person's first line}`` and every problem.

    The rules of :func:`collect_votes` for any kind of ballot line (a motion's choice, an
    election's marks): lines whose ``choice`` strings differ for one person are
    ``conflicting_ballots`` and that person is left out of the result.
    """
    errors: list[LineError] = []
    first: dict[str, _B] = {}
    reported: set[tuple[str, str]] = set()
    for b in ballots:
        unit = units_by_id.get(b.unit)
        if unit is None:
            errors.append(_err(b.line, "unknown_unit", f"unit {b.unit} is not in the register", unit=b.unit))
            continue
        person = roll.person_of_unit(b.unit)
        if person is None:
            if not unit.counts:
                errors.append(_err(b.line, "not_counted", f"unit {b.unit} does not count for voting", unit=b.unit))
            else:
                errors.append(
                    _err(
                        b.line,
                        "outside_scope",
                        f"unit {b.unit} (building {unit.building}) is outside the scope of this vote",
                        unit=b.unit,
                        building=unit.building,
                    )
                )
            continue
        earlier = first.get(person.id)
        if earlier is None:
            first[person.id] = b
        elif earlier.choice != b.choice:
            key = (person.id, b.choice)
            if key in reported:
                continue
            reported.add(key)
            errors.append(
                _err(
                    b.line,
                    "conflicting_ballots",
                    f"conflicting ballots for person {person.id} (units {earlier.unit}, {b.unit}): "
                    f"{earlier.choice} vs {b.choice}",
                    person=person.id,
                    units=f"{earlier.unit}, {b.unit}",
                    first_line=earlier.line,
                    choices=f"{earlier.choice} vs {b.choice}",
                )
            )
    for pid, _ in reported:
        first.pop(pid, None)
    return first, errors


def _err(line: int, code: str, message: str, **params) -> LineError:
    return LineError(line=line, code=code, params=FrozenMap(params), message=message)
