"""The published roll (issue #13 item 2): owners see it without names and object before voting opens; the
committee sees the flags and answers; an upheld objection that changes the roll voids the notice (R10)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.audit.models import AuditEntry
from govern.extensions import db
from govern.meetings.models import RollObjection
from govern.register.models import Community
from govern.register.services import import_register
from tests.ballots.helpers import RecordWorld
from tests.factories import SMALL_REGISTER
from tests.meetings.helpers import OPENS

#: A also co-owns 302 with S: A alone and A+S are distinct persons, flagged for the committee (R4d).
OVERLAP = SMALL_REGISTER + "302,3,90.00,delivered,A;S,S=孙八,\n"


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _import(world, text: str) -> None:
    with world.app.test_request_context():
        import_register(db.session.get(Community, world.cid), text.encode("utf-8"), actor=None, source="test")
        db.session.commit()


def _audit(app, action: str) -> list:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_owners_see_the_frozen_roll_without_names_and_the_committee_sees_the_flags(app, client, world):
    _import(world, OVERLAP)
    mid = world.make_meeting()
    world.login(client, "C")
    page = client.get(f"/meetings/{mid}/roll").get_data(as_text=True)
    assert "101" in page and "140.00" in page and "201" in page
    assert "张三" not in page and "李四" not in page and "孙八" not in page
    assert "A+S" not in page and "distinct persons" not in page.lower()
    world.login(client, "chair")
    page = client.get(f"/meetings/{mid}/roll").get_data(as_text=True)
    assert "A:" in page  # owner A belongs to two persons: the committee confirms them
    world.login(client, "auditor")
    assert client.get(f"/meetings/{mid}/roll").status_code == 403


def test_an_objection_is_filed_answered_and_recorded(app, client, world):
    mid = world.make_meeting()
    world.login(client, "C")
    resp = client.post(f"/meetings/{mid}/roll/objections", data={"unit": "301", "text": "面积应为 101.50 平方米"})
    assert resp.status_code == 302
    with app.app_context():
        objection = db.session.scalar(select(RollObjection))
        assert (objection.unit, objection.outcome) == ("301", "")
    assert len(_audit(app, "meeting.roll_objection")) == 1
    world.login(client, "C")  # an owner cannot answer
    client.post(f"/meetings/{mid}/roll/answers",
                data={"objection": objection.id, "outcome": "upheld", "answer": "ok"})
    with app.app_context():
        assert db.session.get(RollObjection, objection.id).outcome == ""
    world.login(client, "chair")
    client.post(f"/meetings/{mid}/roll/answers",
                data={"objection": objection.id, "outcome": "rejected", "answer": "不动产登记簿记载为 100.00 平方米"})
    with app.app_context():
        answered = db.session.get(RollObjection, objection.id)
        assert answered.outcome == "rejected" and not answered.voided_notice
        assert world.meeting(mid).is_published
    assert len(_audit(app, "meeting.roll_objection_answer")) == 1
    world.login(client, "C")
    assert "不动产登记簿记载为 100.00 平方米" in client.get(f"/meetings/{mid}/roll").get_data(as_text=True)
    world.close()
    with zipfile.ZipFile(io.BytesIO(world.export(client, mid))) as z:
        meeting = json.loads(z.read("meeting.json"))
    [item] = meeting["roll_objections"]
    assert (item["unit"], item["outcome"], item["voided_notice"]) == ("301", "rejected", False)


def test_an_upheld_objection_that_changes_the_roll_voids_the_notice(app, client, world):
    mid = world.make_meeting()
    with app.app_context():
        first_hash = world.meeting(mid).roll_hash
    world.login(client, "C")
    client.post(f"/meetings/{mid}/roll/objections", data={"text": "301 的面积登记错误"})
    with app.app_context():
        oid = db.session.scalar(select(RollObjection.id))
    world.login(client, "chair")
    resp = client.post(f"/meetings/{mid}/roll/answers",
                       data={"objection": oid, "outcome": "upheld", "answer": "已更正登记簿", "changes_roll": "yes"})
    assert resp.status_code == 302
    with app.app_context():
        meeting = world.meeting(mid)
        assert not meeting.is_published and meeting.void_count == 1 and meeting.roll_hash is None
        assert db.session.get(RollObjection, oid).voided_notice
    [void] = _audit(app, "meeting.notice_void")
    assert void.data["reason"] == "roll_objection" and void.data["roll_hash"] == first_hash
    world.clock.set(world.clock.moment + timedelta(days=1))
    world.login(client, "chair")
    client.post(f"/meetings/{mid}/publish")
    with app.app_context():  # published again: a new roll, a new notice day
        meeting = world.meeting(mid)
        assert meeting.is_published and meeting.roll_hash and meeting.notice_date == world.clock.moment.date()


def test_objections_close_when_voting_opens(app, client, world):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(minutes=1))
    world.login(client, "C")
    client.post(f"/meetings/{mid}/roll/objections", data={"text": "太晚了"})
    with app.app_context():
        assert db.session.scalar(select(RollObjection.id)) is None
    resp = client.get(f"/meetings/{mid}/roll")
    assert resp.status_code == 200 and 'name="text"' not in resp.get_data(as_text=True)


def test_a_voided_notice_takes_its_caster_changes_and_the_new_roll_verifies(app, client, world):
    from govern.ballots.models import BallotEntry
    from govern.core.verify import verify_record

    mid = world.make_meeting()
    world.login(client, "chair")  # the committee names the developer's representative during the notice period
    client.post(f"/meetings/{mid}/developer-representative", data={"username": "member", "action": "add"})
    with app.app_context():
        assert world.meeting(mid).ledger_length == 1
    world.login(client, "C")
    client.post(f"/meetings/{mid}/roll/objections", data={"text": "201 的归并有误"})
    with app.app_context():
        oid = db.session.scalar(select(RollObjection.id))
    world.login(client, "chair")
    client.post(f"/meetings/{mid}/roll/answers",
                data={"objection": oid, "outcome": "upheld", "answer": "已更正", "changes_roll": "yes"})
    with app.app_context():
        meeting = world.meeting(mid)
        assert (meeting.ledger_length, meeting.ledger_head) == (0, "0" * 64)
        assert db.session.scalar(select(BallotEntry.id)) is None
    [void] = _audit(app, "meeting.notice_void")
    assert void.data["caster_changes_discarded"] == 1
    assert len(_audit(app, "meeting.caster_change")) == 1
    client.post(f"/meetings/{mid}/publish")
    world.clock.set(OPENS + timedelta(hours=1))
    body = world.ballot(client, mid, "member")  # the representative, frozen into the new roll, casts
    assert world.cast(client, mid, "member", body).status_code == 201
    world.close()
    report = verify_record(world.export(client, mid), workers=1)
    assert report.valid, [str(p) for p in report.problems]
    with zipfile.ZipFile(io.BytesIO(world.export(client, mid))) as z:
        assert json.loads(z.read("meeting.json"))["roll_objections"][0]["voided_notice"] is True
