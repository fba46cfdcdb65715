"""Paper ballots and delegations through the JSON API (issue #15, item 7): the paper page's rules, a second member
attests, no running tally, hostile bodies answered with named 4xx."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from govern.ballots.models import BallotEntry
from govern.extensions import db
from tests.ballots.helpers import OPENS, PDF, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world):
    m = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    return m


def _enter(world, client, mid, body, *, name="member", scan=PDF):
    return client.post(f"/api/v1/meetings/{mid}/paper-ballots", headers=world.headers(name),
                       data={"body": json.dumps(body), "scan": (io.BytesIO(scan), "scan.pdf")},
                       content_type="multipart/form-data")


def _body(world, client, mid, voter="C", choice="agree"):
    motion = world.info(client, mid)["motions"][0]["id"]
    return world.paper_body(client, mid, world.person_of(mid, voter), {motion: choice})


def _entries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(BallotEntry.id)))


def test_enter_and_attest_through_the_api(app, world, client, mid):
    body = _body(world, client, mid)
    entered = _enter(world, client, mid, body)
    assert entered.status_code == 201, entered.get_json()
    paper = entered.get_json()
    assert paper["ballot"] == body["ballot"] and paper["position"] is None
    pid = paper["id"]

    listed = client.get(f"/api/v1/meetings/{mid}/paper-ballots", headers=world.headers("chair")).get_json()
    assert [p["id"] for p in listed["pending"]] == [pid]
    # no running tally: the street office sees that it waits, not what it says
    seen = client.get(f"/api/v1/paper-ballots/{pid}", headers=world.headers("auditor")).get_json()
    assert seen["ballot"] is None and seen["signature"] is None
    scan = client.get(f"/api/v1/paper-ballots/{pid}/scan", headers=world.headers("auditor"))
    assert scan.status_code == 409 and scan.get_json()["error"]["code"] == "voting_open"
    assert client.get(f"/api/v1/paper-ballots/{pid}/scan", headers=world.headers("chair")).data == PDF

    attest = world.attest_body(body["ballot"], "member")
    same = client.post(f"/api/v1/paper-ballots/{pid}/attestation", headers=world.headers("member"), json=attest)
    assert same.status_code == 403 and same.get_json()["error"]["code"] == "same_member"
    done = client.post(f"/api/v1/paper-ballots/{pid}/attestation", headers=world.headers("chair"),
                       json=world.attest_body(body["ballot"], "chair"))
    assert done.status_code == 200 and done.get_json()["position"] == 1
    assert _entries(app) == 1
    again = client.post(f"/api/v1/paper-ballots/{pid}/attestation", headers=world.headers("chair"),
                        json=world.attest_body(body["ballot"], "chair"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_attested"
    assert _entries(app) == 1


def test_only_committee_enters_and_attests(world, client, mid):
    body = _body(world, client, mid)
    refused = _enter(world, client, mid, body, name="auditor")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    owner = client.get(f"/api/v1/meetings/{mid}/paper-ballots", headers=world.headers("A"))
    assert owner.status_code == 403
    pid = _enter(world, client, mid, body).get_json()["id"]
    att = client.post(f"/api/v1/paper-ballots/{pid}/attestation", headers=world.headers("auditor"),
                      json=world.attest_body(body["ballot"], "auditor"))
    assert att.status_code == 403


def test_hostile_paper_bodies_are_named_4xx(world, client, mid):
    body = _body(world, client, mid)
    not_multipart = client.post(f"/api/v1/meetings/{mid}/paper-ballots", headers=world.headers("member"), json=body)
    assert not_multipart.status_code == 400 and not_multipart.get_json()["error"]["code"] == "bad_request"
    gif = _enter(world, client, mid, body, scan=b"GIF89a not a scan")
    assert gif.status_code == 400 and gif.get_json()["error"]["code"] == "bad_scan"
    broken = client.post(f"/api/v1/meetings/{mid}/paper-ballots", headers=world.headers("member"),
                         data={"body": "{not json", "scan": (io.BytesIO(PDF), "scan.pdf")},
                         content_type="multipart/form-data")
    assert broken.status_code == 400 and broken.get_json()["error"]["code"] == "bad_request"
    pid = _enter(world, client, mid, body).get_json()["id"]
    for bad in ({"attestation": [], "signature": "x", "key_id": "y"}, {"attestation": {}}, [1, 2]):
        resp = client.post(f"/api/v1/paper-ballots/{pid}/attestation", headers=world.headers("chair"), json=bad)
        assert resp.status_code == 400, (bad, resp.get_json())
    assert client.get("/api/v1/paper-ballots/2147483648", headers=world.headers("chair")).status_code == 404


def test_delegations_listed_for_principal_and_proxy(world, client, mid):
    did = world.delegate(client, mid, "A", "C").get_json()["id"]
    given = client.get(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("A")).get_json()
    assert given["person"] == world.person_of(mid, "A")
    assert [d["id"] for d in given["given"]] == [did] and given["held"] == []
    held = client.get(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C")).get_json()
    assert [d["id"] for d in held["held"]] == [did] and held["held"][0]["status"] == "pending"
    other = client.get(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("B1")).get_json()
    assert other["given"] == [] and other["held"] == []


def test_multipart_part_without_a_readable_name_is_400(world, client, mid):
    boundary = "b0undary"
    body = f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\n{{}}\r\n--{boundary}--\r\n".encode()
    resp = client.post(f"/api/v1/meetings/{mid}/paper-ballots", headers=world.headers("member"), data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_input"


def test_deep_or_non_finite_paper_body_is_400(world, client, mid):
    for text in ("[" * 100000 + "]" * 100000, '{"ballot": 1e400, "signature": "", "key_id": ""}'):
        resp = client.post(f"/api/v1/meetings/{mid}/paper-ballots", headers=world.headers("member"),
                           data={"body": text, "scan": (io.BytesIO(PDF), "scan.pdf")},
                           content_type="multipart/form-data")
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"


def test_deep_paper_body_on_the_page_is_not_a_500(app, world, client, mid):
    world.login(client, "member")
    resp = client.post(f"/meetings/{mid}/paper", data={"body": "[" * 100000 + "]" * 100000,
                                                       "scan": (io.BytesIO(PDF), "scan.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 303  # refused on the page with its message, like any malformed body
    assert world.latest_paper_id() is None
