"""Ballots, delegations and results bind the agenda (#12 items 6 and 7): ``govern.ballot.v2``,
``govern.delegation.v2``, ``govern.result.v2`` and ``govern.record.v2`` for meetings whose notice bound an agenda;
meetings published before keep v1 ballots and v1 records, verified by v1 rules."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.core.agenda import agenda_hash
from govern.core.archive import read_record, write_record
from govern.core.canonical import canonical_bytes
from govern.core.keys import sign
from govern.extensions import db
from govern.verify_cli import verify
from tests.ballots.helpers import OPENS, RecordWorld, codes

MOTIONS = (("Hire a company", "ordinary"), ("Raise the fund", "ordinary"))


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _open(world) -> int:
    mid = world.make_meeting(motions=MOTIONS)
    world.clock.set(OPENS + timedelta(hours=1))
    return mid


def _as_published_before_the_upgrade(app, mid: int) -> None:
    """A meeting published before agendas were bound: no agenda, no agenda hash (``record_version`` 1)."""
    with app.app_context():
        from govern.ballots.models import Meeting

        m = db.session.get(Meeting, mid)
        m.agenda, m.agenda_hash = None, None
        db.session.commit()


def _error(resp) -> str:
    return resp.get_json()["error"]["code"]


def test_a_v2_meeting_takes_v2_ballots_only(app, world, client):
    mid = _open(world)
    info = world.info(client, mid)
    assert len(info["agenda_hash"]) == 64
    v1 = world.ballot(client, mid, "A", agenda_hash=None)
    assert v1["ballot"]["type"] == "govern.ballot.v1"
    resp = world.cast(client, mid, "A", v1)
    assert resp.status_code == 400 and _error(resp) == "bad_request"
    other = world.ballot(client, mid, "A", agenda_hash="0" * 64)
    assert other["ballot"]["type"] == "govern.ballot.v2"
    resp = world.cast(client, mid, "A", other)
    assert resp.status_code == 400 and _error(resp) == "wrong_agenda"
    good = world.ballot(client, mid, "A")
    assert good["ballot"]["type"] == "govern.ballot.v2" and good["ballot"]["agenda_hash"] == info["agenda_hash"]
    assert world.cast(client, mid, "A", good).status_code == 201


def test_delegations_bind_the_agenda(app, world, client):
    mid = _open(world)
    body = world.delegation_body(mid, "C", "member")
    assert body["delegation"]["type"] == "govern.delegation.v2"
    stale = dict(body["delegation"], agenda_hash="1" * 64)
    body_stale = {"delegation": stale, "signature": sign(world.keys["C"], stale), "key_id": world.key_ids["C"]}
    resp = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"), json=body_stale)
    assert resp.status_code == 400 and _error(resp) == "wrong_agenda"
    v1 = {k: v for k, v in body["delegation"].items() if k != "agenda_hash"} | {"type": "govern.delegation.v1"}
    resp = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"),
                       json={"delegation": v1, "signature": sign(world.keys["C"], v1), "key_id": world.key_ids["C"]})
    assert resp.status_code == 400 and _error(resp) == "bad_request"
    assert world.delegate(client, mid, "C", "member").status_code == 201


def _closed_v2(world, client) -> int:
    mid = _open(world)
    for name, choice in (("A", "agree"), ("B1", "oppose"), ("C", "agree")):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, choice)).status_code == 201
    world.close()
    return mid


def test_the_v2_record_and_its_results(app, world, client):
    mid = _closed_v2(world, client)
    data = world.export(client, mid)
    files = read_record(data)
    manifest = json.loads(files["manifest.json"])
    meeting = json.loads(files["meeting.json"])
    assert manifest["format"] == "govern.record.v2" and manifest["stage"] == "preliminary"
    results = json.loads(files["result.json"])["motions"]
    for item, motion in zip(results, meeting["agenda"]["motions"], strict=True):
        res = item["result"]
        assert res["type"] == "govern.result.v2" and res["stage"] == "preliminary"
        assert res["agenda_hash"] == meeting["agenda_hash"]
        assert (res["motion"], res["motion_title"]) == (motion["id"], motion["title"])
    ledger = [json.loads(line) for line in files["ledger.jsonl"].splitlines()]
    assert {e["ballot"]["type"] for e in ledger} == {"govern.ballot.v2"}
    assert codes(data) == set()


def _forge(app, data: bytes, edit) -> bytes:
    """What an operator holding the server key can do: edit meeting.json and result.json, re-sign the results and
    the manifest."""
    from govern.meetings.serverkey import server_private_key

    files = read_record(data)
    manifest = json.loads(files["manifest.json"])
    meeting = json.loads(files["meeting.json"])
    result = json.loads(files["result.json"])
    edit(meeting, result)
    with app.app_context():
        key = server_private_key()
        for item in result["motions"]:
            item["server_signature"] = sign(key, item["result"])
        body = {n: d for n, d in files.items() if n not in ("manifest.json", "manifest.sig")}
        body["meeting.json"] = canonical_bytes(meeting)
        body["result.json"] = canonical_bytes(result)
        return write_record(body, server_private=key, community=manifest["community"], meeting=manifest["meeting"],
                            edition=manifest["edition"], interim=manifest["interim"], stage=manifest["stage"],
                            version=2, created_at=world_time(manifest))


def world_time(manifest):
    from govern.core.ballot import parse_time

    return parse_time(manifest["created_at"])


def _swap_titles(meeting, result, *, results_too=True):
    """Swap the two motions' titles in meeting.json and its agenda, and recompute the agenda hash."""
    a, b = meeting["motions"]
    a["title"], b["title"] = b["title"], a["title"]
    x, y = meeting["agenda"]["motions"]
    x["title"], y["title"] = y["title"], x["title"]
    meeting["agenda_hash"] = agenda_hash(meeting["agenda"])
    if results_too:
        titles = {m["id"]: m["title"] for m in meeting["motions"]}
        for item in result["motions"]:
            item["result"]["motion_title"] = titles[item["result"]["motion"]]
            item["result"]["agenda_hash"] = meeting["agenda_hash"]
            item["countersignatures"], item["certifications"] = [], []


def test_swapping_two_motion_titles_fails_verify_even_with_the_server_key(app, world, client, tmp_path):
    """Each ballot signed the agenda hash: rewriting the agenda, its hash and the results together is seen."""
    mid = _closed_v2(world, client)
    forged = _forge(app, world.export(client, mid), _swap_titles)
    found = codes(forged)
    assert "wrong_agenda" in found
    assert not {"agenda_hash_mismatch", "agenda_mismatch", "result_signature_invalid",
                "manifest_signature_invalid"} & found  # the forgery is otherwise consistent
    path = tmp_path / "forged.zip"
    path.write_bytes(forged)
    assert CliRunner().invoke(verify, [str(path)]).exit_code == 1


def test_results_on_the_wrong_motion_fail_verify(app, world, client):
    """Titles swapped in the results only (the agenda untouched): each result names another motion's title."""
    mid = _closed_v2(world, client)

    def swap_results(meeting, result):
        r1, r2 = (item["result"] for item in result["motions"])
        r1["motion_title"], r2["motion_title"] = r2["motion_title"], r1["motion_title"]

    found = codes(_forge(app, world.export(client, mid), swap_results))
    assert "agenda_mismatch" in found


def test_a_v1_meeting_keeps_v1_ballots_and_a_v1_record(app, world, client):
    mid = world.make_meeting(motions=MOTIONS)
    _as_published_before_the_upgrade(app, mid)
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.info(client, mid)["agenda_hash"] is None
    v2 = world.ballot(client, mid, "A", agenda_hash="0" * 64)
    resp = world.cast(client, mid, "A", v2)
    assert resp.status_code == 400 and _error(resp) == "bad_request"
    for name, choice in (("A", "agree"), ("B1", "oppose")):
        body = world.ballot(client, mid, name, choice)
        assert body["ballot"]["type"] == "govern.ballot.v1"
        assert world.cast(client, mid, name, body).status_code == 201
    assert world.delegation_body(mid, "C", "member")["delegation"]["type"] == "govern.delegation.v1"
    assert world.delegate(client, mid, "C", "member").status_code == 201
    world.close()
    data = world.export(client, mid)
    files = read_record(data)
    assert json.loads(files["manifest.json"])["format"] == "govern.record.v1"
    meeting = json.loads(files["meeting.json"])
    assert "agenda" not in meeting and "agenda_hash" not in meeting
    results = json.loads(files["result.json"])["motions"]
    assert {item["result"]["type"] for item in results} == {"govern.result.v1"}
    assert all("stage" not in item["result"] for item in results)
    assert codes(data) == set()


def test_a_v2_result_in_a_v1_record_is_refused(app, world, client):
    """The verifier accepts exactly v1's result shape in a v1 record."""
    from govern.meetings.serverkey import server_private_key

    mid = world.make_meeting(motions=MOTIONS)
    _as_published_before_the_upgrade(app, mid)
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    world.close()
    data = world.export(client, mid)
    files = read_record(data)
    manifest = json.loads(files["manifest.json"])
    result = json.loads(files["result.json"])
    with app.app_context():
        key = server_private_key()
        for item in result["motions"]:
            item["result"] = {**item["result"], "type": "govern.result.v2", "stage": "preliminary",
                              "agenda_hash": "0" * 64}
            item["server_signature"] = sign(key, item["result"])
            item["countersignatures"], item["certifications"] = [], []
        body = {n: d for n, d in files.items() if n not in ("manifest.json", "manifest.sig")}
        body["result.json"] = canonical_bytes(result)
        forged = write_record(body, server_private=key, community=manifest["community"],
                              meeting=manifest["meeting"], edition=manifest["edition"], interim=manifest["interim"],
                              stage=manifest.get("stage"), created_at=world_time(manifest))
    assert "bad_file" in codes(forged)


def test_worked_example_of_docs_ballot_format_v2():
    """The govern.ballot.v2 example in docs/ballot-format.md, with its hash and signature."""
    from govern.core.ballot import ballot_hash, validate_ballot_shape
    from govern.core.keys import private_key_from_bytes, public_key_b64

    ballot = {"type": "govern.ballot.v2", "community": "12", "meeting": "345",
              "roll_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
              "voter": "p-3f9a2c71d04e5b6a7c8d", "choices": {"7": "agree"}, "issued_at": "2025-03-21T08:00:00.000Z",
              "nonce": "AAECAwQFBgcICQoLDA0ODw",
              "agenda_hash": "7d2ca651701044256662bfd5e624948d1fee50b93394f50190f4f4ee5c5876fb"}
    assert validate_ballot_shape(ballot, version=2) == []
    assert validate_ballot_shape(ballot, version=1) != []
    text = (Path(__file__).resolve().parents[2] / "docs" / "ballot-format.md").read_text(encoding="utf-8")
    assert canonical_bytes(ballot).decode("utf-8") in text
    assert ballot_hash(ballot) == "38fbc2531fa265bc6d4f0a97e963cc38d55eaa16c849770c32370cedb32b9e27"
    assert ballot_hash(ballot) in text
    key = private_key_from_bytes(bytes(range(1, 33)))
    assert public_key_b64(key) == "ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ"
    assert sign(key, ballot) == "N-rJz1e7X0jp87-n6WpS3W_QiDfr-8r-GoRxj_3ON0LGHtKVcnFKocQGo0-m2xGfHTZPRviSDAyoCIx8ZHJIDA"
    assert sign(key, ballot) in text


def test_the_demo_assemblies_are_v2_and_verify(app, runner, tmp_path):
    """`govern demo` publishes its assemblies (the two of the first wave and the election's) with an agenda and
    casts v2 ballots: every record is v2 and verifies."""
    from sqlalchemy import select

    from govern.ballots.models import Meeting
    from govern.core.verify import verify_record

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        ids = db.session.scalars(select(Meeting.id).order_by(Meeting.id)).all()
    assert len(ids) == 4  # the fourth: 初心家园's first assembly (#14)
    for mid in ids:
        out = tmp_path / f"record-{mid}.zip"
        assert runner.invoke(args=["export-record", str(mid), str(out)]).exit_code == 0
        files = read_record(out.read_bytes())
        assert json.loads(files["manifest.json"])["format"] == "govern.record.v2"
        entries = [json.loads(line) for line in files["ledger.jsonl"].splitlines()]
        assert entries and {e["ballot"]["type"] for e in entries if e["kind"] == "electronic"} == {"govern.ballot.v2"}
        report = verify_record(out.read_bytes(), workers=1)
        assert report.valid, report.problems[:5]
        assert CliRunner().invoke(verify, [str(out)]).exit_code == 0
