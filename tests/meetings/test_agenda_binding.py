"""Publishing the notice fixes the agenda object and its hash (#12 item 6): the API serves them, the record carries
them, and ``govern verify`` recomputes the hash and checks the motions against it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.core.agenda import AGENDA_TYPE, agenda_hash, build_agenda
from govern.core.archive import read_record
from govern.core.canonical import canonical_bytes
from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld, codes


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def test_worked_example_of_docs_ballot_format():
    """The example in docs/ballot-format.md, with its hash."""
    agenda = build_agenda(community="12", meeting="345", revision_policy="single-cast", invalid_policy="as-abstain",
                          motions=[{"id": "7", "title": "续聘物业服务企业",
                                    "text": "续聘现物业服务企业，合同期三年。\r\n收费标准不变。",
                                    "item": None, "matter": "ordinary", "attachments": []}])
    assert agenda["motions"][0]["text"] == "续聘现物业服务企业，合同期三年。\n收费标准不变。"  # LF line ends
    assert canonical_bytes(agenda).decode("utf-8") == (
        '{"community":"12","invalid_policy":"as-abstain","meeting":"345","motions":[{"attachments":[],'
        '"id":"7","item":null,"matter":"ordinary","text":"续聘现物业服务企业，合同期三年。\\n收费标准不变。",'
        '"title":"续聘物业服务企业"}],"revision_policy":"single-cast","type":"govern.agenda.v1"}')
    assert agenda_hash(agenda) == "7d2ca651701044256662bfd5e624948d1fee50b93394f50190f4f4ee5c5876fb"


def test_publishing_fixes_the_agenda_and_the_api_serves_it(app, world, client):
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")), publish=False)
    resp = client.get(f"/api/v1/meetings/{mid}/agenda", headers=world.headers("chair"))
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "no_agenda"
    with app.test_request_context():
        from govern.meetings import services

        services.publish_meeting(world.meeting(mid), actor=world.user("chair"))
        db.session.commit()
    info = client.get(f"/api/v1/meetings/{mid}", headers=world.headers("A")).get_json()
    agenda = client.get(f"/api/v1/meetings/{mid}/agenda", headers=world.headers("A")).get_json()
    assert agenda["type"] == AGENDA_TYPE and agenda["meeting"] == str(mid)
    assert [m["title"] for m in agenda["motions"]] == ["Hire a company", "Raise the fund"]
    assert [m["id"] for m in agenda["motions"]] == [m["id"] for m in info["motions"]]
    assert "opens_at" not in agenda and "closes_at" not in agenda  # an extension does not change it
    assert info["agenda_hash"] == agenda_hash(agenda)
    assert client.get(f"/api/v1/meetings/{mid}/agenda").status_code == 401


def _closed(world, client) -> int:
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "ordinary")))
    world.clock.set(OPENS + timedelta(hours=1))
    for name, choice in (("A", "agree"), ("B1", "oppose"), ("C", "agree")):
        body = world.ballot(client, mid, name, choice)
        assert world.cast(client, mid, name, body).status_code == 201
    world.close()
    return mid


def test_the_record_carries_the_agenda_and_verifies(app, world, client):
    mid = _closed(world, client)
    data = world.export(client, mid)
    meeting = json.loads(read_record(data)["meeting.json"])
    assert meeting["agenda_hash"] == agenda_hash(meeting["agenda"])
    assert codes(data) == set()


def test_swapped_motion_titles_fail_verification(app, world, client):
    """The operator swaps two motion titles after the vote: the record no longer matches the published agenda."""
    from govern.ballots.models import Motion

    mid = _closed(world, client)
    with app.app_context():
        first, second = db.session.scalars(select(Motion).where(Motion.meeting_id == mid).order_by(Motion.position))
        first.title, second.title = second.title, first.title
        db.session.commit()
    found = codes(world.export(client, mid))
    assert "agenda_mismatch" in found
    # ... and when the agenda is rewritten to match, its hash no longer does
    with app.app_context():
        from govern.ballots.models import Meeting

        m = db.session.get(Meeting, mid)
        agenda = json.loads(json.dumps(m.agenda))
        agenda["motions"][0]["title"], agenda["motions"][1]["title"] = (agenda["motions"][1]["title"],
                                                                          agenda["motions"][0]["title"])
        m.agenda = agenda
        db.session.commit()
    found = codes(world.export(client, mid))
    assert "agenda_hash_mismatch" in found
