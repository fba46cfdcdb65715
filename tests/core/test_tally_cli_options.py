"""``govern tally`` options: --deemed-consent (vector L2), --matter unanimous-interested (L3), --election (E1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.test_tally_cli import assert_clean_failure, run, write

DATA = Path(__file__).parent / "data"
GARDEN = str(DATA / "test_garden_register.csv")
E1_CANDIDATES = str(DATA / "e1_candidates.csv")
E1_BALLOTS = str(DATA / "e1_ballots.csv")
# The other owners of building 3 when D (302) applies to change use (vector L3): C, E … N.
BUILDING_3_BUT_302 = ",".join(f"3{i:02d}" for i in range(1, 13) if i != 2)
ART_279 = ("--matter", "unanimous-interested", "--interested")
BAD_ID = "must be 1 to 32 letters, digits, '_' or '-', and not 'invalid'"


def ok(*args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_usage_error(result, text):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Error" in result.stderr and text in result.stderr, result.stderr


# -- --deemed-consent (R24), vector L2 ------------------------------------------------------------------------


def test_l2_strict_result_unchanged_and_official():
    plain = ok("--register", GARDEN, "--ballots", DATA / "l2_ballots.csv", "--deemed-consent", "plain")
    strict = ok("--register", GARDEN, "--ballots", DATA / "l2_ballots.csv")
    assert "deemed_consent" not in strict
    assert {k: v for k, v in plain.items() if k != "deemed_consent"} == strict
    assert strict["participation"] == {"area": "1300.00", "persons": 8, "quorum_met": False}
    assert strict["adopted"] is False and strict["reasons"] == ["QUORUM_AREA", "QUORUM_COUNT"]


@pytest.mark.parametrize("matter", ["ordinary", "major"])
def test_l2_plain_deemed_consent_adopted(matter):
    l2 = DATA / "l2_ballots.csv"
    out = ok("--register", GARDEN, "--ballots", l2, "--deemed-consent", "plain", "--matter", matter)
    assert out["adopted"] is False
    assert out["deemed_consent"] == {
        "label": "deemed consent (随多数) — informative, not the official result",
        "official": False,
        "variant": "plain",
        "majority": "agree",
        "added": {"area": "700.00", "persons": 7},
        "participation": {"area": "2000.00", "persons": 15, "quorum_met": True},
        "agree": {"area": "1800.00", "persons": 13},
        "oppose": {"area": "100.00", "persons": 1},
        "adopted": True,
        "reasons": [],
    }


def test_l2_zhejiang_not_adopted_actual_majority_count():
    out = ok("--register", GARDEN, "--ballots", DATA / "l2_ballots.csv", "--deemed-consent", "zhejiang")
    d = out["deemed_consent"]
    assert d["variant"] == "zhejiang" and d["official"] is False
    assert d["agree"] == {"area": "1800.00", "persons": 13}
    assert d["adopted"] is False and d["reasons"] == ["ACTUAL_MAJORITY_COUNT"]


def test_deemed_consent_zhejiang_actual_majority_area_reason(tmp_path):
    # Vector V3: B, C … K agree (10 persons, 1000.00 m²): exactly half of the area is not more than half.
    out = ok("--register", GARDEN, "--ballots", DATA / "v3_ballots.csv", "--deemed-consent", "zhejiang")
    assert out["deemed_consent"]["reasons"] == ["ACTUAL_MAJORITY_AREA"]


def test_deemed_consent_bad_variant_exit_two():
    result = run("--register", GARDEN, "--ballots", DATA / "l2_ballots.csv", "--deemed-consent", "beijing")
    assert_usage_error(result, "--deemed-consent")


@pytest.mark.parametrize("spelling", ["unanimous-interested", "unanimous_interested"])
def test_deemed_consent_with_art_279_exit_two(spelling):
    result = run(
        "--register", GARDEN, "--ballots", DATA / "l3_ballots.csv", "--matter", spelling,
        "--interested", BUILDING_3_BUT_302, "--deemed-consent", "plain",
    )  # fmt: skip
    assert_usage_error(result, "--deemed-consent does not apply to an art. 279 matter")


# -- --matter unanimous-interested --interested (R25), vector L3 ----------------------------------------------


@pytest.mark.parametrize("spelling", ["unanimous-interested", "unanimous_interested"])
def test_l3_all_interested_agree_adopted(spelling):
    out = ok(
        "--register", GARDEN, "--ballots", DATA / "l3_ballots.csv", "--matter", spelling,
        "--interested", BUILDING_3_BUT_302,
    )  # fmt: skip
    assert out["matter"] == "unanimous_interested"
    assert out["adopted"] is True and out["reasons"] == []
    assert out["interested"] == {"persons": 11, "agree": 11}
    # No quorum applies: 11 of 15 persons / 1100.00 of 2000.00 m² is below two thirds of the area.
    assert out["participation"]["quorum_met"] is False


@pytest.mark.parametrize(("unit", "change"), [("305", "oppose"), ("305", "abstain"), ("305", None)])
def test_l3_one_oppose_abstain_or_silent_not_adopted_unanimity(tmp_path, unit, change):
    lines = (DATA / "l3_ballots.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        if line.startswith(unit + ","):
            if change is not None:
                rows.append(f"{unit},{change}")
        else:
            rows.append(line)
    ballots = write(tmp_path, "b.csv", "\n".join(rows) + "\n")
    out = ok("--register", GARDEN, "--ballots", ballots, *ART_279, BUILDING_3_BUT_302)
    assert out["adopted"] is False and out["reasons"] == ["UNANIMITY"]
    assert out["interested"] == {"persons": 11, "agree": 10}


def test_interested_units_resolve_to_persons_multi_unit_owner_counts_once(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,choice\n101,agree\n201,agree\n")
    out = ok("--register", GARDEN, "--ballots", ballots, *ART_279, "101,102,103,201")
    assert out["interested"] == {"persons": 2, "agree": 2}
    assert out["adopted"] is True


def test_interested_applicant_agreeing_does_not_replace_an_interested_owner(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,choice\n302,agree\n301,agree\n")
    out = ok("--register", GARDEN, "--ballots", ballots, *ART_279, "301,303")
    assert out["adopted"] is False and out["interested"] == {"persons": 2, "agree": 1}


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--matter", "unanimous-interested"], "needs --interested"),
        (["--matter", "unanimous_interested"], "needs --interested"),
        (["--matter", "unanimous-interested", "--interested", ""], "--interested"),
        (["--matter", "unanimous-interested", "--interested", "301,,303"], "--interested"),
        (["--interested", "301"], "--interested only applies with --matter unanimous-interested"),
        (["--matter", "major", "--interested", "301"], "--interested only applies with --matter unanimous-interested"),
    ],
)
def test_interested_usage_errors_exit_two(args, text):
    assert_usage_error(run("--register", GARDEN, "--ballots", DATA / "l3_ballots.csv", *args), text)


def test_interested_unknown_outside_scope_and_not_counted_units_exit_two():
    result = run(
        "--register", GARDEN, "--ballots", DATA / "l3_ballots.csv", "--buildings", "3",
        "--matter", "unanimous-interested", "--interested", "301,999,101,G-01",
    )  # fmt: skip
    assert_clean_failure(
        result,
        f"--interested: unit 999 is not in {GARDEN}",
        "--interested: unit 101 (building 1) is outside the scope of this vote",
        "--interested: unit G-01 does not count for voting",
    )


# -- --election (R33–R35), vector E1 --------------------------------------------------------------------------

E1_ARGS = ("--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", E1_BALLOTS, "--seats", 2)


def test_e1_exact_json_output():
    result = run("--election", *E1_ARGS)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('{\n  "kind": "election"')
    assert json.loads(result.stdout) == {
        "kind": "election",
        "seats": 2,
        "max_marks": 2,
        "invalid_policy": "as-abstain",
        "totals": {"area": "2000.00", "persons": 15},
        "participation": {"area": "1700.00", "persons": 12, "quorum_met": True},
        "invalid": {"area": "0.00", "persons": 0},
        "reasons": [],
        "candidates": [
            {"id": "P", "name": "张伟", "agree": {"area": "1300.00", "persons": 8}, "passes": True,
             "reasons": [], "rank": 2},
            {"id": "Q", "name": "王芳", "agree": {"area": "1200.00", "persons": 10}, "passes": True,
             "reasons": [], "rank": 1},
            {"id": "R", "name": "李娜", "agree": {"area": "400.00", "persons": 4}, "passes": False,
             "reasons": ["THRESHOLD_AREA", "THRESHOLD_COUNT"], "rank": None},
        ],
        "elected": ["Q", "P"],
        "alternates": [],
        "runoff": [],
        "runoff_seats": 0,
        "seats_unfilled": 0,
    }  # fmt: skip


def test_election_max_marks_one_makes_every_two_mark_ballot_invalid():
    out = ok("--election", *E1_ARGS, "--max-marks", 1)
    assert out["max_marks"] == 1
    # Only DEV (P) and L (R) marked one candidate; the ten two-mark ballots are invalid (as-abstain).
    assert out["invalid"] == {"area": "1200.00", "persons": 10}
    assert out["participation"] == {"area": "1700.00", "persons": 12, "quorum_met": True}
    assert [c["agree"]["persons"] for c in out["candidates"]] == [1, 0, 1]
    assert (out["elected"], out["seats_unfilled"]) == ([], 2)


def test_election_e1_with_three_seats_leaves_one_unfilled():
    out = ok("--election", *E1_ARGS[:-1], 3)
    assert (out["seats"], out["max_marks"]) == (3, 3)
    assert out["elected"] == ["Q", "P"]
    assert (out["seats_unfilled"], out["runoff_seats"], out["alternates"]) == (1, 0, [])


def test_election_area_decides_a_tie_in_persons(tmp_path):
    # A (300.00) and C … H mark P; DEV (400.00) and C … H mark Q: 7 persons each, Q has more area.
    rows = ["unit,marks", "101,P", "501,Q", "201,", "307,"] + [f"3{i:02d},P;Q" for i in range(1, 7)]
    ballots = write(tmp_path, "b.csv", "\n".join(rows) + "\n")
    out = ok("--election", "--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", ballots, "--seats", 2)
    assert [c["agree"] for c in out["candidates"][:2]] == [
        {"area": "900.00", "persons": 7},
        {"area": "1000.00", "persons": 7},
    ]
    assert [c["rank"] for c in out["candidates"]] == [2, 1, None]
    assert out["elected"] == ["Q", "P"]


def test_election_exactly_half_of_the_area_fails(tmp_path):
    # A, DEV, B, C … J take part (11 persons / 1600.00 m²); A and C … G agree with P: 6 persons, 800.00 m².
    rows = ["unit,marks", "101,P", "501,", "201,"] + [f"3{i:02d},P" for i in range(1, 6)]
    rows += [f"3{i:02d},Q" for i in range(6, 9)]
    ballots = write(tmp_path, "b.csv", "\n".join(rows) + "\n")
    out = ok("--election", "--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", ballots, "--seats", 2)
    p = out["candidates"][0]
    assert p["agree"] == {"area": "800.00", "persons": 6}
    assert p["passes"] is False and p["reasons"] == ["THRESHOLD_AREA"]
    assert out["elected"] == [] and out["seats_unfilled"] == 2


def test_election_too_many_marks_both_policies(tmp_path):
    rows = "unit,marks\n" + "".join(f"3{i:02d},P\n" for i in range(1, 10)) + "101,P;Q;R\n"
    ballots = write(tmp_path, "b.csv", rows)
    args = ("--election", "--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", ballots, "--seats", 2)
    abstain = ok(*args)
    assert abstain["invalid"] == {"area": "300.00", "persons": 1}
    assert abstain["participation"] == {"area": "1200.00", "persons": 10, "quorum_met": False}
    assert abstain["reasons"] == ["QUORUM_AREA"]
    excluded = ok(*args, "--invalid-policy", "excluded")
    assert excluded["invalid_policy"] == "excluded"
    assert excluded["invalid"] == {"area": "300.00", "persons": 1}
    assert excluded["participation"] == {"area": "900.00", "persons": 9, "quorum_met": False}
    assert excluded["reasons"] == ["QUORUM_AREA", "QUORUM_COUNT"]
    assert abstain["elected"] == excluded["elected"] == []


def test_election_quorum_failure_unfilled_seats(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,marks\n101,P;Q\n501,P;Q\n")
    out = ok("--election", "--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", ballots, "--seats", 2)
    assert out["participation"]["quorum_met"] is False
    assert out["reasons"] == ["QUORUM_AREA", "QUORUM_COUNT"]
    assert out["candidates"][0]["reasons"] == ["QUORUM_AREA", "QUORUM_COUNT"]
    assert out["candidates"][0]["rank"] is None
    assert (out["elected"], out["seats_unfilled"]) == ([], 2)


def test_election_runoff_at_the_seat_boundary(tmp_path):
    # A, DEV, B, C … K take part (12 persons / 1700.00 m²): A and DEV mark Q;R, B and C … F mark P;Q,
    # G … K mark P;R. P 10 / 1000.00; Q and R 7 / 1200.00 each: tied on both for the second seat.
    rows = ["unit,marks", "101,Q;R", "501,Q;R", "201,P;Q"]
    rows += [f"3{i:02d},P;Q" for i in range(1, 5)] + [f"3{i:02d},P;R" for i in range(5, 10)]
    ballots = write(tmp_path, "b.csv", "\n".join(rows) + "\n")
    out = ok("--election", "--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", ballots, "--seats", 2)
    assert [c["agree"] for c in out["candidates"]] == [
        {"area": "1000.00", "persons": 10},
        {"area": "1200.00", "persons": 7},
        {"area": "1200.00", "persons": 7},
    ]
    assert [c["rank"] for c in out["candidates"]] == [1, 2, 2]
    assert out["elected"] == ["P"] and out["runoff"] == ["Q", "R"]
    assert (out["runoff_seats"], out["seats_unfilled"], out["alternates"]) == (1, 1, [])


def test_election_building_scope_has_its_own_totals(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,marks\n" + "".join(f"3{i:02d},Q\n" for i in range(1, 10)))
    out = ok(
        "--election", "--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", ballots,
        "--seats", 1, "--buildings", "3",
    )  # fmt: skip
    assert out["totals"] == {"area": "1200.00", "persons": 12}
    assert out["elected"] == ["Q"]


def test_election_same_marks_in_another_order_for_one_person_counts_once(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,marks\n101,P;Q\n102, Q ;P\n103,Q；P\n")
    out = ok("--election", "--register", GARDEN, "--candidates", E1_CANDIDATES, "--ballots", ballots, "--seats", 2)
    assert out["candidates"][0]["agree"] == {"area": "300.00", "persons": 1}


PQR = "id,name\nP,张伟\nQ,王芳\nR,李娜\n"


def election(tmp_path, *extra, candidates=PQR, ballots="unit,marks\n301,P\n"):
    c = write(tmp_path, "C.csv", candidates)
    b = write(tmp_path, "B.csv", ballots)
    return c, b, run("--election", "--register", GARDEN, "--candidates", c, "--ballots", b, *extra)


def test_election_every_bad_ballot_line_reported_not_only_the_first(tmp_path):
    _, b, result = election(tmp_path, "--seats", 2, ballots="unit,marks\n101,P;Z\n301,P;P;Q;R\n302,P;;Q\n303,invalid\n")
    assert_clean_failure(
        result,
        f"{b}:2: unit 101: 'Z' is not a candidate",
        f"{b}:3: unit 301: candidate P is marked more than once",
        f"{b}:4: unit 302: marks 'P;;Q' contain an empty candidate id",
    )
    assert f"{b}:5" not in result.stderr


@pytest.mark.parametrize(
    ("ballots", "line"),
    [
        ("unit,marks\n101,P;Z\n", "2: unit 101: 'Z' is not a candidate"),
        ("unit,marks\n301,P\n302,P;P\n", "3: unit 302: candidate P is marked more than once"),
        ("unit,marks\n301,P;P;Q;R\n", "2: unit 301: candidate P is marked more than once"),
        ("unit,marks\n301,P;;Q\n", "2: unit 301: marks 'P;;Q' contain an empty candidate id"),
        ("unit,marks\n999,P\n", "2: unit 999 is not in the register"),
        ("unit,marks\n301,P\nG-01,P\n", "3: unit G-01 does not count for voting"),
        ("unit,choice\n301,agree\n", "1: required column 'marks' is missing"),
        ("unit,marks\n301,P,Q\n", "2: expected 2 fields, found 3"),
        ("unit,marks\n101,P;Q\n301,Q\n103,P\n", "4: conflicting ballots for person A (units 101, 103): P;Q vs P"),
        ("unit,marks\n101,P\n102,invalid\n", "3: conflicting ballots for person A (units 101, 102): P vs invalid"),
        ("unit,marks\n101,\n102,P\n", "3: conflicting ballots for person A (units 101, 102): (no marks) vs P"),
    ],
)
def test_election_bad_ballots_exit_two_with_file_and_line(tmp_path, ballots, line):
    _, b, result = election(tmp_path, "--seats", 2, ballots=ballots)
    assert_clean_failure(result, f"{b}:{line}")


@pytest.mark.parametrize(
    ("candidates", "line"),
    [
        ("id,name\nP,张伟\nP,王芳\n", "3: candidate P already appears on line 2"),
        ("id,name\nP,张伟\nQ 1,王芳\n", f"3: candidate id 'Q 1' {BAD_ID}"),
        ("id,name\nP,张伟\ninvalid,王芳\n", f"3: candidate id 'invalid' {BAD_ID}"),
        ("id,name\nP,张伟\nQ,\n", "3: candidate Q: the name is empty"),
        ("id,name\n", "2: the file has a header but no candidates"),
        ("name\nP\n", "1: required column 'id' is missing"),
    ],
)  # fmt: skip
def test_election_bad_candidates_exit_two_with_file_and_line(tmp_path, candidates, line):
    c, _, result = election(tmp_path, "--seats", 1, candidates=candidates)
    assert_clean_failure(result, f"{c}:{line}")


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (["--seats", 0], "--seats: must be at least 1, not 0"),
        (["--seats", -1], "--seats: must be at least 1, not -1"),
        (["--seats", 4], "--seats: 4 is more than the 3 candidates in {c}"),
        (["--seats", 2, "--max-marks", 3], "--max-marks: must be between 1 and the seats (2), not 3"),
        (["--seats", 2, "--max-marks", 0], "--max-marks: must be between 1 and the seats (2), not 0"),
    ],
)
def test_election_seats_and_max_marks_out_of_range_exit_two(tmp_path, extra, line):
    c, _, result = election(tmp_path, *extra)
    assert_clean_failure(result, line.format(c=c))


def test_election_every_problem_of_every_file_reported_together(tmp_path):
    register = write(tmp_path, "R.csv", "unit,building,area,status,owners\n1,1,80.123,delivered,A\n")
    c = write(tmp_path, "C.csv", "id,name\nP,张伟\nP,王芳\n")
    b = write(tmp_path, "B.csv", "unit,marks\n1,P;P\n")
    result = run("--election", "--register", register, "--candidates", c, "--ballots", b, "--seats", 1)
    assert_clean_failure(
        result,
        f"{register}:2: unit 1: area '80.123' has more than two decimals",
        f"{c}:3: candidate P already appears on line 2",
        f"{b}:2: unit 1: candidate P is marked more than once",
    )


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--election", "--ballots", E1_BALLOTS, "--seats", 2], "--election needs --candidates"),
        (["--election", "--ballots", E1_BALLOTS, "--candidates", E1_CANDIDATES], "--election needs --seats"),
        (["--election", *E1_ARGS[2:], "--matter", "ordinary"], "--matter does not apply to --election"),
        (["--election", *E1_ARGS[2:], "--deemed-consent", "plain"], "--deemed-consent does not apply to --election"),
        (["--election", *E1_ARGS[2:], "--interested", "301"], "--interested does not apply to --election"),
        (["--ballots", E1_BALLOTS, "--candidates", E1_CANDIDATES], "--candidates only applies with --election"),
        (["--ballots", E1_BALLOTS, "--seats", 2], "--seats only applies with --election"),
        (["--ballots", E1_BALLOTS, "--max-marks", 2], "--max-marks only applies with --election"),
        (["--election", *E1_ARGS[2:-1], "two"], "'two' is not a valid integer"),
    ],
)
def test_election_flag_usage_errors_exit_two(args, text):
    assert_usage_error(run("--register", GARDEN, *args), text)
