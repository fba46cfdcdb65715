"""``govern tally`` (the click command, without Flask): good input, every kind of bad input, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.rules_cli import tally

DATA = Path(__file__).parent / "data"
GARDEN = str(DATA / "test_garden_register.csv")
KEYS = [
    "matter",
    "invalid_policy",
    "totals",
    "participation",
    "agree",
    "oppose",
    "abstain",
    "invalid",
    "adopted",
    "reasons",
]


def run(*args):
    return CliRunner().invoke(tally, [str(a) for a in args])


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def assert_clean_failure(result, *lines):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    for line in lines:
        assert line in result.stderr.splitlines(), result.stderr


@pytest.mark.parametrize(
    ("vector", "matter", "adopted", "reasons"),
    [
        ("v1", "ordinary", True, []),
        ("v1", "major", False, ["THRESHOLD_AREA", "THRESHOLD_COUNT"]),
        ("v2", "ordinary", False, ["QUORUM_COUNT"]),
        ("v3", "ordinary", False, ["QUORUM_AREA"]),
        ("v4", "ordinary", False, ["THRESHOLD_COUNT"]),
        ("v5", "major", True, []),
    ],
)
def test_tally_cli_garden_vectors_exit_zero_with_result(vector, matter, adopted, reasons):
    result = run("--register", GARDEN, "--ballots", DATA / f"{vector}_ballots.csv", "--matter", matter)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert list(out) == KEYS
    assert out["adopted"] is adopted and out["reasons"] == reasons
    assert out["totals"] == {"area": "2000.00", "persons": 15}


def test_tally_cli_v1_exact_json_output():
    result = run("--register", GARDEN, "--ballots", DATA / "v1_ballots.csv")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "matter": "ordinary",
        "invalid_policy": "as-abstain",
        "totals": {"area": "2000.00", "persons": 15},
        "participation": {"area": "1500.00", "persons": 10, "quorum_met": True},
        "agree": {"area": "800.00", "persons": 6},
        "oppose": {"area": "400.00", "persons": 1},
        "abstain": {"area": "300.00", "persons": 3},
        "invalid": {"area": "0.00", "persons": 0},
        "adopted": True,
        "reasons": [],
    }
    assert result.stdout.startswith('{\n  "matter"')  # indent 2


@pytest.mark.parametrize(("ballots", "quorum"), [("v6_xy_ballots.csv", False), ("v6_xz_ballots.csv", True)])
def test_tally_cli_v6_quorum_by_one_hundredth(ballots, quorum):
    result = run("--register", DATA / "v6_register.csv", "--ballots", DATA / ballots)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["participation"]["quorum_met"] is quorum


def test_tally_cli_invalid_policy_excluded_printed_and_applied(tmp_path):
    ballots = write(
        tmp_path, "b.csv", "unit,choice\n" + "".join(f"3{i:02d},agree\n" for i in range(1, 11)) + "101,invalid\n"
    )
    out = json.loads(run("--register", GARDEN, "--ballots", ballots, "--invalid-policy", "excluded").stdout)
    assert out["invalid_policy"] == "excluded"
    assert out["invalid"] == {"area": "300.00", "persons": 1}
    assert out["participation"]["persons"] == 10


def test_tally_cli_building_scope_own_totals(tmp_path):
    rows = "unit,choice\n" + "".join(f"3{i:02d},agree\n" for i in range(1, 10))
    only_3 = json.loads(
        run("--register", GARDEN, "--ballots", write(tmp_path, "a.csv", rows), "--buildings", "3, 5").stdout
    )
    assert only_3["totals"] == {"area": "1600.00", "persons": 13}
    assert only_3["reasons"] == ["QUORUM_AREA"]  # 3*900.00 < 2*1600.00 while 3*9 >= 2*13
    with_dev = json.loads(
        run(
            "--register", GARDEN, "--ballots", write(tmp_path, "b.csv", rows + "504,agree\n"), "--buildings", "3,5"
        ).stdout
    )
    assert with_dev["agree"] == {"area": "1300.00", "persons": 10}
    assert with_dev["adopted"] is True


def test_tally_cli_multi_unit_owner_same_choice_counts_once(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,choice\n101,agree\n102,agree\n103,agree\n")
    out = json.loads(run("--register", GARDEN, "--ballots", ballots).stdout)
    assert out["agree"] == {"area": "300.00", "persons": 1}


def test_tally_cli_bom_and_crlf_accepted(tmp_path):
    ballots = write(tmp_path, "b.csv", "\ufeffunit,choice\r\n101,agree\r\n\r\n")
    assert run("--register", GARDEN, "--ballots", ballots).exit_code == 0


def test_tally_cli_overlapping_owners_warned_on_stderr(tmp_path):
    register = write(tmp_path, "r.csv", "unit,building,area,status,owners\n1,1,80,delivered,A\n2,1,80,delivered,A;S\n")
    ballots = write(tmp_path, "b.csv", "unit,choice\n1,agree\n2,agree\n")
    result = run("--register", register, "--ballots", ballots)
    assert result.exit_code == 0
    assert "warning: owner A belongs to distinct persons A, A+S" in result.stderr
    assert json.loads(result.stdout)["agree"]["persons"] == 2


def test_tally_cli_conflicting_ballots_exit_two_names_person_and_units(tmp_path):
    ballots = write(
        tmp_path, "BALLOTS.csv", "unit,choice\n301,agree\n302,agree\n303,agree\n304,agree\n101,agree\n102,oppose\n"
    )
    result = run("--register", GARDEN, "--ballots", ballots)
    assert_clean_failure(result, f"{ballots}:7: conflicting ballots for person A (units 101, 102): agree vs oppose")


def test_tally_cli_unknown_unit_and_choice_each_reported(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,choice\n999,agree\n301,yes\n302,agree\n")
    result = run("--register", GARDEN, "--ballots", ballots)
    assert_clean_failure(
        result,
        f"{ballots}:2: unit 999 is not in the register",
        f"{ballots}:3: unit 301: choice 'yes' is not one of agree, oppose, abstain, invalid",
    )


def test_tally_cli_ballot_outside_building_scope_exit_two(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,choice\n301,agree\n101,agree\n")
    result = run("--register", GARDEN, "--ballots", ballots, "--buildings", "3")
    assert_clean_failure(result, f"{ballots}:3: unit 101 (building 1) is outside the scope of this vote")


def test_tally_cli_non_counting_unit_ballot_exit_two(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,choice\nG-01,agree\n")
    assert_clean_failure(
        run("--register", GARDEN, "--ballots", ballots), f"{ballots}:2: unit G-01 does not count for voting"
    )


def test_tally_cli_bad_register_every_line_reported(tmp_path):
    register = write(
        tmp_path,
        "REG.csv",
        "unit,building,area,status,owners\n1,1,80.123,delivered,A\n"
        "2,1,80,delivered,B\n2,1,80,delivered,B\n3,1,80,unknown,C\n4,1,80,delivered,\n",
    )
    ballots = write(tmp_path, "b.csv", "unit,choice\n1,agree\n")
    result = run("--register", register, "--ballots", ballots)
    assert_clean_failure(
        result,
        f"{register}:2: unit 1: area '80.123' has more than two decimals",
        f"{register}:4: unit 2 already appears on line 3",
        f"{register}:5: unit 3: status 'unknown' is not one of delivered, unsold, sold_undelivered",
        f"{register}:6: unit 4: a delivered unit needs at least one owner",
    )
    # the ballot for the bad unit 1 is not reported as unknown: the register is not clean
    assert "b.csv" not in result.stderr


def test_tally_cli_register_missing_column_exit_two(tmp_path):
    register = write(tmp_path, "r.csv", "unit,area,status,owners\n1,80,delivered,A\n")
    result = run("--register", register, "--ballots", DATA / "v1_ballots.csv")
    assert_clean_failure(result, f"{register}:1: required column 'building' is missing")


def test_tally_cli_missing_file_exit_two_no_traceback(tmp_path):
    missing = str(tmp_path / "nope.csv")
    result = run("--register", missing, "--ballots", DATA / "v1_ballots.csv")
    assert_clean_failure(result, f"{missing}: cannot read file: No such file or directory")


def test_tally_cli_directory_as_file_exit_two(tmp_path):
    result = run("--register", GARDEN, "--ballots", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path}: cannot read file:")


def test_tally_cli_non_utf8_file_exit_two_names_line(tmp_path):
    ballots = write(tmp_path, "gbk.csv", "unit,choice\n301,同意\n", encoding="gbk")
    result = run("--register", GARDEN, "--ballots", ballots)
    assert_clean_failure(result)
    assert result.stderr.startswith(f"{ballots}:2: the file is not valid UTF-8")


def test_tally_cli_empty_files_exit_two(tmp_path):
    register = write(tmp_path, "r.csv", "")
    ballots = write(tmp_path, "b.csv", "")
    result = run("--register", register, "--ballots", ballots)
    assert_clean_failure(
        result, f"{register}:1: the file is empty (no header line)", f"{ballots}:1: the file is empty (no header line)"
    )


def test_tally_cli_zero_ballots_result_not_adopted_exit_zero(tmp_path):
    ballots = write(tmp_path, "b.csv", "unit,choice\n")
    result = run("--register", GARDEN, "--ballots", ballots)
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["adopted"] is False
    assert out["reasons"] == ["QUORUM_AREA", "QUORUM_COUNT", "THRESHOLD_AREA", "THRESHOLD_COUNT"]


def test_tally_cli_unknown_building_exit_two():
    result = run("--register", GARDEN, "--ballots", DATA / "v1_ballots.csv", "--buildings", "3,99")
    assert_clean_failure(result, f"--buildings: building 99 is not in {GARDEN}")


@pytest.mark.parametrize(
    "args",
    [
        ["--matter", "unanimous_interested"],
        ["--matter", "weird"],
        ["--invalid-policy", "ignore"],
        ["--buildings", ""],
        ["--buildings", "3,,5"],
        ["--no-such-flag"],
    ],
)
def test_tally_cli_bad_flag_usage_error_exit_two(args):
    result = run("--register", GARDEN, "--ballots", DATA / "v1_ballots.csv", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Error" in result.stderr


def test_tally_cli_missing_required_option_exit_two():
    result = run("--register", GARDEN)
    assert result.exit_code == 2
    assert "--ballots" in result.stderr
