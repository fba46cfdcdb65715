"""Paper ballots (second member attests, single-cast, scans) and the street office (verification job,
signed certifications announced to the owners)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from govern.ballots.models import BallotEntry
from govern.extensions import db
from tests.ballots.helpers import OPENS, PNG, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world):
    m = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    return m


def _entries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(BallotEntry.id)))


def _motion(world, client, mid) -> str:
    return world.info(client, mid)["motions"][0]["id"]


def test_same_member_may_not_attest(app, world, client, mid):
    resp = world.enter_paper(client, mid, world.person_of(mid, "C"), {_motion(world, client, mid): "agree"})
    assert resp.status_code == 303
    pid = world.latest_paper_id()
    refused = world.attest(client, pid, attested_by="member")  # told why on the paper ballot's page
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/paper-ballots/{pid}")
    assert _entries(app) == 0
    assert world.attest(client, pid, attested_by="chair").status_code == 303
    assert _entries(app) == 1
    with app.app_context():
        entry = db.session.scalar(select(BallotEntry))
        assert entry.kind == "paper" and entry.attestation["key_id"] == world.key_ids["chair"]
    assert world.attest(client, pid, attested_by="chair").status_code == 303  # already attested: refused, flash
    assert _entries(app) == 1


def test_paper_refused_after_electronic_single_cast(app, world, client, mid):
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C")).status_code == 201
    world.enter_paper(client, mid, world.person_of(mid, "C"), {_motion(world, client, mid): "oppose"})
    assert world.latest_paper_id() is None
    assert _entries(app) == 1


def test_electronic_refused_after_paper_single_cast(world, client, mid):
    world.enter_paper(client, mid, world.person_of(mid, "C"), {_motion(world, client, mid): "oppose"})
    world.attest(client, world.latest_paper_id())
    resp = world.cast(client, mid, "C", world.ballot(client, mid, "C"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_voted"


def test_scan_checked_by_magic_bytes_size_and_hash(app, world, client, mid):
    person, m = world.person_of(mid, "C"), _motion(world, client, mid)
    world.enter_paper(client, mid, person, {m: "agree"}, scan=b"GIF89a not accepted")
    assert world.latest_paper_id() is None
    body = world.paper_body(client, mid, person, {m: "agree"}, scan_hash="0" * 64)
    world.enter_paper(client, mid, person, {m: "agree"}, body=body)
    assert world.latest_paper_id() is None
    app.config["PAPER_SCAN_MAX_BYTES"] = 16
    world.enter_paper(client, mid, person, {m: "agree"}, scan=PNG)
    assert world.latest_paper_id() is None
    app.config["PAPER_SCAN_MAX_BYTES"] = 1024
    world.enter_paper(client, mid, person, {m: "agree"}, scan=PNG)
    pid = world.latest_paper_id()
    assert pid is not None
    world.login(client, "chair")  # the member who may attest it sees the scan while votes are counted
    resp = client.get(f"/paper-ballots/{pid}/scan")
    assert resp.status_code == 200 and resp.mimetype == "image/png" and resp.data == PNG
    world.login(client, "auditor")  # the street office, from the preliminary result (no running tally)
    assert client.get(f"/paper-ballots/{pid}/scan").status_code == 409


def test_owner_may_not_enter_paper(world, client, mid):
    body = world.paper_body(client, mid, world.person_of(mid, "C"), {_motion(world, client, mid): "agree"},
                            entered_by="A")
    world.login(client, "A")
    resp = client.post(f"/meetings/{mid}/paper", data={"body": json.dumps(body), "scan": (io.BytesIO(PNG), "s.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 403


def test_counts_apart_on_the_result_page(world, client, mid):
    world.enter_paper(client, mid, world.person_of(mid, "C"), {_motion(world, client, mid): "agree"})
    world.attest(client, world.latest_paper_id())
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    world.close()
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert 'data-ballots-paper="1"' in page and 'data-ballots-electronic="1"' in page


def test_verification_job_and_certification_announced(app, world, client, mid):
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    world.close()
    resp = client.post(f"/api/v1/meetings/{mid}/verifications", headers=world.headers("auditor"))
    assert resp.status_code == 202
    run = resp.get_json()
    assert run["status"] == "done" and run["valid"] is True and run["report"]["counted"] == 1
    assert client.post(f"/api/v1/meetings/{mid}/verifications", headers=world.headers("A")).status_code == 403
    result = world.results(client, mid)[0]
    resp = world.certify(client, mid, result, "order_correction", "")
    assert resp.status_code == 400  # an order of correction needs a reason
    resp = world.certify(client, mid, result, "order_correction", "未按规定公示")
    assert resp.status_code == 201
    assert world.certify(client, mid, result, "certify").status_code == 409
    assert world.certify(client, mid, result, "certify", name="chair").status_code == 403
    from govern.agenda.models import Notification

    with app.app_context():
        users = set(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "result_order_correction")))
    assert world.users["A"] in users and world.users["C"] in users
    world.login(client, "auditor")
    page = client.get(f"/audit/meetings/{mid}").get_data(as_text=True)
    assert "未按规定公示" in page
    world.login(client, "C")
    assert "未按规定公示" in client.get(f"/meetings/{mid}/result").get_data(as_text=True)
