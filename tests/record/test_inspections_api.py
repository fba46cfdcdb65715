"""Owners' requests to inspect the full record (SPC art. 13, issue #12 item 4) through the API: an owner asks, the
committee answers, both in the audit log; granted, the owner downloads the auditor edition from the preliminary
result; a community that needs no approval grants as asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world, client):
    m = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, m, "A", world.ballot(client, m, "A", "agree")).status_code == 201
    return m


def _error(resp) -> str:
    return resp.get_json()["error"]["code"]


def _audit(world) -> list[dict]:
    from govern.audit.models import AuditEntry

    with world.app.app_context():
        return [{"action": a, "actor": u, **(d or {})} for a, u, d in db.session.execute(
            select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.data)
            .where(AuditEntry.action.like("record.inspection_%")).order_by(AuditEntry.id))]


def test_an_owner_asks_the_committee_grants_the_owner_reads_the_auditor_edition(world, client, mid):
    url, record = f"/api/v1/meetings/{mid}/inspections", f"/api/v1/meetings/{mid}/record?edition=auditor"
    resp = client.post(url, json={"reason": "核对表决结果"}, headers=world.headers("A"))
    assert resp.status_code == 201, resp.get_json()
    asked = resp.get_json()
    assert asked["status"] == "pending" and asked["reason"] == "核对表决结果" and asked["mine"] is True
    resp = client.post(url, json={}, headers=world.headers("A"))
    assert resp.status_code == 409 and _error(resp) == "inspection_pending"
    # only confirmed owners ask; the committee, the street office are refused by name
    for name in ("chair", "auditor"):
        resp = client.post(url, headers=world.headers(name))
        assert resp.status_code == 403 and _error(resp) == "not_owner", name
    assert client.post(url, json={"reason": 7}, headers=world.headers("B1")).status_code == 400
    assert client.post(url, json=["x"], headers=world.headers("B1")).status_code == 400
    # the owner sees their own request; another owner sees none; the committee sees every request
    assert [r["id"] for r in client.get(url, headers=world.headers("A")).get_json()["requests"]] == [asked["id"]]
    assert client.get(url, headers=world.headers("B1")).get_json()["requests"] == []
    listing = client.get(url, headers=world.headers("member")).get_json()
    assert listing["needs_approval"] is True and [r["mine"] for r in listing["requests"]] == [False]
    # only the committee answers, with a JSON boolean
    answer = f"/api/v1/inspections/{asked['id']}/answer"
    assert client.post(answer, json={"grant": True}, headers=world.headers("A")).status_code == 403
    assert client.post(answer, json={"grant": True}, headers=world.headers("auditor")).status_code == 403
    for body in ({}, {"grant": "yes"}, {"grant": 1}, {"grant": True, "answer": ["x"]}):
        resp = client.post(answer, json=body, headers=world.headers("chair"))
        assert resp.status_code == 400 and _error(resp) == "bad_request", body
    assert client.get(record, headers=world.headers("A")).status_code == 403
    resp = client.post(answer, json={"grant": True, "answer": "同意"}, headers=world.headers("chair"))
    assert resp.status_code == 200 and resp.get_json()["status"] == "granted" and resp.get_json()["answer"] == "同意"
    resp = client.post(answer, json={"grant": False}, headers=world.headers("member"))
    assert resp.status_code == 409 and _error(resp) == "inspection_answered"
    # granted: still nothing while the votes are counted (no running tally), the auditor edition from the result on
    resp = client.get(record, headers=world.headers("A"))
    assert resp.status_code == 409 and _error(resp) == "voting_open"
    world.close()
    assert client.get(record, headers=world.headers("A")).status_code == 200
    assert client.get(record, headers=world.headers("B1")).status_code == 403
    assert [(e["action"], e["actor"], e.get("status")) for e in _audit(world)] == [
        ("record.inspection_requested", world.users["A"], None),
        ("record.inspection_answered", world.users["chair"], "granted")]


def test_a_refused_owner_may_ask_again(world, client, mid):
    url = f"/api/v1/meetings/{mid}/inspections"
    first = client.post(url, headers=world.headers("B1")).get_json()
    resp = client.post(f"/api/v1/inspections/{first['id']}/answer", json={"grant": False, "answer": "理由不足"},
                       headers=world.headers("member"))
    assert resp.status_code == 200 and resp.get_json()["status"] == "refused"
    again = client.post(url, json={"reason": "补充理由"}, headers=world.headers("B1"))
    assert again.status_code == 201 and again.get_json()["status"] == "pending"
    mine = client.get(url, headers=world.headers("B1")).get_json()["requests"]
    assert [r["status"] for r in mine] == ["pending", "refused"]  # newest first
    assert client.post("/api/v1/inspections/99999/answer", json={"grant": True},
                       headers=world.headers("chair")).status_code == 404


def test_granted_as_asked_where_the_community_needs_no_approval(world, client, mid):
    from govern.register.models import Community

    with world.app.app_context():
        c = db.session.get(Community, world.cid)
        c.settings_json = {**(c.settings_json or {}), "inspection_needs_approval": False}
        db.session.commit()
    resp = client.post(f"/api/v1/meetings/{mid}/inspections", headers=world.headers("C"))
    assert resp.status_code == 201 and resp.get_json()["status"] == "granted"
    assert client.get(f"/api/v1/meetings/{mid}/inspections", headers=world.headers("C")
                      ).get_json()["needs_approval"] is False
    world.close()
    assert client.get(f"/api/v1/meetings/{mid}/record?edition=auditor", headers=world.headers("C")).status_code == 200
    assert [(e["action"], e["actor"]) for e in _audit(world)] == [
        ("record.inspection_requested", world.users["C"]), ("record.inspection_answered", None)]
