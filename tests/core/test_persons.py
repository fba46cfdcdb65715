"""Voting persons (R4–R5): grouping by exact owner set, the developer person, scopes, flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.core.persons import DEVELOPER_ID, build_persons, collect_votes, person_id_for
from govern.core.register import BallotRecord, UnitRecord, UnitStatus, parse_register
from govern.core.rules import Choice

DATA = Path(__file__).parent / "data"


def unit(uid, area=10000, owners=("A",), status=UnitStatus.DELIVERED, building="1", counts=True):
    return UnitRecord(
        unit=uid, building=building, area=area, status=status, owners=tuple(sorted(owners)), counts=counts
    )


@pytest.fixture(scope="module")
def garden_units():
    units, errors = parse_register((DATA / "test_garden_register.csv").read_text(encoding="utf-8"))
    assert errors == []
    return units


def test_build_persons_test_garden_fifteen_persons_2000_m2(garden_units):
    roll = build_persons(garden_units)
    assert roll.total_persons == 15 and roll.total_area == 200000
    assert [p.id for p in roll.persons][:4] == ["A", "B1+B2", "C", "D"]
    a = roll.person("A")
    assert a.units == ("101", "102", "103") and a.area == 30000 and a.building_set == frozenset({"1"})
    dev = roll.person(DEVELOPER_ID)
    assert dev.units == ("501", "502", "503", "504") and dev.area == 40000 and dev.is_developer
    assert roll.flags == ()


def test_build_persons_non_counting_unit_excluded_from_totals(garden_units):
    roll = build_persons(garden_units)
    assert roll.person_of_unit("G-01") is None
    assert "G-01" not in roll.person("A").units


def test_build_persons_building_scope_has_own_totals(garden_units):
    roll = build_persons(garden_units, buildings=["3", "5"])
    assert roll.total_persons == 13 and roll.total_area == 160000
    assert roll.person_of_unit("101") is None
    assert roll.person_of_unit("504").id == DEVELOPER_ID
    assert roll.buildings == frozenset({"3", "5"})


def test_build_persons_unknown_building_scope_empty_roll(garden_units):
    roll = build_persons(garden_units, buildings=["nowhere"])
    assert (roll.total_persons, roll.total_area, roll.persons) == (0, 0, ())


def test_build_persons_unsold_and_undelivered_one_developer_regardless_of_buyer():
    roll = build_persons(
        [
            unit("1", owners=(), status=UnitStatus.UNSOLD),
            unit("2", owners=("Q",), status=UnitStatus.SOLD_UNDELIVERED),
            unit("3", owners=("R",), status=UnitStatus.UNSOLD),
        ]
    )
    assert [p.id for p in roll.persons] == [DEVELOPER_ID]
    assert roll.person(DEVELOPER_ID).area == 30000


def test_build_persons_co_owners_order_irrelevant_one_person():
    roll = build_persons([unit("1", owners=("B2", "B1")), unit("2", owners=("B1", "B2"))])
    assert [p.id for p in roll.persons] == ["B1+B2"]
    assert roll.person("B1+B2").owners == ("B1", "B2")


def test_build_persons_overlapping_owner_sets_distinct_and_flagged():
    roll = build_persons([unit("101", owners=("A",)), unit("102", owners=("A", "S")), unit("103", owners=("S", "T"))])
    assert [p.id for p in roll.persons] == ["A", "A+S", "S+T"]
    assert [(f.owner, f.persons) for f in roll.flags] == [("A", ("A", "A+S")), ("S", ("A+S", "S+T"))]
    assert "confirm" in roll.flags[0].message


def test_build_persons_delivered_unit_without_owner_raises_value_error():
    with pytest.raises(ValueError, match="no owner"):
        build_persons([unit("1", owners=())])


def test_build_persons_duplicate_unit_raises_value_error():
    with pytest.raises(ValueError):
        build_persons([unit("1"), unit("1")])


def test_build_persons_same_owner_across_buildings_building_set_union():
    roll = build_persons([unit("1", building="1"), unit("2", building="2")])
    assert roll.person("A").building_set == frozenset({"1", "2"})


def test_person_id_for_sorted_plus_joined():
    assert person_id_for(["b", "A", "b"]) == "A+b"


def test_collect_votes_multi_unit_same_choice_counts_once(garden_units):
    roll = build_persons(garden_units)
    by_id = {u.unit: u for u in garden_units}
    votes, errors = collect_votes(roll, [BallotRecord(2, "101", "agree"), BallotRecord(3, "103", "agree")], by_id)
    assert errors == []
    assert [(v.person_id, v.area, v.choice) for v in votes] == [("A", 30000, Choice.AGREE)]


def test_collect_votes_conflicting_choices_error_names_person_and_units(garden_units):
    roll = build_persons(garden_units)
    by_id = {u.unit: u for u in garden_units}
    ballots = [BallotRecord(2, "101", "agree"), BallotRecord(7, "102", "oppose"), BallotRecord(8, "301", "agree")]
    votes, errors = collect_votes(roll, ballots, by_id)
    assert [(e.line, e.code) for e in errors] == [(7, "conflicting_ballots")]
    assert errors[0].message == "conflicting ballots for person A (units 101, 102): agree vs oppose"
    assert [v.person_id for v in votes] == ["C"]


def test_collect_votes_outside_scope_unknown_and_not_counted_errors(garden_units):
    roll = build_persons(garden_units, buildings=["3"])
    by_id = {u.unit: u for u in garden_units}
    ballots = [BallotRecord(2, "101", "agree"), BallotRecord(3, "999", "agree"), BallotRecord(4, "G-01", "agree")]
    _, errors = collect_votes(roll, ballots, by_id)
    assert [(e.line, e.code) for e in errors] == [(2, "outside_scope"), (3, "unknown_unit"), (4, "not_counted")]


def test_build_persons_unsorted_owner_tuple_normalised():
    roll = build_persons(
        [
            UnitRecord(unit="1", building="1", area=100, status=UnitStatus.DELIVERED, owners=("B", "A")),
            unit("2", owners=("A", "B")),
        ]
    )
    assert [p.id for p in roll.persons] == ["A+B"]


@pytest.mark.parametrize("enabled", [True, False])
def test_build_persons_garbage_collector_state_restored(enabled):
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        build_persons([unit("1")])
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError):
            build_persons([unit("1"), unit("1")])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
