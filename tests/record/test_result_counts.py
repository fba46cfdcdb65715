"""Counts by kind inside the signed result (issue #6): electronic, proxy and paper ballots are counted
together and reported apart, per motion, in the ``govern.result.v1`` document that the server signs and
the committee countersigns; ``govern verify`` recomputes them from the ledger."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from datetime import timedelta

import pytest
from click.testing import CliRunner

from govern.core.archive import FORMATS, read_record, write_record
from govern.core.ballot import build_ballot, new_nonce, parse_time
from govern.core.canonical import canonical_bytes
from govern.core.keys import sign, verify
from govern.core.verify import verify_record
from govern.extensions import db
from govern.verify_cli import verify as verify_cmd
from tests.ballots.helpers import OPENS, RecordWorld
from tests.core.recordfactory import SERVER, RecordFactory
from tests.minutes.helpers import has_poppler, pdftotext


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _proxy_ballot(world, client, mid, principal, proxy, choice):
    info = world.info(client, mid)
    b = build_ballot(community=info["community"], meeting=str(mid), roll_hash=info["roll_hash"],
                     voter=world.person_of(mid, principal), choices={m["id"]: choice for m in info["motions"]},
                     issued_at=world.clock.moment, nonce=new_nonce(os.urandom), agenda_hash=info.get("agenda_hash"))
    return {"ballot": b, "signature": sign(world.keys[proxy], b), "key_id": world.key_ids[proxy]}


@pytest.fixture
def mixed(world, client):
    """Two motions. A votes electronically; B1 and C name "member" as proxy, who votes for both; then C's
    own paper ballot (entered by member, attested by chair) marks motion 1 invalid and leaves motion 2
    unmarked, superseding the proxy ballot. Closed and countersigned by the chair.

    Counted: motion 1 — A electronic, B1 proxy, C paper; motion 2 — A electronic, B1 proxy (C takes no part).
    """
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    m1, m2 = (m["id"] for m in world.info(client, mid)["motions"])
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    for principal, choice in (("B1", "oppose"), ("C", "agree")):
        resp = world.delegate(client, mid, principal, "member")
        assert resp.status_code == 201, resp.get_json()
        assert world.accept(client, resp.get_json()["id"], "member").status_code == 200
        resp = world.cast(client, mid, "member", _proxy_ballot(world, client, mid, principal, "member", choice))
        assert resp.status_code == 201, resp.get_json()
    resp = world.enter_paper(client, mid, world.person_of(mid, "C"), {m1: "invalid"}, reasons={m1: "两个选项都打了勾"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert world.attest(client, world.latest_paper_id()).status_code == 303
    world.close()
    world.countersign(client, mid)
    return mid, m1, m2


EXPECTED_M1 = {"electronic": 1, "paper": 1, "proxy": 1}
EXPECTED_M2 = {"electronic": 1, "paper": 0, "proxy": 1}


def _persons_on(tally: dict) -> int:
    return sum(tally[k]["persons"] for k in ("agree", "oppose", "abstain", "invalid"))


def test_signed_result_carries_counts_by_kind_per_motion(app, world, client, mixed):
    from govern.ballots.models import Countersignature

    mid, m1, m2 = mixed
    results = {r["motion"]: r for r in world.results(client, mid)}
    assert set(results) == {m1, m2}
    assert results[m1]["document"]["ballots"] == EXPECTED_M1
    assert results[m2]["document"]["ballots"] == EXPECTED_M2
    for r in results.values():
        doc = r["document"]
        # the kinds are disjoint: together they are the persons marking the motion (invalid marks included)
        assert sum(doc["ballots"].values()) == _persons_on(doc["result"])
        # the server's signature and the chair's countersignature cover the counts
        assert verify(r["server_public_key"], doc, r["server_signature"])
        one_more_paper = {**doc["ballots"], "paper": doc["ballots"]["paper"] + 1}
        assert not verify(r["server_public_key"], {**doc, "ballots": one_more_paper}, r["server_signature"])
    assert results[m1]["document"]["result"]["invalid"]["persons"] == 1
    with app.app_context():
        rows = db.session.query(Countersignature).all()
        assert len(rows) == 2
        for c in rows:
            assert verify(c.key_id, results[str(c.result.motion_id)]["document"], c.signature)


def test_exported_record_verifies_and_reports_counts_per_motion(world, client, mixed):
    mid, m1, m2 = mixed
    report = verify_record(world.export(client, mid), workers=1)
    assert report.valid, [str(p) for p in report.problems]
    by_id = {m["id"]: m for m in report.motions}
    assert by_id[m1]["ballots"] == EXPECTED_M1 and by_id[m2]["ballots"] == EXPECTED_M2
    assert by_id[m1]["countersigned_by"] == [str(world.users["chair"])]
    # the meeting-wide figure counts every counted ballot once, proxies among the electronic ones
    assert report.counted_by_kind == {"electronic": 2, "paper": 1}


def _tamper_counts(data: bytes, motion: str, counts: dict, *, server_private=None) -> bytes:
    """Change one motion's signed counts in result.json. With ``server_private``, a lying server re-signs the
    result and the manifest (countersignatures dropped): only the recount can catch it."""
    files = read_record(data)
    manifest = json.loads(files["manifest.json"])
    results = json.loads(files["result.json"])
    for item in results["motions"]:
        if item["result"]["motion"] == motion:
            item["result"]["ballots"] = counts
            if server_private is not None:
                item["server_signature"] = sign(server_private, item["result"])
                item["countersignatures"] = []
    files["result.json"] = canonical_bytes(results)
    if server_private is None:  # edited in place: the manifest's hash of result.json no longer matches either
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for name, content in files.items():
                zf.writestr(name, content)
        return out.getvalue()
    body = {n: d for n, d in files.items() if n not in ("manifest.json", "manifest.sig")}
    return write_record(body, server_private=server_private, community=manifest["community"],
                        meeting=manifest["meeting"], edition=manifest["edition"], interim=False,
                        created_at=parse_time(manifest["created_at"]), stage=manifest.get("stage"),
                        version=FORMATS[manifest["format"]])


def _run_verify(tmp_path, data: bytes):
    path = tmp_path / "record.zip"
    path.write_bytes(data)
    return CliRunner().invoke(verify_cmd, [str(path), "--workers", "1"])


def test_tampered_count_in_record_file_fails_verify_naming_the_motion(app, world, client, mixed, tmp_path):
    mid, m1, m2 = mixed
    data = world.export(client, mid)
    assert _run_verify(tmp_path, data).exit_code == 0
    # one paper ballot moved to the electronic column on motion 2, total unchanged
    forged = {"electronic": 0, "paper": 1, "proxy": 1}
    result = _run_verify(tmp_path, _tamper_counts(data, m2, forged))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "result_counts_mismatch" in line]
    assert len(lines) == 1 and f"motion {m2}:" in lines[0], result.stderr
    assert "electronic 0, paper 1, proxy 1" in lines[0] and "electronic 1, paper 0, proxy 1" in lines[0]
    assert "result_signature_invalid" in result.stderr  # the server never signed these counts

    with app.app_context():
        from govern.meetings.serverkey import server_private_key

        lying = _tamper_counts(data, m2, forged, server_private=server_private_key())
    result = _run_verify(tmp_path, lying)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    # the recount catches the forged counts (the re-built manifest keeps the preliminary stage, so the
    # countersignature rule does not apply yet)
    counts = [p for p in report["problems"] if p["code"] == "result_counts_mismatch"]
    assert [(p["file"], p["message"].startswith(f"motion {m2}:")) for p in counts] == [("result.json", True)]
    assert {p["code"] for p in report["problems"]} == {"result_counts_mismatch"}


def _resigned(edit) -> bytes:
    f = RecordFactory().standard()
    results = f.results(countersigners=(), auditors=())
    edit(results[0]["result"])
    results[0]["server_signature"] = sign(SERVER, results[0]["result"])
    return f.build(results=results)


def test_core_result_counts_are_required_and_exact():
    f = RecordFactory().standard()
    results = f.results()
    # the standard scenario: p-a, p-b, p-e electronic; p-c by proxy; p-d on paper (invalid on motion 2)
    assert [r["result"]["ballots"] for r in results] == [{"electronic": 3, "paper": 1, "proxy": 1}] * 2
    assert verify_record(f.build(results=results)).valid

    def drop(res):
        del res["ballots"]

    report = verify_record(_resigned(drop))
    assert [(p.code, p.message) for p in report.problems] == [
        ("result_counts_mismatch", "motion 1: the signed result carries no counts by kind")]

    def as_bool(res):
        res["ballots"]["paper"] = True  # equal to 1 in Python, but not the integer 1

    assert {p.code for p in verify_record(_resigned(as_bool)).problems} == {"result_counts_mismatch"}

    def extra_kind(res):
        res["ballots"]["postal"] = 0

    assert {p.code for p in verify_record(_resigned(extra_kind)).problems} == {"result_counts_mismatch"}


def test_result_page_shows_counts_per_motion(world, client, mixed):
    mid, m1, m2 = mixed
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/result?lang=en").get_data(as_text=True)
    found = re.findall(r'data-ballots-electronic="(\d+)" data-ballots-proxy="(\d+)" data-ballots-paper="(\d+)"', page)
    assert found == [("1", "1", "1"), ("1", "1", "0")]
    # shown as electronic (proxies included, named apart) and paper
    assert "Electronic ballots: 2 (of which by proxy: 1) · Paper ballots: 1" in " ".join(page.split())


@pytest.mark.skipif(not has_poppler(), reason="poppler-utils is not installed (make test installs it)")
def test_result_notice_pdf_prints_counts_per_motion(world, client, mixed, tmp_path):
    mid, _m1, _m2 = mixed
    world.login(client, "A")
    resp = client.get(f"/meetings/{mid}/result.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(pdftotext(resp.data, tmp_path).split())
    assert text.count("计票选票（按类型）") == 2
    assert "电子选票数2（其中受托人代投1）；纸质选票1。" in text
    assert "电子选票数2（其中受托人代投1）；纸质选票0。" in text
