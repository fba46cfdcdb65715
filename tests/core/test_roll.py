"""The frozen roll: canonical form, hash, redaction for the public edition, consistency."""

from __future__ import annotations

import pytest

from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.roll import (
    RollPerson,
    RollUnit,
    build_roll,
    person_pseudonym,
    roll_from_json,
    roll_hash,
    roll_problems,
    roll_to_json,
)

SECRET = b"k" * 32


def person(pid: str, units: list[tuple[str, str, int]], casters=("17",), owners=("A",)) -> RollPerson:
    rus = tuple(RollUnit(u, b, a) for u, b, a in units)
    return RollPerson(
        person=pid, area=sum(a for _, _, a in units), casters=tuple(casters), keys=(),
        buildings=tuple(sorted({b for _, b, _ in units})), owners=tuple(owners), units=rus, salt="c2FsdA",
    )


def garden():
    return build_roll(
        community="1", meeting="2", frozen_at="2025-03-01T00:00:00Z",
        persons=[
            person("p-b", [("201", "2", 10000)], casters=("18",), owners=("B1", "B2")),
            person("p-a", [("101", "1", 8000), ("102", "1", 8000), ("103", "1", 14000)]),
        ],
    )


def test_build_roll_sorted_totals_computed():
    roll = garden()
    assert [p.person for p in roll.persons] == ["p-a", "p-b"]
    assert roll.total_area == 40000 and roll.total_persons == 2
    assert roll_problems(roll) == []


def test_build_roll_duplicate_person_refused():
    with pytest.raises(ValueError):
        build_roll(community="1", meeting="2", frozen_at="x", persons=[person("p", [("1", "1", 1)])] * 2)


def test_roll_hash_is_sha256_of_canonical_digest_form():
    roll = garden()
    assert roll_hash(roll) == sha256_hex(canonical_bytes(roll_to_json(roll, public=True)))


def test_roll_hash_same_for_public_and_auditor_edition():
    roll = garden()
    public = roll_to_json(roll, public=True)
    assert all("identity" not in p and "identity_digest" in p for p in public["persons"])
    assert roll_hash(public) == roll_hash(roll_to_json(roll)) == roll_hash(roll)
    assert roll_from_json(public).is_public


def test_roll_json_roundtrip_equal():
    roll = garden()
    assert roll_from_json(roll_to_json(roll)) == roll


@pytest.mark.parametrize(
    "edit",
    [
        lambda j: j["persons"][0].update(area=30001),
        lambda j: j["persons"][0]["identity"]["units"][0].update(unit="104"),
        lambda j: j["persons"][1].update(casters=["99"]),
        lambda j: j.update(total_area=1),
    ],
)
def test_roll_hash_any_edit_changes_hash(edit):
    j = roll_to_json(garden())
    before = roll_hash(j)
    edit(j)
    assert roll_hash(j) != before


def test_roll_problems_area_not_sum_of_units_named():
    j = roll_to_json(garden())
    j["persons"][0]["area"] = 30001
    j["total_area"] = 40001
    assert [c for c, _ in roll_problems(roll_from_json(j))] == ["roll_area_mismatch"]


def test_roll_problems_totals_named():
    j = roll_to_json(garden())
    j["total_persons"] = 3
    assert [c for c, _ in roll_problems(roll_from_json(j))] == ["roll_totals_mismatch"]


def test_roll_from_json_garbage_refused():
    for bad in (None, {"type": "x"}, {**roll_to_json(garden()), "persons": [{"person": 1}]}):
        with pytest.raises(ValueError):
            roll_from_json(bad)


def test_person_pseudonym_stable_per_meeting_distinct_across():
    a = person_pseudonym(SECRET, "2", "A")
    assert a == person_pseudonym(SECRET, "2", "A") and a.startswith("p-") and len(a) == 22
    assert a != person_pseudonym(SECRET, "3", "A")
    assert a != person_pseudonym(SECRET, "2", "B1+B2")
