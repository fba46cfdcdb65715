"""Records exported from the database verify (auditor and public editions, interim and final), and the
CLI commands answer with the documented exit codes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from govern.core.archive import read_record
from govern.core.verify import verify_record
from govern.verify_cli import verify as verify_cmd
from tests.ballots.helpers import OPENS, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def voted(world, client):
    """A: electronic; B1: electronic; C: paper entered by member, attested by chair; closed, countersigned."""
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    world.name_scrutineer(mid, "C")
    for name, choice in (("A", "agree"), ("B1", "oppose")):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, choice)).status_code == 201
    info = world.info(client, mid)
    m1, m2 = (m["id"] for m in info["motions"])
    resp = world.enter_paper(client, mid, world.person_of(mid, "C"), {m1: "agree", m2: "invalid"},
                             reasons={m2: "两个选项都打了勾"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert world.attest(client, world.latest_paper_id()).status_code == 303
    world.close()
    world.countersign(client, mid)
    world.countersign(client, mid, "member")  # two members of the convening body ...
    world.countersign(client, mid, "C")  # ... and a scrutineer: the result is final
    return mid


def test_final_auditor_record_verifies_with_counts_apart(world, client, voted):
    for r in world.results(client, voted):
        assert world.certify(client, voted, r).status_code == 201
    data = world.export(client, voted)
    report = verify_record(data, workers=1)
    assert report.valid, [str(p) for p in report.problems]
    assert not report.interim and report.edition == "auditor"
    assert report.ballots == 3 and report.counted_by_kind == {"electronic": 2, "paper": 1}
    chair, member, scrutineer, auditor = (str(world.users[n]) for n in ("chair", "member", "C", "auditor"))
    for m in report.motions:
        assert sorted(m["countersigned_by"]) == sorted([chair, member, scrutineer])
        assert m["certified_by"] == [auditor]
    ledger = [json.loads(x) for x in read_record(data)["ledger.jsonl"].splitlines()]
    assert [e["kind"] for e in ledger] == ["electronic", "electronic", "paper"]
    result = json.loads(read_record(data)["result.json"])
    for item in result["motions"]:  # the counts by kind are inside the signed result document
        assert item["result"]["ballots"] == {"electronic": 2, "paper": 1, "proxy": 0}


def test_public_edition_verifies_and_names_no_one(world, client, voted):
    data = world.export(client, voted, "public", name="chair")
    report = verify_record(data, workers=1)
    assert report.valid and report.edition == "public" and report.unchecked
    text = b"".join(read_record(data).values()).decode("utf-8", "replace")
    for secret in ("张三", "李四", "赵六", '"unit"', '"owners"', '"B1"', '"identity"'):
        assert secret not in text  # no owner names, refs or units: only pseudonyms, areas and account ids


def test_no_record_with_a_choice_while_voting_is_open(world, client):
    """No running tally: no edition that holds a choice is given out before the preliminary result, to anybody;
    a v2 meeting's public edition holds none (tests/record/test_public_edition_while_voting.py)."""
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    for name in ("auditor", "chair"):
        resp = client.get(f"/api/v1/meetings/{mid}/record?edition=auditor", headers=world.headers(name))
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voting_open"
        assert b"agree" not in resp.data
    for name in ("chair", "A"):
        resp = client.get(f"/api/v1/meetings/{mid}/record?edition=public", headers=world.headers(name))
        assert resp.status_code == 200 and b'"agree"' not in b"".join(read_record(resp.data).values())


def test_interim_record_from_the_command_line(app, world, client, tmp_path):
    """`govern export-record` (an operator's command) still builds the interim record: it verifies, no result."""
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    with app.app_context():
        from govern.record.export import export_record

        data = export_record(world.meeting(mid))
    report = verify_record(data, workers=1)
    assert report.valid and report.interim
    assert "result.json" not in read_record(data)


def test_cli_export_then_verify_exit_codes(app, world, client, voted, tmp_path):
    out = tmp_path / "record.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-record", str(voted), str(out)])
    assert result.exit_code == 0, result.output
    from click.testing import CliRunner

    plain = CliRunner()  # no app, no database
    assert plain.invoke(verify_cmd, [str(out), "--workers", "1"]).exit_code == 0
    out_public = tmp_path / "public.zip"
    assert runner.invoke(args=["export-record", str(voted), str(out_public), "--edition", "public"]).exit_code == 0
    ok = plain.invoke(verify_cmd, [str(out_public), "--workers", "1"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["edition"] == "public"
    bad = tmp_path / "bad.zip"
    bad.write_bytes(out.read_bytes()[:-40])
    assert plain.invoke(verify_cmd, [str(bad)]).exit_code == 2
    assert runner.invoke(args=["export-record", "999", str(tmp_path / "x.zip")]).exit_code == 2
