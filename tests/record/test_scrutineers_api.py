"""Scrutineers (监票人) through the API (issue #12 item 4): every member sees them, the committee names and removes
them before the close, with the pages' refusals and audit entries; a candidate of the meeting's election is not
eligible (the elections package registers the exclusion)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.extensions import db
from tests.ballots.helpers import OPENS
from tests.elections.helpers import ElectionWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def _url(mid: int, row: int | None = None) -> str:
    return f"/api/v1/meetings/{mid}/scrutineers" + ("" if row is None else f"/{row}")


def _error(resp) -> str:
    return resp.get_json()["error"]["code"]


def _actions(world) -> list[tuple[str, int | None]]:
    from govern.audit.models import AuditEntry

    with world.app.app_context():
        return [(a, u) for a, u in db.session.execute(
            select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.action.like("meeting.scrutineer_%"))
            .order_by(AuditEntry.id))]


def test_the_committee_names_and_removes_scrutineers_through_the_api(world, client):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    # an owner may not name one
    resp = client.post(_url(mid), json={"account": world.users["C"]}, headers=world.headers("A"))
    assert resp.status_code == 403
    # the pages' refusals: a member of the convening body, an account that is not an owner, a bad id
    for account in (world.users["member"], str(world.users["auditor"]), 999999):
        resp = client.post(_url(mid), json={"account": account}, headers=world.headers("chair"))
        assert resp.status_code == 409 and _error(resp) == "scrutineer_ineligible", account
    for body in ({}, {"account": "C"}, {"account": True}, {"account": ["1"]}, {"account": "9" * 40}):
        resp = client.post(_url(mid), json=body, headers=world.headers("chair"))
        assert resp.status_code == 400 and _error(resp) == "bad_request", body
    resp = client.post(_url(mid), json={"account": str(world.users["C"])}, headers=world.headers("chair"))
    assert resp.status_code == 201, resp.get_json()
    named = resp.get_json()
    assert named["account"] == str(world.users["C"]) and named["removed_at"] is None and named["name"]
    resp = client.post(_url(mid), json={"account": world.users["C"]}, headers=world.headers("member"))
    assert resp.status_code == 409 and _error(resp) == "scrutineer_ineligible"  # already named
    # every owner sees who the scrutineers are
    listing = client.get(_url(mid), headers=world.headers("A")).get_json()
    assert listing["open"] is True and [s["account"] for s in listing["scrutineers"]] == [str(world.users["C"])]
    # only the committee removes; removing again changes nothing
    assert client.delete(_url(mid, named["id"]), headers=world.headers("C")).status_code == 403
    resp = client.delete(_url(mid, named["id"]), headers=world.headers("member"))
    assert resp.status_code == 200 and resp.get_json()["removed_at"] is not None
    again = client.delete(_url(mid, named["id"]), headers=world.headers("chair"))
    assert again.status_code == 200 and again.get_json()["removed_at"] == resp.get_json()["removed_at"]
    assert client.delete(_url(mid, named["id"] + 1000), headers=world.headers("chair")).status_code == 404
    with world.app.app_context():
        from govern.meetings.scrutineers import is_scrutineer

        assert not is_scrutineer(world.user("C"), world.meeting(mid))
    assert _actions(world) == [("meeting.scrutineer_named", world.users["chair"]),
                               ("meeting.scrutineer_removed", world.users["member"])]
    # named again, then the close: neither naming nor removing any more
    row = client.post(_url(mid), json={"account": world.users["C"]}, headers=world.headers("chair")).get_json()
    world.close(tick=False)
    resp = client.post(_url(mid), json={"account": world.users["B1"]}, headers=world.headers("chair"))
    assert resp.status_code == 409 and _error(resp) == "window_closed"
    resp = client.delete(_url(mid, row["id"]), headers=world.headers("chair"))
    assert resp.status_code == 409 and _error(resp) == "window_closed"
    listing = client.get(_url(mid), headers=world.headers("B1")).get_json()
    assert listing["open"] is False and [s["removed_at"] is None for s in listing["scrutineers"]] == [False, True]


def test_a_scrutineer_of_another_meeting_is_not_removed_through_this_one(world, client):
    first, second = world.make_meeting(), world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    row = client.post(_url(first), json={"account": world.users["C"]}, headers=world.headers("chair")).get_json()
    assert client.delete(_url(second, row["id"]), headers=world.headers("chair")).status_code == 404
    assert client.get(_url(first), headers=world.headers("A")).get_json()["scrutineers"][0]["removed_at"] is None


def test_a_candidate_of_the_meetings_election_cannot_be_its_scrutineer(world, client):
    """A and B1 stand in the election: neither may be named (API or page); C, who does not stand, may."""
    mid, _motion = world.make_election(seats=1, candidates=("A", "B1"))
    world.clock.set(OPENS + timedelta(hours=1))
    resp = client.post(_url(mid), json={"account": world.users["A"]}, headers=world.headers("chair"))
    assert resp.status_code == 409 and _error(resp) == "scrutineer_ineligible"
    assert "候选人" in resp.get_json()["error"]["message"]
    world.login(client, "chair")
    assert client.post(f"/meetings/{mid}/scrutineers", data={"user": world.users["B1"]}).status_code == 303
    client.post("/logout")
    resp = client.post(_url(mid), json={"account": world.users["C"]}, headers=world.headers("chair"))
    assert resp.status_code == 201
    listing = client.get(_url(mid), headers=world.headers("A")).get_json()
    assert [s["account"] for s in listing["scrutineers"]] == [str(world.users["C"])]


def test_a_nominee_of_an_election_still_in_nominations_is_excluded(world, app):
    """Before nominations close (a draft meeting) a nomination not withdrawn already excludes the nominee."""
    from govern.errors import DomainError
    from govern.meetings import scrutineers

    mid, _motion = world.make_election(candidates=("A",), close=False, publish=False)
    with app.test_request_context():
        with pytest.raises(DomainError) as err:
            scrutineers.name_scrutineer(world.meeting(mid), world.user("A"), actor=world.user("chair"))
        assert err.value.code == "scrutineer_ineligible"
        assert scrutineers.name_scrutineer(world.meeting(mid), world.user("C"), actor=world.user("chair"))


def test_openapi_documents_the_scrutineer_and_inspection_routes(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    names = {"<id:meeting_id>": "{id}", "<id:row_id>": "{scrutineer_id}", "<id:request_id>": "{id}"}
    found = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("record_api.") and ("scrutineer" in rule.rule or "inspection" in rule.rule):
            path = rule.rule.removeprefix("/api/v1")
            for old, new in names.items():
                path = path.replace(old, new)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in spec["paths"].get(path, {}), (method, path)
                found += 1
    assert found == 6
