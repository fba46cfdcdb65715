"""Choices private by default (issue #12 item 4): the ledger v2 digest form, the public edition without a choice
that still verifies, the auditor edition and who reads it, scrutineers, and owners' inspection requests."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.core.archive import read_record
from govern.core.ballot import build_ballot, new_nonce
from govern.core.keys import sign
from govern.core.ledger import digest_form
from govern.core.receipts import check_receipt
from govern.core.verify import verify_record
from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld, codes
from tests.conftest import ON_POSTGRES


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _proxy_ballot(world, client, mid, principal, proxy, choice):
    info = world.info(client, mid)
    b = build_ballot(community=info["community"], meeting=str(mid), roll_hash=info["roll_hash"],
                     voter=world.person_of(mid, principal), choices={m["id"]: choice for m in info["motions"]},
                     issued_at=world.clock.moment, nonce=new_nonce(os.urandom),
                     agenda_hash=info.get("agenda_hash"))
    return {"ballot": b, "signature": sign(world.keys[proxy], b), "key_id": world.key_ids[proxy]}


@pytest.fixture
def voted(world, client):
    """A votes agree (receipt kept), B1 by proxy (member) oppose, C (the scrutineer) abstain; closed, tallied."""
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    world.name_scrutineer(mid, "C")
    resp = world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree"))
    assert resp.status_code == 201
    world.receipt = resp.get_json()
    did = world.delegate(client, mid, "B1", "member").get_json()["id"]
    assert world.accept(client, did, "member").status_code == 200
    assert world.cast(client, mid, "member", _proxy_ballot(world, client, mid, "B1", "member", "oppose")
                      ).status_code == 201
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C", "abstain")).status_code == 201
    world.close()
    return mid


def _final(world, client, mid):
    for name in ("chair", "member", "C"):
        world.countersign(client, mid, name)


def test_the_ledger_of_a_v2_meeting_chains_the_digest_form(app, world, client, voted):
    from govern.ballots.ledger import ledger_entries
    from govern.core.canonical import chain_hash
    from govern.core.ledger import verify_chain

    with app.app_context():
        meeting = world.meeting(voted)
        assert meeting.record_version == 2
        entries = ledger_entries(meeting)
        assert verify_chain(entries) == []
        for e in entries:  # the hash is over the entry with the ballot and delegation replaced by their hashes
            digest = digest_form(e.payload())
            assert "ballot" not in digest and digest["ballot_hash"] == e.ballot_hash
            assert e.chain_hash == chain_hash(e.prev_hash, digest)
            assert e.chain_hash != chain_hash(e.prev_hash, e.payload())
        assert "delegation_hash" in digest_form(entries[1].payload())


def test_owners_public_edition_has_no_choice_and_verifies(world, client, voted):
    _final(world, client, voted)
    data = world.export(client, voted, "public", name="A")
    files = read_record(data)
    report = verify_record(data, workers=1)
    assert report.valid, [str(p) for p in report.problems]
    assert report.edition == "public" and report.ballots == 3 and report.counted is None
    assert any("ballots" in u for u in report.unchecked) and any("roll" in u for u in report.unchecked)
    # no per-ballot choice, voter, area or building anywhere in it
    for name in ("ledger.jsonl", "roll.json", "delegations.json"):
        text = files[name].decode()
        for secret in ('"choices"', '"agree"', '"oppose"', '"abstain"', '"voter"', '"buildings"', '"persons"'):
            assert secret not in text, (name, secret)
    roll = json.loads(files["roll.json"])
    assert roll["type"] == "govern.roll_totals.v1" and roll["total_persons"] >= 3
    lines = [json.loads(x) for x in files["ledger.jsonl"].splitlines()]
    assert "delegation_hash" in lines[1] and "ballot" not in lines[1]
    # the countersignature rule held: two of the convening body and the scrutineer
    for m in report.motions:
        assert str(world.users["C"]) in m["countersigned_by"] and len(m["countersigned_by"]) == 3
    # the per-motion totals are there
    assert all(m["ballots"] == {"electronic": 2, "paper": 0, "proxy": 1} for m in report.motions)
    # A's receipt is found in the public edition; whether it counts cannot be told from it
    receipt = json.dumps(world.receipt).encode()
    check = check_receipt(receipt, data, workers=1)
    assert check.included and check.counted is None and check.problems == []


def test_auditor_edition_holds_every_ballot_and_verifies(world, client, voted):
    _final(world, client, voted)
    data = world.export(client, voted, "auditor", name="auditor")
    report = verify_record(data, workers=1)
    assert report.valid, [str(p) for p in report.problems]
    assert report.edition == "auditor" and report.counted == 3
    lines = [json.loads(x) for x in read_record(data)["ledger.jsonl"].splitlines()]
    assert [set(e["ballot"]["choices"].values()) for e in lines] == [{"agree"}, {"oppose"}, {"abstain"}]
    check = check_receipt(json.dumps(world.receipt).encode(), data, workers=1)
    assert check.included and check.counted is True


def test_a_tampered_public_edition_fails(world, client, voted):
    _final(world, client, voted)
    from govern.core.archive import write_record
    from govern.meetings.serverkey import server_private_key

    data = world.export(client, voted, "public", name="A")
    files = dict(read_record(data))
    manifest = json.loads(files.pop("manifest.json"))
    files.pop("manifest.sig")
    lines = [json.loads(x) for x in files["ledger.jsonl"].splitlines()]
    lines[0]["ballot_hash"] = "0" * 64  # another ballot in A's place
    files["ledger.jsonl"] = b"".join(json.dumps(x, sort_keys=True, separators=(",", ":")).encode() + b"\n"
                                     for x in lines)
    result = json.loads(files["result.json"])
    result["motions"][0]["result"]["result"]["agree"]["persons"] += 1  # a changed total
    files["result.json"] = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    with world.app.app_context():
        forged = write_record(files, server_private=server_private_key(), community=manifest["community"],
                              meeting=manifest["meeting"], edition="public", interim=False,
                              created_at=world.clock.moment, stage=manifest["stage"], version=2)
    found = codes(forged)
    assert "chain_hash_mismatch" in found and "result_signature_invalid" in found


def test_who_reads_the_auditor_edition(world, client, voted):
    url = f"/api/v1/meetings/{voted}/record?edition=auditor"
    for name, status in (("auditor", 200), ("C", 200), ("chair", 200), ("member", 200), ("A", 403)):
        assert client.get(url, headers=world.headers(name)).status_code == status, name
    # an owner asks to inspect it; the committee grants: now A downloads it
    world.login(client, "A")
    assert client.post(f"/meetings/{voted}/record", data={"reason": "核对表决结果"}).status_code == 303
    assert client.post(f"/meetings/{voted}/record", data={"reason": "again"}).status_code == 303  # refused: pending
    assert client.get(url, headers=world.headers("A")).status_code == 403
    from govern.record.models import InspectionRequest

    with world.app.app_context():
        rows = list(db.session.scalars(select(InspectionRequest)))
        assert [r.status for r in rows] == ["pending"]
        request_id = rows[0].id
    world.login(client, "A")
    assert client.post(f"/inspections/{request_id}/answer", data={"grant": "1"}).status_code == 403
    world.login(client, "chair")
    page = client.get(f"/meetings/{voted}/record").get_data(as_text=True)
    assert f'data-request="{request_id}"' in page
    assert client.post(f"/inspections/{request_id}/answer", data={"grant": "1", "answer": "同意"}
                       ).status_code == 303
    assert client.get(url, headers=world.headers("A")).status_code == 200
    from govern.audit.models import AuditEntry

    with world.app.app_context():
        actions = [a for (a,) in db.session.execute(select(AuditEntry.action))]
        assert actions.count("record.inspection_requested") == 1 and "record.inspection_answered" in actions
        assert "meeting.scrutineer_named" in actions


def test_inspection_granted_at_once_when_the_community_needs_no_approval(world, client, voted):
    from govern.register.models import Community

    with world.app.app_context():
        c = db.session.get(Community, world.cid)
        c.settings_json = {**(c.settings_json or {}), "inspection_needs_approval": False}
        db.session.commit()
    world.login(client, "B1")
    assert client.post(f"/meetings/{voted}/record", data={"reason": ""}).status_code == 303
    resp = client.get(f"/api/v1/meetings/{voted}/record?edition=auditor", headers=world.headers("B1"))
    assert resp.status_code == 200


def test_the_committee_reads_the_auditor_edition_only_from_the_preliminary_result(world, client):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    world.name_scrutineer(mid, "C")
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    for name in ("auditor", "C", "chair"):
        resp = client.get(f"/api/v1/meetings/{mid}/record?edition=auditor", headers=world.headers(name))
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voting_open"
    assert client.get(f"/api/v1/meetings/{mid}/record?edition=auditor", headers=world.headers("A")
                      ).status_code == 403


def test_scrutineers_are_named_before_the_close_by_the_committee(world, client):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    page = f"/meetings/{mid}/scrutineers"
    world.login(client, "A")
    assert client.post(page, data={"user": world.users["C"]}).status_code == 403
    world.login(client, "chair")
    resp = client.post(page, data={"user": world.users["member"]})  # a member of the convening body
    assert resp.status_code == 303
    resp = client.post(page, data={"user": world.users["auditor"]})  # not an owner
    assert resp.status_code == 303
    assert client.post(page, data={"user": world.users["C"]}).status_code == 303
    assert client.post(page, data={"user": world.users["C"]}).status_code == 303  # already named: refused
    from govern.ballots.models import Scrutineer
    from govern.meetings.scrutineers import is_scrutineer

    with world.app.app_context():
        rows = list(db.session.scalars(select(Scrutineer)))
        assert [r.user_id for r in rows] == [world.users["C"]]
        m = world.meeting(mid)
        assert is_scrutineer(world.user("C"), m) and not is_scrutineer(world.user("member"), m)
    text = client.get(page).get_data(as_text=True)
    assert f'data-user="{world.users["C"]}"' in text and "监票人" in text
    world.close()
    assert client.post(page, data={"user": world.users["B1"]}).status_code == 303  # window_closed
    with world.app.app_context():
        assert len(list(db.session.scalars(select(Scrutineer)))) == 1
        with pytest.raises(Exception) as err:
            from govern.meetings.scrutineers import name_scrutineer

            name_scrutineer(world.meeting(mid), world.user("B1"), actor=world.user("chair"))
        assert err.value.code == "window_closed"
    # an owner who is not a scrutineer cannot countersign; the scrutineer can
    r = world.results(client, mid)[0]
    body = {"signature": sign(world.keys["B1"], r["document"]), "key_id": world.key_ids["B1"]}
    resp = client.post(f"/api/v1/meetings/{mid}/results/{r['motion']}/countersign", json=body,
                       headers=world.headers("B1"))
    assert resp.status_code == 403
    world.countersign(client, mid, "C")


def test_the_record_page_says_what_is_published(world, client, voted):
    world.login(client, "A")
    text = client.get(f"/meetings/{voted}/record").get_data(as_text=True)
    assert 'id="what-is-published"' in text and "公开版" in text and "审计版" in text
    assert 'id="download-public"' in text and 'id="download-auditor"' not in text
    assert f"/meetings/{voted}/record" in client.get(f"/meetings/{voted}").get_data(as_text=True)


def test_pseudonymise_gives_the_digest_form_of_a_v2_record(world, client, voted):
    from govern.core.archive import pseudonymise
    from govern.meetings.serverkey import server_private_key

    _final(world, client, voted)
    data = world.export(client, voted, "auditor", name="auditor")
    with world.app.app_context():
        public = pseudonymise(data, server_private=server_private_key(), created_at=world.clock.moment)
    report = verify_record(public, workers=1)
    assert report.valid and report.edition == "public" and report.counted is None, report.problems
    assert b'"choices"' not in read_record(public)["ledger.jsonl"]


@pytest.mark.skipif(not ON_POSTGRES, reason="races are tested on PostgreSQL (set DATABASE_URL; CI does)")
def test_two_members_naming_one_owner_at_once_leave_one_scrutineer(app, world):
    """The chair and a member name C at the same moment: the partial unique index lets one through; the other
    is refused with scrutineer_ineligible, and C is a scrutineer once."""
    import threading

    from govern.ballots.models import Scrutineer
    from govern.errors import DomainError
    from govern.meetings import scrutineers

    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    barrier = threading.Barrier(2)
    outcomes: list = []

    def name(by: str) -> None:
        with app.test_request_context():
            try:
                meeting, user, actor = world.meeting(mid), world.user("C"), world.user(by)
                barrier.wait(timeout=30)
                scrutineers.name_scrutineer(meeting, user, actor=actor)
                db.session.commit()
                outcomes.append("named")
            except DomainError as err:
                db.session.rollback()
                outcomes.append(err.code)
            except Exception as exc:  # collected and asserted below
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=name, args=(by,)) for by in ("chair", "member")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["named", "scrutineer_ineligible"], outcomes
    with app.app_context():
        assert len(list(db.session.scalars(select(Scrutineer).where(Scrutineer.meeting_id == mid)))) == 1


def test_govern_verify_exits_0_on_a_valid_public_edition_and_says_what_it_could_not_check(world, client, voted,
                                                                                           tmp_path):
    from click.testing import CliRunner

    from govern.verify_cli import verify as verify_cmd

    _final(world, client, voted)
    path = tmp_path / "public.zip"
    path.write_bytes(world.export(client, voted, "public", name="A"))
    result = CliRunner().invoke(verify_cmd, [str(path), "--workers", "1"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["valid"] and out["edition"] == "public" and out["checked"] and out["unchecked"]
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(world.receipt))
    result = CliRunner().invoke(verify_cmd, [str(path), "--workers", "1", "--receipt", str(receipt)])
    assert result.exit_code == 0 and json.loads(result.stdout)["included"] is True
