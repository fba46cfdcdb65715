"""#13 item 9 (R29, R11): a voided notice's frozen roll is kept; the street office convenes only with a reason,
which the audit log and the record carry."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.audit.models import AuditEntry
from govern.ballots.models import RollPerson, VoidedRoll
from govern.extensions import db
from govern.meetings import services
from govern.meetings.roll import voided_rolls
from govern.register.models import Community
from tests.meetings.helpers import START, World


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


def test_a_voided_notice_keeps_its_frozen_roll(app, client, auth, world):
    mid = world.make_meeting()
    with app.app_context():
        m = world.meeting(mid)
        first_hash, persons = m.roll_hash, m.total_persons
        units = {u for p in db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == mid))
                 for u in p.owners}
    auth.login("chair")
    form = {
        "title": "Changed title", "kind": "regular", "opens_at": "2025-03-25T09:00", "closes_at": "2025-04-01T09:00",
        "revision_policy": "single-cast", "invalid_policy": "as-abstain",
        "motions-0-title": "Changed motion", "motions-0-text": "New text", "motions-0-matter": "ordinary",
    }
    assert client.post(f"/meetings/{mid}/edit", data=form).status_code == 302
    world.clock.set(START + timedelta(days=1))
    assert client.post(f"/meetings/{mid}/publish").status_code == 302
    with app.test_request_context():
        m = world.meeting(mid)
        services.void_notice(m, actor=world.user("chair"), reason="面积有误")
        db.session.commit()
        kept = voided_rolls(world.meeting(mid))
        assert [k.generation for k in kept] == [1, 2]
        assert kept[0].roll_hash == first_hash and kept[0].reason == "edited"
        assert kept[1].reason == "面积有误" and kept[1].voided_by_id == world.users["chair"]
        assert len(kept[0].snapshot) == persons and kept[0].total_persons == persons
        assert {o for p in kept[0].snapshot for o in p["owners"]} == units
        assert all(p["units"] for p in kept[0].snapshot)
        # the live roll is cleared for the next notice; the audit entry names the kept snapshot
        assert db.session.scalar(select(RollPerson.id).where(RollPerson.meeting_id == mid)) is None
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.notice_void")
                                     .order_by(AuditEntry.id)).all()
        assert [e.data["voided_roll"] for e in entries] == [1, 2]
        assert db.session.scalar(select(db.func.count(VoidedRoll.id))) == 2


def _slug(app, cid: int) -> str:
    with app.app_context():
        return db.session.get(Community, cid).slug


FORM = {"title": "街道办召集的业主大会", "kind": "regular", "opens_at": "2025-03-25T09:00",
        "closes_at": "2025-04-01T09:00", "revision_policy": "single-cast", "invalid_policy": "as-abstain",
        "motions-0-title": "选举业主委员会", "motions-0-text": "全文", "motions-0-matter": "ordinary"}


def test_the_street_office_convenes_only_with_a_reason(app, client, auth, world):
    slug = _slug(app, world.cid)
    auth.login("auditor")
    page = client.get(f"/c/{slug}/meetings/new")
    assert page.status_code == 200 and 'name="convening_reason"' in page.get_data(as_text=True)
    resp = client.post(f"/c/{slug}/meetings/new", data=FORM)
    assert resp.status_code == 400
    reason = "业主委员会收到20%业主的请求后30日内未召集"
    resp = client.post(f"/c/{slug}/meetings/new", data={**FORM, "convening_reason": reason})
    assert resp.status_code == 302
    mid = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    assert reason in client.get(f"/meetings/{mid}").get_data(as_text=True)
    with app.app_context():
        m = world.meeting(mid)
        assert (m.convener, m.convening_reason) == ("street_office", reason)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.create"))
        assert entry.data["convening_reason"] == reason
    with app.test_request_context():
        services.publish_meeting(world.meeting(mid), actor=world.user("auditor"))
        db.session.commit()
        from govern.record.export import export_record

        with zipfile.ZipFile(io.BytesIO(export_record(world.meeting(mid)))) as zf:
            meeting = json.loads(zf.read("meeting.json"))
        assert meeting["convener"] == "street_office" and meeting["convening_reason"] == reason


def test_the_committee_is_not_asked_for_a_reason(app, client, auth, world):
    slug = _slug(app, world.cid)
    auth.login("chair")
    assert 'name="convening_reason"' not in client.get(f"/c/{slug}/meetings/new").get_data(as_text=True)
    assert client.post(f"/c/{slug}/meetings/new", data=FORM).status_code == 302
