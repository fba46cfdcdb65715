"""The roll objections through the API (#13 item 2): an owner files and reads their own, the committee reads all
and answers; an upheld answer that changes the roll voids the notice; after voting opens no objection is filed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.meetings.helpers import OPENS, World


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


def _file(world, client, mid, name="A", **body):
    return client.post(f"/api/v1/meetings/{mid}/roll/objections", headers=world.headers(name),
                       json={"text": "101 的面积应为 85.00", "unit": "101", **body})


def test_an_owner_objects_and_the_committee_answers_through_the_api(app, client, world):
    mid = world.make_meeting()
    resp = _file(world, client, mid)
    assert resp.status_code == 201 and resp.get_json()["mine"] is True
    oid = resp.get_json()["id"]
    assert _file(world, client, mid, "C", text="").get_json()["error"]["code"] == "bad_request"
    assert client.post(f"/api/v1/meetings/{mid}/roll/objections", headers=world.headers("chair"),
                       json={"text": "x"}).status_code == 403
    own = client.get(f"/api/v1/meetings/{mid}/roll/objections", headers=world.headers("C")).get_json()
    assert own["objections"] == [] and own["objections_open"] is True
    every = client.get(f"/api/v1/meetings/{mid}/roll/objections", headers=world.headers("chair")).get_json()
    assert [(o["id"], o["unit"], o["outcome"]) for o in every["objections"]] == [(oid, "101", None)]
    url = f"/api/v1/meetings/{mid}/roll/objections/{oid}/answer"
    assert client.post(url, headers=world.headers("A"), json={"outcome": "rejected", "answer": "x"}).status_code == 403
    assert client.post(url, headers=world.headers("chair"),
                       json={"outcome": "maybe", "answer": "x"}).get_json()["error"]["code"] == "bad_request"
    resp = client.post(url, headers=world.headers("chair"),
                       json={"outcome": "upheld", "answer": "面积按产权登记更正", "changes_roll": True})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["outcome"] == "upheld" and resp.get_json()["voided_notice"] is True
    with app.app_context():
        assert world.meeting(mid).is_published is False  # the notice is void; publishing again restarts it


def test_no_roll_objection_once_voting_opened(app, client, world):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    resp = _file(world, client, mid)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "roll_objection_closed"
