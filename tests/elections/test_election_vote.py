"""An election motion end to end (#14 items 1, 2, 5): nominations close before the notice, the agenda publishes
the candidates, ballots mark candidates, the signed result is the election count and `govern verify` recounts it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from govern.core.agenda import agenda_hash
from govern.core.archive import read_record
from govern.extensions import db
from tests.ballots.helpers import OPENS, codes
from tests.elections.helpers import ElectionWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def test_the_notice_waits_for_closed_nominations(app, world):
    from govern.errors import DomainError
    from govern.meetings import services

    mid, _ = world.make_election(close=False, publish=False)
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        services.publish_meeting(world.meeting(mid), actor=world.user("chair"))
    assert refused.value.code == "nominations_open"


def test_the_agenda_publishes_the_candidates(app, world, client):
    mid, motion_id = world.make_election()
    ids = world.codes_of(mid, motion_id)
    agenda = client.get(f"/api/v1/meetings/{mid}/agenda", headers=world.headers("A")).get_json()
    election = next(m for m in agenda["motions"] if m["id"] == str(motion_id))
    assert election["kind"] == "election" and election["seats"] == 2 and election["max_marks"] == 2
    assert [c["id"] for c in election["candidates"]] == [ids["A"], ids["B1"], ids["C"]]
    assert set(election["candidates"][0]) == {"id", "name", "statement_sha256", "photo_sha256"}
    info = client.get(f"/api/v1/meetings/{mid}", headers=world.headers("A")).get_json()
    assert info["agenda_hash"] == agenda_hash(agenda)


def test_candidates_cannot_change_after_the_notice(app, world):
    from govern.elections import services
    from govern.elections.models import Candidate
    from govern.errors import DomainError

    mid, motion_id = world.make_election()
    with app.test_request_context():
        row = db.session.query(Candidate).filter_by(motion_id=motion_id).first()
        with pytest.raises(DomainError) as refused:
            services.set_statement(row, actor=db.session.get(type(world.user("A")), row.user_id), statement="改")
        assert refused.value.code == "notice_published"


def _marks(world, client, mid, motion_id, name, marks):
    ordinary = next(m["id"] for m in world.info(client, mid)["motions"] if m["id"] != str(motion_id))
    body = world.ballot(client, mid, name, choices={ordinary: "agree", str(motion_id): {"marks": marks}})
    return world.cast(client, mid, name, body)


def test_marks_are_checked_at_cast_time(app, world, client):
    mid, motion_id = world.make_election()
    ids = world.codes_of(mid, motion_id)
    world.clock.set(OPENS + timedelta(hours=1))
    for marks, code in (([ids["A"], ids["B1"], ids["C"]], "too_many_marks"), (["c999"], "unknown_candidate"),
                        ([ids["A"], ids["A"]], "bad_request")):
        resp = _marks(world, client, mid, motion_id, "A", marks)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code, resp.get_json()
    body = world.ballot(client, mid, "A", "agree")  # "agree" on an election is not a choice
    resp = world.cast(client, mid, "A", body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"
    assert _marks(world, client, mid, motion_id, "A", [ids["A"], ids["C"]]).status_code == 201


def test_the_signed_result_is_the_election_count_and_verifies(app, world, client):
    mid, motion_id = world.make_election()
    ids = world.codes_of(mid, motion_id)
    world.clock.set(OPENS + timedelta(hours=1))
    for name, marks in (("A", [ids["A"], ids["C"]]), ("B1", [ids["C"], ids["A"]]), ("C", [ids["C"]])):
        assert _marks(world, client, mid, motion_id, name, marks).status_code == 201
    world.close()
    result = next(r for r in world.results(client, mid) if r["motion"] == str(motion_id))["document"]["result"]
    assert result["kind"] == "election" and result["seats"] == 2
    assert result["elected"][0] == ids["C"]  # three agree persons
    by_id = {c["id"]: c for c in result["candidates"]}
    assert by_id[ids["C"]]["agree"]["persons"] == 3 and by_id[ids["B1"]]["agree"]["persons"] == 0
    assert ids["B1"] not in result["elected"] and by_id[ids["B1"]]["passes"] is False
    world.countersign(client, mid, "chair")
    world.countersign(client, mid, "member")
    data = world.export(client, mid)
    assert codes(data) == set()
    meeting = json.loads(read_record(data)["meeting.json"])
    assert any(m.get("kind") == "election" for m in meeting["agenda"]["motions"])


def test_verify_recounts_the_election(app, world, client):
    """The operator moves a seat in the signed result: the record no longer verifies."""
    mid, motion_id = world.make_election()
    ids = world.codes_of(mid, motion_id)
    world.clock.set(OPENS + timedelta(hours=1))
    for name, marks in (("A", [ids["A"]]), ("B1", [ids["A"]]), ("C", [ids["C"]])):
        assert _marks(world, client, mid, motion_id, name, marks).status_code == 201
    world.close()
    world.countersign(client, mid, "chair")
    world.countersign(client, mid, "member")
    from govern.ballots.models import MotionResult

    with app.app_context():
        row = db.session.query(MotionResult).filter_by(motion_id=motion_id).one()
        document = json.loads(json.dumps(row.document))
        document["result"]["elected"] = [ids["C"]]
        row.document = document
        db.session.commit()
    assert "result_mismatch" in codes(world.export(client, mid))


def test_the_committee_adds_an_election_from_the_meeting_page(app, world, client):
    mid = world.make_meeting(publish=False)
    world.login(client, "chair")
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert f'action="/meetings/{mid}/elections"' in page
    resp = client.post(f"/meetings/{mid}/elections", data={"title": "选举业主委员会", "seats": "5", "mode": "equal"})
    assert resp.status_code == 302
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert "/elections/" in page
    world.login(client, "A")
    assert client.post(f"/meetings/{mid}/elections", data={"title": "x", "seats": "1"}).status_code == 403
