"""``govern verify``: exit codes 0 / 1 / 2, JSON on stdout, one line per problem on stderr."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from govern.verify_cli import verify
from tests.core.recordfactory import edit_ledger, standard_record


@pytest.fixture(scope="module")
def record() -> bytes:
    return standard_record()


def run(path) -> object:
    return CliRunner().invoke(verify, [str(path)])


def test_verify_cli_valid_record_exit_0_summary(tmp_path, record):
    path = tmp_path / "meeting-345.zip"
    path.write_bytes(record)
    result = run(path)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["valid"] is True and summary["meeting"] == "345" and summary["edition"] == "auditor"
    assert summary["interim"] is False and summary["ballots"] == 5
    assert [(m["id"], m["adopted"]) for m in summary["motions"]] == [("1", True), ("2", False)]
    assert summary["motions"][1]["reasons"] == ["THRESHOLD_AREA", "THRESHOLD_COUNT"]
    assert "title" in summary["motions"][0]
    assert result.stderr == ""


def test_verify_cli_tampered_record_exit_1_every_problem(tmp_path, record):
    def edit(lines):
        lines[0]["ballot"]["choices"]["1"] = "oppose"
        lines[1]["ballot"]["choices"]["1"] = "agree"

    path = tmp_path / "bad.zip"
    path.write_bytes(edit_ledger(record, edit))
    result = run(path)
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["valid"] is False
    entries = {(p["entry"], p["code"]) for p in out["problems"]}
    assert {(1, "bad_signature"), (2, "bad_signature")} <= entries
    assert len(result.stderr.strip().splitlines()) == len(out["problems"])
    assert "ledger.jsonl entry 1: bad_signature" in result.stderr


@pytest.mark.parametrize("content", [None, b"not a zip", b""])
def test_verify_cli_not_a_record_exit_2_one_line(tmp_path, content):
    path = tmp_path / "x.zip"
    if content is not None:
        path.write_bytes(content)
    result = run(path)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output and "not a govern record" in result.stderr


def test_verify_cli_directory_exit_2(tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 2


def test_verify_cli_pinned_server_key_other_signer_exit_1(tmp_path, record):
    from tests.core.recordfactory import SERVER_PUB, pub

    path = tmp_path / "r.zip"
    path.write_bytes(record)
    assert CliRunner().invoke(verify, [str(path), "--server-key", SERVER_PUB]).exit_code == 0
    result = CliRunner().invoke(verify, [str(path), "--server-key", pub("someone-else")])
    assert result.exit_code == 1 and "server_key_mismatch" in result.stderr
