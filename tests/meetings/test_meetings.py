"""Publishing (R9), voiding (R10), roll freeze (R6), keys API, pages, results (R26) and countersignatures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.audit.models import AuditEntry
from govern.ballots.models import OwnerKey, RollPerson
from govern.core.keyproof import key_proof_body
from govern.core.keys import generate_keypair, sign
from govern.core.roll import roll_hash
from govern.core.rules import Choice, Matter, Vote, tally
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import results, services
from govern.register.models import Community
from tests.conftest import TEST_PASSWORD
from tests.meetings.helpers import CLOSES, OPENS, START, World


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


def test_publish_freezes_roll_with_hash(app, world):
    mid = world.make_meeting()
    with app.app_context():
        m = world.meeting(mid)
        assert m.status.value == "announced"
        roll = services.load_roll(m)
        assert roll_hash(roll) == m.roll_hash
        # A (300.00), B1+B2 (100.00), C (100.00), developer (200.00): 4 persons, 700.00 m²
        assert (m.total_persons, m.total_area) == (4, 70000)
        a = next(p for p in db.session.scalars(select(RollPerson)) if p.register_person == "A")
        assert a.casters == [str(world.users["A"])] and a.keys == [world.key_ids["A"]]
        assert a.person.startswith("p-")


def test_publish_too_short_notice_refused_with_reason(app, world):
    with pytest.raises(DomainError) as exc, app.test_request_context():
        world.make_meeting(opens=START + timedelta(days=15), closes=START + timedelta(days=25))
    assert exc.value.code == "notice_too_short"
    assert exc.value.details["earliest_opening"] == "2025-03-17"


def test_publish_minimal_notice_rule_accepts_15_days(app, world):
    with app.app_context():
        c = db.session.get(Community, world.cid)
        c.settings_json = {"notice_rule": "minimal"}
        db.session.commit()
    mid = world.make_meeting(opens=START + timedelta(days=15), closes=START + timedelta(days=25))
    with app.app_context():
        assert world.meeting(mid).is_published


def test_edit_after_publication_voids_notice(app, client, auth, world):
    mid = world.make_meeting()
    auth.login("chair")
    resp = client.get(f"/meetings/{mid}/edit")
    assert resp.status_code == 200
    form = {
        "title": "Changed title", "kind": "regular", "opens_at": "2025-03-25T09:00", "closes_at": "2025-04-01T09:00",
        "revision_policy": "single-cast", "invalid_policy": "as-abstain",
        "motions-0-title": "Changed motion", "motions-0-text": "New text", "motions-0-matter": "ordinary",
    }
    resp = client.post(f"/meetings/{mid}/edit", data=form)
    assert resp.status_code == 302
    with app.app_context():
        m = world.meeting(mid)
        assert m.status.value == "draft" and m.roll_hash is None and m.void_count == 1
        assert db.session.scalar(select(RollPerson.id).where(RollPerson.meeting_id == mid)) is None
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "meeting.notice_void"))
        assert [x.title for x in m.motions] == ["Changed motion"]
    world.clock.set(START + timedelta(days=1))
    resp = client.post(f"/meetings/{mid}/publish")
    assert resp.status_code == 302
    with app.app_context():
        m = world.meeting(mid)
        assert m.is_published and str(m.notice_date) == "2025-03-02"


def test_edit_refused_once_voting_opened(app, world):
    mid = world.make_meeting()
    world.clock.set(OPENS)
    with app.test_request_context(), pytest.raises(DomainError) as exc:
        m = world.meeting(mid)
        services.update_meeting(m, services.MeetingData(title="x", opens_at=OPENS, closes_at=CLOSES),
                                actor=world.user("chair"))
    assert exc.value.code == "locked"


def test_create_meeting_page_flow(app, client, auth, world):
    auth.login("chair")
    assert client.get("/c/garden/meetings/new").status_code == 200
    form = {
        "title": "Assembly", "kind": "interim", "scope": ["1", "2"], "opens_at": "2025-03-25T09:00",
        "closes_at": "2025-04-01T09:00", "revision_policy": "revisable-until-close", "invalid_policy": "excluded",
        "motions-0-title": "Repaint", "motions-0-text": "Repaint building 1", "motions-0-matter": "major",
    }
    resp = client.post("/c/garden/meetings/new", data=form)
    assert resp.status_code == 302
    mid = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/meetings/{mid}/publish").status_code == 302
    with app.app_context():
        m = world.meeting(mid)
        assert m.scope_buildings == ["1", "2"] and m.total_persons == 2
        assert m.opens_at.hour == 1  # 09:00 Beijing is 01:00 UTC
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert "Repaint building 1" in page and "pct-0" in page


def test_keys_api_enrol_revokes_old_and_checks_password(app, client, world):
    private, public = generate_keypair()
    body = key_proof_body(private, str(world.users["A"]), world.clock.moment)
    h = world.headers("A")
    assert client.post("/api/v1/keys", json={**body, "password": "wrong"}, headers=h).status_code == 401
    bad = client.post("/api/v1/keys", json={**body, "public_key": "abc", "password": TEST_PASSWORD}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_key"
    resp = client.post("/api/v1/keys", json={**body, "password": TEST_PASSWORD}, headers=h)
    assert resp.status_code == 201 and resp.get_json()["key_id"] == public
    with app.app_context():
        keys = db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == world.users["A"])).all()
        assert [k.revoked_reason for k in keys if k.revoked_at] == ["replaced"]
        assert [k.public_key for k in keys if k.revoked_at is None] == [public]
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"key.enroll", "key.revoke"} <= actions


def test_keys_api_password_may_be_left_out_with_a_fresh_token(app, client, world):
    """POST /keys without "password": a token just issued with the password stands for it."""
    private, public = generate_keypair()
    account = str(world.users["A"])
    resp = client.post("/api/v1/tokens", json={"username": "a", "password": TEST_PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    fresh = {"Authorization": f"Bearer {resp.get_json()['token']}"}
    resp = client.post("/api/v1/keys", json=key_proof_body(private, account, world.clock.moment), headers=fresh)
    assert resp.status_code == 201 and resp.get_json()["key_id"] == public
    # A wrong password is still refused, even with a fresh token.
    private2, other = generate_keypair()
    body2 = key_proof_body(private2, account, world.clock.moment)
    wrong = client.post("/api/v1/keys", json={**body2, "password": "wrong"}, headers=fresh)
    assert wrong.status_code == 401
    # Later, the same token needs the password again; nothing is enrolled without it.
    from govern.accounts.models import ApiToken

    with app.app_context():
        for token in db.session.scalars(select(ApiToken)):
            token.created_at -= timedelta(minutes=11)
        db.session.commit()
    resp = client.post("/api/v1/keys", json=body2, headers=fresh)
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "password_required"
    with app.app_context():
        active = db.session.scalars(select(OwnerKey.public_key).where(OwnerKey.user_id == world.users["A"],
                                                                       OwnerKey.revoked_at.is_(None))).all()
        assert active == [public]


def test_server_key_file_is_0600(app, client):
    import os
    from pathlib import Path

    key = client.get("/api/v1/server-key").get_json()["public_key"]
    path = Path(app.instance_path) / "server_ed25519.key"
    assert path.exists() and (os.stat(path).st_mode & 0o777) == 0o600
    assert client.get("/api/v1/server-key").get_json()["public_key"] == key


def test_meeting_page_participation_and_door_to_door(app, client, auth, world):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    auth.login("chair")
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    # A: 300.00 of 700.00 m² → 42 %; 1 of 4 persons → 25 %
    assert "pct-42" in page and "pct-25" in page
    assert "301" in page  # C's home is on the door-to-door list
    auth.logout()
    auth.login("c")
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert "door-to-door" not in page.lower() and "门" not in page[:0]


def test_result_matches_core_tally_and_is_signed(app, client, auth, world):
    mid = world.make_meeting(motions=(("Hire", "ordinary"), ("Raise fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    for name, choice in (("A", "agree"), ("B1", "oppose"), ("C", "agree")):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, choice)).status_code == 201
    world.clock.set(CLOSES)
    counting_now = client.get(f"/api/v1/meetings/{mid}/results", headers=world.headers("A")).get_json()
    assert counting_now["stage"] == "closed" and counting_now["results"] == []  # nothing before the tick
    world.tick()
    resp = client.get(f"/api/v1/meetings/{mid}/results", headers=world.headers("A"))
    assert resp.status_code == 200 and resp.get_json()["stage"] == "preliminary"
    docs = resp.get_json()["results"]
    server_key = client.get("/api/v1/server-key").get_json()["public_key"]
    from govern.core.keys import verify

    with app.app_context():
        m = world.meeting(mid)
        areas = {p.person: p.area for p in db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == mid))}
        counting = services.counting(m)
        for doc, motion in zip(docs, m.motions, strict=True):
            votes = [Vote(v, areas[v], Choice(e.ballot["choices"][str(motion.id)])) for v, e in counting.items()]
            expected = tally(total_area=m.total_area, total_persons=m.total_persons, votes=votes,
                             matter=Matter(motion.matter)).to_json()
            assert doc["document"]["result"] == expected
            assert verify(server_key, doc["document"], doc["server_signature"])
        # idempotent: a second tick signs nothing new
        assert results.sign_results(m) == [] and len(results.results_of(m)) == 2
    # 500.00 of 700.00 participated, 3 of 4 persons: quorum holds; ordinary adopted (400 of 500 agree)
    assert docs[0]["document"]["result"]["adopted"] is True
    assert docs[1]["document"]["result"]["adopted"] is True or docs[1]["document"]["result"]["reasons"]
    auth.login("a")
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert "101" in page and "张三" not in page


def test_countersign_verified_before_storing(app, client, world):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    world.cast(client, mid, "A", world.ballot(client, mid, "A"))
    world.clock.set(CLOSES)
    world.tick()
    docs = client.get(f"/api/v1/meetings/{mid}/results", headers=world.headers("chair")).get_json()["results"]
    doc, motion = docs[0]["document"], docs[0]["motion"]
    url = f"/api/v1/meetings/{mid}/results/{motion}/countersign"
    forged = {"signature": sign(generate_keypair()[0], doc), "key_id": world.key_ids["chair"]}
    resp = client.post(url, json=forged, headers=world.headers("chair"))
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_signature"
    owner = {"signature": sign(world.keys["A"], doc), "key_id": world.key_ids["A"]}
    assert client.post(url, json=owner, headers=world.headers("A")).status_code == 403
    good = {"signature": sign(world.keys["chair"], doc), "key_id": world.key_ids["chair"]}
    assert client.post(url, json=good, headers=world.headers("chair")).status_code == 201
    assert client.post(url, json=good, headers=world.headers("chair")).status_code == 409
    again = client.get(f"/api/v1/meetings/{mid}/results", headers=world.headers("A")).get_json()["results"]
    assert len(again[0]["countersignatures"]) == 1


def test_home_panel_lists_announced_meeting(client, auth, world):
    world.make_meeting()
    auth.login("a")
    page = client.get("/c/garden/").get_data(as_text=True)
    assert "2025 first owners" in page


def test_receipt_check_page(client, world):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    receipt = world.cast(client, mid, "A", world.ballot(client, mid, "A")).get_json()
    page = client.get(f"/meetings/{mid}/receipts/check?hash={receipt['ballot_hash']}")
    assert page.status_code == 200 and receipt["chain_hash"] in page.get_data(as_text=True)
    assert client.get(f"/meetings/{mid}/receipts/check?hash={'0' * 64}").status_code == 404


def test_ballot_and_keys_pages_context(client, auth, world):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    auth.login("a")
    assert client.get(f"/meetings/{mid}/ballot").status_code == 200
    assert client.get("/keys").status_code == 200
    auth.logout()
    auth.login("chair")  # not an owner on the roll
    assert client.get(f"/meetings/{mid}/ballot").status_code == 403


def test_keys_page_lists_the_active_key_in_the_history(app, client, auth, world):
    """Issue #16: an owner with one active key sees it in the key history, not "no key enrolled yet"."""
    with app.app_context():
        key = db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == world.users["A"])).one()
        assert key.revoked_at is None
    auth.login("a")
    page = client.get("/keys").get_data(as_text=True)
    history = page.split('id="history-h"', 1)[1]
    assert key.fingerprint in history and "badge-ok" in history
    assert "还没有登记过密钥" not in page and "No keys enrolled yet" not in page


def test_list_meetings_api_by_status(client, world):
    mid = world.make_meeting()
    h = world.headers("A")
    assert [m["id"] for m in client.get("/api/v1/meetings?status=announced", headers=h).get_json()["meetings"]] \
        == [mid]
    assert client.get("/api/v1/meetings?status=open", headers=h).get_json()["meetings"] == []
    info = client.get(f"/api/v1/meetings/{mid}", headers=h).get_json()
    assert set(info) >= {"id", "community", "title", "status", "opens_at", "closes_at", "roll_hash",
                         "revision_policy", "motions"}


def test_demo_step_makes_open_and_closed_meetings(app, runner):
    from govern.ballots.models import Countersignature, Meeting, MotionResult

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        statuses = sorted(m.status.value for m in db.session.scalars(select(Meeting)))
        # the third: the demo's committee election; the fourth: 初心家园's first assembly (#14)
        assert statuses == ["closed", "open", "open", "open"]
        assert db.session.scalar(select(db.func.count(MotionResult.id))) == 2
        # two committee members and the scrutineer countersign each of the closed assembly's two results: final
        assert db.session.scalar(select(db.func.count(Countersignature.id))) == 6
        for m in db.session.scalars(select(Meeting)):
            from govern.core.ledger import verify_chain

            assert m.ledger_length > 0 and verify_chain(services.ledger_entries(m)) == []
