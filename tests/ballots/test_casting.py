"""Casting signed ballots over the API: receipts after commit, every rejection stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.ballots.models import BallotEntry
from govern.core.keys import generate_keypair, sign
from govern.core.ledger import verify_chain, verify_receipt
from govern.extensions import db
from govern.meetings import services
from tests.meetings.helpers import CLOSES, OPENS, World


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


@pytest.fixture
def open_meeting(world):
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    return mid


def _entries(app):
    with app.app_context():
        return world_count(BallotEntry)


def world_count(model):
    from sqlalchemy import func, select

    return db.session.scalar(select(func.count()).select_from(model))


def test_cast_valid_ballot_returns_signed_receipt_after_commit(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A")
    resp = world.cast(client, open_meeting, "A", body)
    assert resp.status_code == 201, resp.get_json()
    receipt = resp.get_json()
    assert set(receipt) == {"ballot_hash", "position", "chain_hash", "server_signature"}
    assert receipt["position"] == 1
    server_key = client.get("/api/v1/server-key").get_json()["public_key"]
    assert verify_receipt(server_key, receipt, str(open_meeting))
    check = client.get(f"/api/v1/meetings/{open_meeting}/receipts/{receipt['ballot_hash']}").get_json()
    assert check == receipt
    with app.app_context():
        m = world.meeting(open_meeting)
        assert verify_chain(services.ledger_entries(m)) == []
        assert m.ledger_head == receipt["chain_hash"]
    me = client.get(f"/api/v1/meetings/{open_meeting}/me", headers=world.headers("A")).get_json()
    assert me["has_voted"] is True and me["persons"] == 1 and me["area"] == 30000


def test_cast_co_owned_unit_one_person(client, world, open_meeting):
    me = client.get(f"/api/v1/meetings/{open_meeting}/me", headers=world.headers("B1")).get_json()
    assert me["area"] == 10000 and [u["unit"] for u in me["units"]] == ["201"]
    assert world.cast(client, open_meeting, "B1", world.ballot(client, open_meeting, "B1")).status_code == 201


def _rejected(app, client, world, mid, name, body, code, status=None):
    with app.app_context():
        before = world_count(BallotEntry)
    resp = world.cast(client, mid, name, body)
    assert resp.get_json()["error"]["code"] == code, resp.get_json()
    if status:
        assert resp.status_code == status
    with app.app_context():
        assert world_count(BallotEntry) == before
        assert world.meeting(mid).ledger_length == before
    return resp


def test_cast_forged_signature_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A")
    other, _ = generate_keypair()
    body["signature"] = sign(other, body["ballot"])
    _rejected(app, client, world, open_meeting, "A", body, "bad_signature", 400)


def test_cast_altered_ballot_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A", "agree")
    first = next(iter(body["ballot"]["choices"]))
    body["ballot"]["choices"][first] = "oppose"
    _rejected(app, client, world, open_meeting, "A", body, "bad_signature")


def test_cast_replayed_ballot_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A")
    assert world.cast(client, open_meeting, "A", body).status_code == 201
    _rejected(app, client, world, open_meeting, "A", body, "replay", 409)


def test_cast_wrong_meeting_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A", meeting=str(open_meeting + 100))
    _rejected(app, client, world, open_meeting, "A", body, "wrong_meeting")


def test_cast_wrong_roll_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A", roll_hash="f" * 64)
    _rejected(app, client, world, open_meeting, "A", body, "wrong_roll")


def test_cast_with_another_accounts_key_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A", key_name="C")
    _rejected(app, client, world, open_meeting, "A", body, "unknown_key")


def test_cast_for_another_voter_not_eligible(app, client, world, open_meeting):
    body_c = world.ballot(client, open_meeting, "C")
    body = world.ballot(client, open_meeting, "A", voter=body_c["ballot"]["voter"])
    _rejected(app, client, world, open_meeting, "A", body, "not_eligible", 403)


def test_cast_with_revoked_key_rejected(app, client, world, open_meeting):
    old = world.ballot(client, open_meeting, "A")
    _private, public = generate_keypair()
    with app.test_request_context():
        services.enroll_key(world.user("A"), {"public_key": public}, actor=None, check_pw=False)
        db.session.commit()
    _rejected(app, client, world, open_meeting, "A", old, "revoked_key", 403)


def test_cast_unknown_motion_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A", choices={"999999": "agree"})
    _rejected(app, client, world, open_meeting, "A", body, "unknown_motion")


def test_cast_malformed_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A")
    body["ballot"]["extra"] = 1
    _rejected(app, client, world, open_meeting, "A", body, "bad_request", 400)
    _rejected(app, client, world, open_meeting, "A", {"ballot": 1}, "bad_request", 400)


def test_cast_after_close_rejected(app, client, world, open_meeting):
    body = world.ballot(client, open_meeting, "A")
    world.clock.set(CLOSES + timedelta(seconds=1))
    body = world.ballot(client, open_meeting, "A")
    _rejected(app, client, world, open_meeting, "A", body, "window_closed", 409)


def test_cast_before_open_rejected(app, client, world):
    mid = world.make_meeting()
    body = world.ballot(client, mid, "A")
    _rejected(app, client, world, mid, "A", body, "window_not_open", 409)


def test_single_cast_second_ballot_rejected(app, client, world, open_meeting):
    assert world.cast(client, open_meeting, "A", world.ballot(client, open_meeting, "A")).status_code == 201
    _rejected(app, client, world, open_meeting, "A", world.ballot(client, open_meeting, "A", "oppose"),
              "already_voted", 409)


def test_revisable_latest_ballot_counts(app, client, world):
    mid = world.make_meeting(revision_policy="revisable-until-close")
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.clock.set(OPENS + timedelta(hours=2))
    resp = world.cast(client, mid, "A", world.ballot(client, mid, "A", "oppose"))
    assert resp.status_code == 201 and resp.get_json()["position"] == 2
    with app.app_context():
        counting = services.counting(world.meeting(mid))
        assert len(counting) == 1
        assert set(next(iter(counting.values())).ballot["choices"].values()) == {"oppose"}


def test_cast_commit_failure_leaves_no_receipt_and_no_entry(app, client, world, open_meeting, monkeypatch):
    body = world.ballot(client, open_meeting, "A")
    app.config["PROPAGATE_UNEXPECTED"] = False

    def boom():
        raise RuntimeError("disk full")

    monkeypatch.setattr("govern.jobs.commit", boom)
    resp = world.cast(client, open_meeting, "A", body)
    assert resp.status_code == 500
    assert "server_signature" not in resp.get_data(as_text=True)
    monkeypatch.undo()
    with app.app_context():
        assert world_count(BallotEntry) == 0
        m = world.meeting(open_meeting)
        assert m.ledger_length == 0 and m.ledger_head == "0" * 64


def test_receipt_unknown_hash_404(client, open_meeting):
    resp = client.get(f"/api/v1/meetings/{open_meeting}/receipts/{'a' * 64}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
