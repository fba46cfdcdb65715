"""Live participation by area and persons, overall against the quorum (R18) and per building, with the
door-to-door list of homes that have not voted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from govern.ballots.models import (
    BallotEntry,
    Meeting,
    RollPerson,
    RollUnit,
)
from govern.core.rules import Count, quorum_legs
from govern.extensions import db

# --------------------------------------------------------------------------- participation


def floor_percent(part: int, total: int) -> int:
    """Integer percentage, floored (informative display only; never compared in a rule)."""
    return 0 if total <= 0 else (100 * part) // total


@dataclass
class Bar:
    label: str
    area: int
    total_area: int
    persons: int
    total_persons: int
    quorum_met: bool = False

    @property
    def area_pct(self) -> int:
        return floor_percent(self.area, self.total_area)

    @property
    def persons_pct(self) -> int:
        return floor_percent(self.persons, self.total_persons)


@dataclass
class Participation:
    overall: Bar
    buildings: list[Bar]
    #: Building code → list of (unit, area) not yet voted (door-to-door list).
    not_voted: dict[str, list[tuple[str, int]]]
    #: (unit, building, area) of participating homes.
    voted_homes: list[tuple[str, str, int]]


def participation(meeting: Meeting, voters: Iterable[str] | None = None) -> Participation:
    """Live participation by area and persons, overall (against the quorum, R18) and per building."""
    voted = set(voters) if voters is not None else set(
        db.session.scalars(select(BallotEntry.voter).where(BallotEntry.meeting_id == meeting.id).distinct())
    )
    persons = {p.id: p for p in db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id))}
    p_area = sum(p.area for p in persons.values() if p.person in voted)
    p_count = sum(1 for p in persons.values() if p.person in voted)
    quorum = quorum_legs(Count(p_area, p_count), Count(meeting.total_area, meeting.total_persons)).holds \
        if meeting.total_persons else False
    overall = Bar("", p_area, meeting.total_area, p_count, meeting.total_persons, quorum)
    per: dict[str, dict] = defaultdict(lambda: {"area": 0, "t_area": 0, "persons": set(), "t_persons": set()})
    not_voted: dict[str, list[tuple[str, int]]] = defaultdict(list)
    homes = []
    for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.unit)):
        person = persons[u.roll_person_id]
        b = per[u.building]
        b["t_area"] += u.area
        b["t_persons"].add(person.id)
        if person.person in voted:
            b["area"] += u.area
            b["persons"].add(person.id)
            homes.append((u.unit, u.building, u.area))
        else:
            not_voted[u.building].append((u.unit, u.area))
    bars = [Bar(code, v["area"], v["t_area"], len(v["persons"]), len(v["t_persons"]))
            for code, v in sorted(per.items())]
    return Participation(overall, bars, dict(sorted(not_voted.items())), homes)
