"""Proxies (R15): signed delegation, acceptance, proxy ballot carrying the delegation, cap, revocation, lapse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from govern.ballots.models import BallotEntry
from govern.core.ballot import build_ballot, new_nonce
from govern.core.keys import sign
from govern.extensions import db
from govern.register.models import Community
from tests.ballots.helpers import OPENS, RecordWorld, codes


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world):
    m = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    return m


def proxy_ballot(world, client, mid, principal, proxy, choice="agree", choices=None):
    info = world.info(client, mid)
    b = build_ballot(community=info["community"], meeting=str(mid), roll_hash=info["roll_hash"],
                     voter=world.person_of(mid, principal),
                     choices=choices or {m["id"]: choice for m in info["motions"]}, issued_at=world.clock.moment,
                     nonce=new_nonce(__import__("os").urandom), agenda_hash=info.get("agenda_hash"))
    return {"ballot": b, "signature": sign(world.keys[proxy], b), "key_id": world.key_ids[proxy]}


def test_proxy_votes_for_the_owner_and_the_record_verifies(world, client, mid):
    resp = world.delegate(client, mid, "C", "member")
    assert resp.status_code == 201, resp.get_json()
    did = resp.get_json()["id"]
    # not accepted yet: the proxy may not cast
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member")).status_code == 403
    assert world.accept(client, did, "A").status_code == 403  # only the named proxy accepts
    assert world.accept(client, did, "member").get_json()["status"] == "accepted"
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 201, resp.get_json()
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member")).status_code == 409
    world.close()
    world.countersign(client, mid)
    data = world.export(client, mid)
    assert codes(data) == set()
    import json

    from govern.core.archive import read_record

    entry = json.loads(read_record(data)["ledger.jsonl"].splitlines()[0])
    assert entry["delegation"]["object"]["proxy"] == str(world.users["member"])
    assert len(json.loads(read_record(data)["delegations.json"])["delegations"]) == 1


def test_instructions_must_be_followed(world, client, mid):
    info = world.info(client, mid)
    m1 = info["motions"][0]["id"]
    did = world.delegate(client, mid, "C", "member", instructions={m1: "oppose"}).get_json()["id"]
    world.accept(client, did, "member")
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member", "agree"))
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "instructions_not_followed"


def test_proxy_cap(app, world, client, mid):
    from govern.register.models import Community

    with app.app_context():
        community = db.session.get(Community, world.cid)
        community.settings_json = {**(community.settings_json or {}), "proxy_cap": 1}
        db.session.commit()
    assert world.delegate(client, mid, "A", "member").status_code == 201
    resp = world.delegate(client, mid, "C", "member")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "proxy_cap_exceeded"


def test_default_cap_is_three(app, world, client, mid, factory):
    for ref in ("A", "B1", "C"):
        assert world.delegate(client, mid, ref, "member").status_code == 201
    from govern.ballots.proxies import proxy_cap
    from govern.register.models import Community

    with app.app_context():
        assert proxy_cap(db.session.get(Community, world.cid)) == 3


def test_revocation_before_the_proxy_votes(world, client, mid):
    body = world.delegation_body(mid, "C", "member")
    resp = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"), json=body)
    did = resp.get_json()["id"]
    world.accept(client, did, "member")
    assert world.revoke(client, did, "A", body["delegation"]).status_code == 403  # not the principal
    resp = world.revoke(client, did, "C", body["delegation"])
    assert resp.status_code == 200 and resp.get_json()["status"] == "revoked"
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 403  # no live delegation any more: not eligible
    # a new delegation is possible after the revocation
    assert world.delegate(client, mid, "C", "A").status_code == 201


def test_revocation_refused_after_the_proxy_voted(world, client, mid):
    body = world.delegation_body(mid, "C", "member")
    did = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"), json=body).get_json()["id"]
    world.accept(client, did, "member")
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member")).status_code == 201
    resp = world.revoke(client, did, "C", body["delegation"])
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_voted"


def test_owner_voting_in_person_lapses_the_delegation(app, world, client, mid):
    did = world.delegate(client, mid, "C", "member").get_json()["id"]
    world.accept(client, did, "member")
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C", "oppose")).status_code == 201
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "delegation_lapsed"
    world.login(client, "member")
    assert client.get(f"/meetings/{mid}/proxies").status_code == 200
    from govern.ballots.models import Delegation

    world.tick()  # `govern tick` stores the lapse (a GET does not)
    with app.app_context():
        assert db.session.get(Delegation, did).status == "lapsed"
    client.post("/logout")
    resp = world.delegate(client, mid, "C", "A")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "delegation_lapsed"


def test_owner_after_proxy_supersedes_it(world, client, mid):
    did = world.delegate(client, mid, "C", "member").get_json()["id"]
    world.accept(client, did, "member")
    body = proxy_ballot(world, client, mid, "C", "member", "agree")
    assert world.cast(client, mid, "member", body).status_code == 201
    # The owner is told a proxy voted for them and may still vote: the API and the meeting page say so.
    me = client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("C")).get_json()
    assert me["has_voted"] is False and me["voted_by_proxy"] is True
    world.login(client, "C")
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert 'id="voted-by-proxy"' in page and f"/meetings/{mid}/ballot" in page
    client.post("/logout")
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C", "oppose")).status_code == 201
    world.close()
    data = world.export(client, mid)
    from govern.core.verify import verify_record

    report = verify_record(data, workers=1)
    assert report.valid and report.ballots == 2 and report.counted == 1
    me = client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("C")).get_json()
    assert me["has_voted"] is True and me["voted_by_proxy"] is True


def test_delegation_refused_with_bad_signature_or_stranger(world, client, mid):
    body = world.delegation_body(mid, "C", "member", key_name="A")  # signed with another owner's key
    body["key_id"] = world.key_ids["C"]
    resp = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"), json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_signature"
    # A may not delegate for C's home
    body = world.delegation_body(mid, "C", "member", key_name="A")
    resp = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("A"), json=body)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_eligible"


# --------------------------------------------------------------------------- the cap and lapse under the lock
# (the indexed proxy column ballot_entries.proxy_user_id, not the ledger's envelopes)


def _delegate_and_accept(world, client, mid, principal, proxy):
    resp = world.delegate(client, mid, principal, proxy)
    assert resp.status_code == 201, resp.get_json()
    assert world.accept(client, resp.get_json()["id"], proxy).status_code == 200


def test_cap_lowered_after_acceptance_holds_at_cast(app, world, client, mid):
    """Two accepted delegations, then the cap goes to 1: the proxy's first ballot counts, the second is refused."""
    _delegate_and_accept(world, client, mid, "A", "member")
    _delegate_and_accept(world, client, mid, "C", "member")
    with app.app_context():
        community = db.session.get(Community, world.cid)
        community.settings_json = {**(community.settings_json or {}), "proxy_cap": 1}
        db.session.commit()
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "A", "member")).status_code == 201
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "proxy_cap_exceeded"
    # a revision for the principal already held is no new principal (revisable meetings); here: single-cast
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "A", "member"))
    assert resp.get_json()["error"]["code"] == "already_voted"
    with app.app_context():
        rows = db.session.execute(select(BallotEntry.voter, BallotEntry.proxy_user_id, BallotEntry.delegation_hash)
                                  .where(BallotEntry.meeting_id == mid)).all()
    assert [(r.voter, r.proxy_user_id) for r in rows] == [(world.person_of(mid, "A"), world.users["member"])]
    assert rows[0].delegation_hash is not None


def test_own_ballot_has_no_proxy_and_lapses_the_delegation(app, world, client, mid):
    _delegate_and_accept(world, client, mid, "C", "member")
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C")).status_code == 201
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "delegation_lapsed"
    with app.app_context():
        proxies = db.session.scalars(select(BallotEntry.proxy_user_id).where(BallotEntry.meeting_id == mid)).all()
    assert proxies == [None]


def test_proxy_cast_reads_no_ballot_envelopes(app, world, client, mid):
    """The cap used to read every proxy ballot's delegation envelope under the lock; now it reads the index."""
    _delegate_and_accept(world, client, mid, "A", "member")
    _delegate_and_accept(world, client, mid, "C", "member")
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "A", "member")).status_code == 201
    body = proxy_ballot(world, client, mid, "C", "member")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert world.cast(client, mid, "member", body).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.startswith("SELECT")]
    assert not any("ballot_entries.delegation " in s or "ballot_entries.delegation," in s for s in selects), selects
    assert any("ballot_entries.proxy_user_id" in s for s in selects), selects
