"""The election count (R33–R35): vector E1, the boundaries of each rule, the input files, and properties."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govern.core.election import (
    Candidate,
    ElectionBallot,
    count_election,
    parse_candidates,
    parse_marks_ballots,
)
from govern.core.persons import build_persons, resolve_ballots
from govern.core.register import parse_register
from govern.core.rules import InvalidPolicy

DATA = Path(__file__).parent / "data"


def cands(ids: str) -> list[Candidate]:
    return [Candidate(c, f"name {c}") for c in ids.split()]


def elect(people, ids="P Q R", seats=2, **kw):
    """``people``: (area, marks) per person of the scope; marks "P;Q", "" (none), "invalid", or None (silent)."""
    ballots = []
    for i, (area, marks) in enumerate(people):
        if marks is None:
            continue
        parsed = None if marks == "invalid" else tuple(m for m in marks.split(";") if m)
        ballots.append(ElectionBallot(f"p{i}", area, parsed))
    return count_election(
        total_area=sum(a for a, _ in people),
        total_persons=len(people),
        candidates=cands(ids),
        ballots=ballots,
        seats=seats,
        **kw,
    )


def by_id(result):
    return {c.candidate.id: c for c in result.candidates}


# -- vector E1 (domain-rules §8) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def garden():
    units, errors = parse_register((DATA / "test_garden_register.csv").read_text(encoding="utf-8"))
    assert errors == []
    return units, build_persons(units)


def test_e1_q_ranks_first_on_persons_both_elected_r_fails_both_legs(garden):
    units, roll = garden
    candidates, errors = parse_candidates((DATA / "e1_candidates.csv").read_text(encoding="utf-8"))
    assert errors == []
    lines, errors = parse_marks_ballots(
        (DATA / "e1_ballots.csv").read_text(encoding="utf-8"), {u.unit: u for u in units}, candidates
    )
    assert errors == []
    first, errors = resolve_ballots(roll, lines, {u.unit: u for u in units})
    assert errors == []
    r = count_election(
        total_area=roll.total_area,
        total_persons=roll.total_persons,
        candidates=candidates,
        ballots=[ElectionBallot(pid, roll.person(pid).area, b.marks) for pid, b in first.items()],
        seats=2,
    )
    assert (r.participation.persons, r.participation.area, r.quorum_met) == (12, 170000, True)
    c = by_id(r)
    assert (c["P"].agree.persons, c["P"].agree.area, c["P"].rank) == (8, 130000, 2)
    assert (c["Q"].agree.persons, c["Q"].agree.area, c["Q"].rank) == (10, 120000, 1)
    assert (c["R"].agree.persons, c["R"].agree.area, c["R"].rank) == (4, 40000, None)
    assert c["R"].reasons == ("THRESHOLD_AREA", "THRESHOLD_COUNT") and not c["R"].passes
    assert r.elected == ("Q", "P")
    assert (r.alternates, r.runoff, r.runoff_seats, r.seats_unfilled) == ((), (), 0, 0)
    assert r.max_marks == 2 and r.reasons == ()


# -- R35 ranking and seat filling -----------------------------------------------------------------------------

# Ten persons of 100.00 m²: P 8 persons; Q and R 6 persons each, tied on persons and area.
RUNOFF = [(10000, "P;Q")] * 4 + [(10000, "P;R")] * 4 + [(10000, "Q;R")] * 2


def test_runoff_at_the_seat_boundary_holds_the_seat_and_stops_filling():
    r = elect(RUNOFF, seats=2)
    assert r.elected == ("P",)
    assert (r.runoff, r.runoff_seats) == (("Q", "R"), 1)
    assert r.seats_unfilled == 1 and r.alternates == ()
    assert [c.rank for c in r.candidates] == [1, 2, 2]


def test_runoff_group_listed_in_candidate_order():
    r = elect(RUNOFF, ids="R P Q", seats=2)
    assert r.elected == ("P",) and r.runoff == ("R", "Q")


def test_tied_group_that_fits_is_elected_together():
    r = elect(RUNOFF, seats=3)
    assert r.elected == ("P", "Q", "R")
    assert (r.runoff, r.runoff_seats, r.seats_unfilled) == ((), 0, 0)


def test_tie_for_every_seat_goes_to_runoff_with_nobody_elected():
    people = [(10000, "P;Q")] * 3 + [(10000, "Q;R")] * 3 + [(10000, "P;R")] * 3
    r = elect(people, seats=2)
    assert r.elected == () and r.runoff == ("P", "Q", "R")
    assert (r.runoff_seats, r.seats_unfilled) == (2, 2)


def test_area_decides_a_tie_in_persons():
    # As RUNOFF, but one P;R voter owns 200.00 m²: R has the same persons as Q and more area.
    people = [(10000, "P;Q")] * 4 + [(20000, "P;R")] + [(10000, "P;R")] * 3 + [(10000, "Q;R")] * 2
    r = elect(people, seats=2)
    c = by_id(r)
    assert (c["Q"].agree.persons, c["R"].agree.persons) == (6, 6)
    assert c["R"].agree.area > c["Q"].agree.area
    assert [c["P"].rank, c["R"].rank, c["Q"].rank] == [1, 2, 3]
    assert r.elected == ("P", "R") and r.alternates == ("Q",) and r.runoff == ()


def cyclic(n, **counts):
    """``n`` persons of 100.00 m²; each candidate's agree persons dealt round-robin (no voter marks one twice)."""
    marks = [[] for _ in range(n)]
    for j, c in enumerate(c for c, k in counts.items() for _ in range(k)):
        marks[j % n].append(c)
    return [(10000, ";".join(m)) for m in marks]


def test_zero_seats_left_a_tied_group_below_is_alternates_not_runoff():
    # Twenty persons, three marks: P, Q, R 12 each fill the three seats; S and T 11 each, tied.
    r = elect(cyclic(20, P=12, Q=12, R=12, S=11, T=11), ids="P Q R S T", seats=3)
    assert r.elected == ("P", "Q", "R")
    assert r.runoff == () and r.runoff_seats == 0
    assert r.alternates == ("S", "T") and r.seats_unfilled == 0
    assert [c.rank for c in r.candidates] == [1, 1, 1, 4, 4]


# Ten persons of 100.00 m²: P 9, Q 7, R 7, S 6 agree (all pass): competition ranks 1, 2, 2, 4.
RANKS = [
    (10000, "P;Q;S"),
    (10000, "P;Q;S"),
    (10000, "P;Q;S"),
    (10000, "P;Q;R"),
    (10000, "P;Q;R"),
    (10000, "P;Q;R"),
    (10000, "P;Q;R"),
    (10000, "P;R;S"),
    (10000, "P;R;S"),
    (10000, "R;S"),
]


def test_competition_ranks_one_two_two_four():
    r = elect(RANKS, ids="P Q R S", seats=3)
    assert [c.rank for c in r.candidates] == [1, 2, 2, 4]
    assert r.elected == ("P", "Q", "R") and r.alternates == ("S",)


def test_ties_elected_together_listed_in_candidate_order():
    r = elect(RANKS, ids="S R Q P", seats=3)
    assert r.elected == ("P", "R", "Q")  # R and Q tie: candidate order
    assert r.alternates == ("S",)


def test_passing_candidates_below_the_runoff_group_are_alternates():
    # Twenty persons, three marks: Q, R, T, U 12 agree each (four tied for three seats), S 11.
    r = elect(cyclic(20, Q=12, R=12, T=12, U=12, S=11), ids="Q R S T U", seats=3)
    assert [c.rank for c in r.candidates] == [1, 1, 5, 1, 1]
    assert r.elected == () and r.runoff == ("Q", "R", "T", "U") and r.runoff_seats == 3
    assert r.alternates == ("S",) and r.seats_unfilled == 3


def test_elected_runoff_and_alternates_together():
    r = elect(cyclic(30, P=20, Q=18, R=18, T=18, S=16), ids="P Q R S T", seats=3)
    assert r.elected == ("P",)
    assert (r.runoff, r.runoff_seats) == (("Q", "R", "T"), 2)
    assert r.alternates == ("S",) and r.seats_unfilled == 2
    assert [c.rank for c in r.candidates] == [1, 2, 2, 5, 2]


def test_alternates_are_every_passing_candidate_below_the_last_elected_in_rank_order():
    r = elect(cyclic(30, T=16, S=17, R=18, Q=19, P=20), ids="T S R Q P", seats=3)
    assert r.elected == ("P", "Q", "R")
    assert r.alternates == ("S", "T") and r.runoff == ()
    assert [c.rank for c in r.candidates] == [5, 4, 3, 2, 1]


def test_unfilled_seats_when_too_few_candidates_pass():
    people = [(10000, "P")] * 6 + [(10000, "Q")] * 4
    r = elect(people, seats=3)
    assert r.elected == ("P",)
    assert (r.seats_unfilled, r.runoff_seats, r.alternates) == (2, 0, ())
    assert by_id(r)["Q"].reasons == ("THRESHOLD_AREA", "THRESHOLD_COUNT")
    assert by_id(r)["R"].agree.persons == 0 and by_id(r)["R"].rank is None


# -- R33 thresholds and quorum --------------------------------------------------------------------------------


def test_exactly_half_fails_each_leg_on_its_own():
    # Six persons of 50.00 m² and four of 75.00 m²: T = 10 / 600.00, everyone votes.
    people = [(5000, "X;Y")] + [(5000, "X")] * 5 + [(7500, "Y")] * 4
    r = elect(people, ids="X Y", seats=2)
    c = by_id(r)
    assert (c["X"].agree.persons, c["X"].agree.area) == (6, 30000)  # 2*300.00 = 600.00: not more than half
    assert c["X"].reasons == ("THRESHOLD_AREA",)
    assert (c["Y"].agree.persons, c["Y"].agree.area) == (5, 35000)  # 2*5 = 10: not more than half
    assert c["Y"].reasons == ("THRESHOLD_COUNT",)
    assert r.elected == () and r.seats_unfilled == 2


def test_one_hundredth_above_half_passes():
    people = [(5001, "X")] + [(4999, "")] + [(10000, "X")] * 2 + [(10000, "")]
    c = by_id(elect(people, ids="X Y", seats=1))["X"]
    assert (c.agree.persons, c.agree.area) == (3, 25001)
    assert c.passes and c.rank == 1


def test_quorum_failure_elects_nobody_and_reports_the_quorum_on_every_candidate():
    people = [(10000, "P;Q")] * 6 + [(10000, None)] * 4  # 6 of 10 take part: 18 < 20
    r = elect(people, seats=2)
    assert r.quorum_met is False
    assert r.reasons == ("QUORUM_AREA", "QUORUM_COUNT")
    c = by_id(r)
    assert c["P"].reasons == ("QUORUM_AREA", "QUORUM_COUNT") and not c["P"].passes and c["P"].rank is None
    assert c["R"].reasons == ("QUORUM_AREA", "QUORUM_COUNT", "THRESHOLD_AREA", "THRESHOLD_COUNT")
    assert (r.elected, r.alternates, r.runoff, r.seats_unfilled) == ((), (), (), 2)


def test_empty_marks_take_part_and_agree_with_nobody():
    people = [(10000, "P")] * 5 + [(10000, "")] * 5
    r = elect(people, seats=1)
    assert r.participation.persons == 10 and r.quorum_met
    assert by_id(r)["P"].reasons == ("THRESHOLD_AREA", "THRESHOLD_COUNT")


# -- R34 too many marks, under both invalid-ballot policies (R17) ---------------------------------------------

OVER_MARKED = [(10000, "P"), (10000, "P"), (10000, "Q"), (10000, "P;Q;R")]


def test_too_many_marks_as_abstain_counts_in_participation_agrees_with_nobody():
    r = elect(OVER_MARKED, seats=2)
    assert (r.invalid.persons, r.invalid.area) == (1, 10000)
    assert r.participation.persons == 4
    p = by_id(r)["P"]
    assert p.agree.persons == 2 and p.reasons == ("THRESHOLD_AREA", "THRESHOLD_COUNT")
    assert r.elected == ()


def test_too_many_marks_excluded_leaves_participation():
    r = elect(OVER_MARKED, seats=2, invalid_policy=InvalidPolicy.EXCLUDED)
    assert (r.invalid.persons, r.invalid.area) == (1, 10000)
    assert r.participation.persons == 3 and r.quorum_met  # 9 >= 8
    assert r.elected == ("P",)
    assert r.to_json()["invalid_policy"] == "excluded"


def test_max_marks_below_seats_makes_two_marks_invalid():
    r = elect([(10000, "P;Q"), (10000, "P"), (10000, "P")], seats=2, max_marks=1)
    assert r.max_marks == 1 and r.invalid.persons == 1
    assert by_id(r)["Q"].agree.persons == 0


def test_marked_invalid_ballot_is_invalid():
    r = elect([(10000, "invalid"), (10000, "P"), (10000, "P")], seats=1, invalid_policy="excluded")
    assert r.invalid.persons == 1 and r.participation.persons == 2


# -- the JSON form --------------------------------------------------------------------------------------------


def test_to_json_keys_and_area_strings():
    out = elect(RUNOFF, seats=2).to_json()
    assert list(out) == [
        "kind",
        "seats",
        "max_marks",
        "invalid_policy",
        "totals",
        "participation",
        "invalid",
        "reasons",
        "candidates",
        "elected",
        "alternates",
        "runoff",
        "runoff_seats",
        "seats_unfilled",
    ]
    assert out["kind"] == "election"
    assert out["totals"] == {"area": "1000.00", "persons": 10}
    assert out["candidates"][0] == {
        "id": "P",
        "name": "name P",
        "agree": {"area": "800.00", "persons": 8},
        "passes": True,
        "reasons": [],
        "rank": 1,
    }


# -- refusals of the core -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"seats": 0}, "seats must be between 1"),
        ({"seats": 4}, "seats must be between 1"),
        ({"seats": 2, "max_marks": 3}, "max_marks must be between 1 and the seats"),
        ({"seats": 2, "max_marks": 0}, "max_marks must be between 1"),
        ({"ids": "P P Q"}, "appears twice"),
        ({"ids": "P invalid"}, "bad candidate id"),
        ({"ids": "P INVALID"}, "bad candidate id"),
        ({"ids": "P Q/1"}, "bad candidate id"),
    ],
)
def test_bad_election_raises_value_error(kw, message):
    kw.setdefault("seats", 1)
    with pytest.raises(ValueError, match=message):
        elect([(10000, "P")], **kw)


@pytest.mark.parametrize(
    ("ballots", "message"),
    [
        ([ElectionBallot("a", 100, ("Z",))], "unknown candidate"),
        ([ElectionBallot("a", 100, ("P", "P"))], "marked twice"),
        ([ElectionBallot("a", 100, ("P",)), ElectionBallot("a", 100, ("P",))], "voted twice"),
        ([ElectionBallot("a", 0, ("P",))], "positive integer"),
        ([ElectionBallot("a", 100.0, ("P",))], "positive integer"),
        ([ElectionBallot("a", 1001, ("P",))], "exceed the totals"),
    ],
)
def test_bad_ballots_raise_value_error(ballots, message):
    with pytest.raises(ValueError, match=message):
        count_election(total_area=1000, total_persons=3, candidates=cands("P Q"), ballots=ballots, seats=1)


# -- reading the candidates and marks files -------------------------------------------------------------------


def test_parse_candidates_reports_every_bad_line():
    text = "ID,Name,note\nP,张伟,x\nP,王芳,\nbad id,李娜,\ninvalid,赵四,\n" + "x" * 33 + ",钱五,\nR,,\nS\n"
    candidates, errors = parse_candidates(text)
    assert [c.id for c in candidates] == ["P"]
    assert [(e.line, e.code) for e in errors] == [
        (3, "duplicate_candidate"),
        (4, "bad_candidate_id"),
        (5, "bad_candidate_id"),
        (6, "bad_candidate_id"),
        (7, "empty_name"),
        (8, "wrong_field_count"),
    ]
    assert errors[0].message == "candidate P already appears on line 2"


def test_parse_candidates_header_only_is_an_error():
    assert [e.code for e in parse_candidates("id,name\n")[1]] == ["no_candidates"]
    assert [e.code for e in parse_candidates("id\nP\n")[1]] == ["missing_column"]


def test_parse_marks_spaces_order_fullwidth_and_case_of_invalid():
    text = "unit,marks\n1, Q ; P \n2,P；Q\n3,\n4,INVALID\n"
    lines, errors = parse_marks_ballots(text, None, cands("P Q R"))
    assert errors == []
    assert [(b.marks, b.choice) for b in lines] == [
        (("Q", "P"), "P;Q"),
        (("P", "Q"), "P;Q"),
        ((), "(no marks)"),
        (None, "invalid"),
    ]


def test_parse_marks_unknown_repeated_and_empty_ids_are_errors_before_counting():
    text = "unit,marks\n1,P;Z\n2,P;P;Q;R\n3,P;;Q\n4,P\n9,P\n"
    lines, errors = parse_marks_ballots(text, {u: None for u in "1234"}, cands("P Q R"))
    assert [b.unit for b in lines] == ["4"]
    assert [(e.line, e.code) for e in errors] == [
        (2, "unknown_candidate"),
        (3, "repeated_candidate"),
        (4, "empty_mark"),
        (6, "unknown_unit"),
    ]
    assert errors[0].message == "unit 1: 'Z' is not a candidate"
    assert errors[1].message == "unit 2: candidate P is marked more than once"


def test_resolve_marks_same_set_in_another_order_is_one_ballot_different_sets_conflict(garden):
    units, roll = garden
    by_unit = {u.unit: u for u in units}
    lines, errors = parse_marks_ballots("unit,marks\n101,P;Q\n102,Q;P\n103,P\n", by_unit, cands("P Q R"))
    assert errors == []
    first, errors = resolve_ballots(roll, lines, by_unit)
    assert first == {}
    assert [(e.line, e.code) for e in errors] == [(4, "conflicting_ballots")]
    assert errors[0].message == "conflicting ballots for person A (units 101, 103): P;Q vs P"


# -- properties -----------------------------------------------------------------------------------------------

MARKS = st.one_of(st.none(), st.just("invalid"), st.lists(st.sampled_from("ABCDEF"), unique=True, max_size=6))


@st.composite
def elections(draw):
    k = draw(st.integers(min_value=1, max_value=6))
    ids = "ABCDEF"[:k]
    seats = draw(st.integers(min_value=1, max_value=k))
    max_marks = draw(st.integers(min_value=1, max_value=seats))
    people = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=10**6),
                st.one_of(
                    st.none(),
                    st.just("invalid"),
                    st.lists(st.sampled_from(ids), unique=True, max_size=k).map(";".join),
                ),
            ),
            min_size=1,
            max_size=15,
        )
    )
    policy = draw(st.sampled_from(list(InvalidPolicy)))
    return people, " ".join(ids), seats, max_marks, policy


@given(elections())
def test_property_seat_bookkeeping_and_disjoint_outcomes(case):
    people, ids, seats, max_marks, policy = case
    r = elect(people, ids=ids, seats=seats, max_marks=max_marks, invalid_policy=policy)
    elected, runoff, alternates = set(r.elected), set(r.runoff), set(r.alternates)
    passing = {c.candidate.id for c in r.candidates if c.passes}
    assert len(elected) + r.seats_unfilled == seats
    assert 0 <= r.runoff_seats <= r.seats_unfilled
    assert (r.runoff_seats > 0) == bool(r.runoff)
    assert not r.runoff or len(r.runoff) > r.runoff_seats
    assert not (elected & runoff) and not (elected & alternates) and not (runoff & alternates)
    assert elected | runoff | alternates == passing
    assert not (alternates and r.seats_unfilled > r.runoff_seats)  # alternates only when seats ran out


@given(elections())
def test_property_passing_matches_fraction_oracle_and_order_by_standing(case):
    people, ids, seats, max_marks, policy = case
    r = elect(people, ids=ids, seats=seats, max_marks=max_marks, invalid_policy=policy)
    voted = [(a, m) for a, m in people if m is not None]
    invalid = [(a, m) for a, m in voted if m == "invalid" or len(m.split(";")) > max_marks]
    part = voted if policy is InvalidPolicy.AS_ABSTAIN else [p for p in voted if p not in invalid]
    p_area, p_count = sum(a for a, _ in part), len(part)
    t_area, t_count = sum(a for a, _ in people), len(people)
    quorum = Fraction(p_area, t_area) >= Fraction(2, 3) and Fraction(p_count, t_count) >= Fraction(2, 3)
    standing = {}
    for c in r.candidates:
        agreeing = [a for a, m in voted if (a, m) not in invalid and m and c.candidate.id in m.split(";")]
        y_area, y_count = sum(agreeing), len(agreeing)
        assert (c.agree.area, c.agree.persons) == (y_area, y_count)
        expected = quorum and p_count > 0 and Fraction(y_area, p_area) > Fraction(1, 2) and 2 * y_count > p_count
        assert c.passes is expected
        standing[c.candidate.id] = (y_count, y_area)
    ranked = [*r.elected, *r.runoff, *r.alternates]
    keys = [standing[x] for x in ranked]
    assert keys == sorted(keys, reverse=True)
    if r.elected and (r.runoff or r.alternates):
        assert standing[r.elected[-1]] > standing[(r.runoff or r.alternates)[0]]


@given(elections(), st.randoms(use_true_random=False))
def test_property_ballot_order_never_changes_the_result(case, rnd):
    people, ids, seats, max_marks, policy = case
    shuffled = list(enumerate(people))
    rnd.shuffle(shuffled)
    ballots = [
        ElectionBallot(f"p{i}", a, None if m == "invalid" else tuple(x for x in m.split(";") if x))
        for i, (a, m) in shuffled
        if m is not None
    ]
    again = count_election(
        total_area=sum(a for a, _ in people),
        total_persons=len(people),
        candidates=cands(ids),
        ballots=ballots,
        seats=seats,
        max_marks=max_marks,
        invalid_policy=policy,
    )
    assert again == elect(people, ids=ids, seats=seats, max_marks=max_marks, invalid_policy=policy)
