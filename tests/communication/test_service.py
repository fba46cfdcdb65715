"""Service requests: lifecycle with the clock, overdue escalation, confirmation and rating, reopening."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from govern.extensions import db
from tests.communication.conftest import PNG, login


def _file(client, **data):
    form = {"kind": "repair:leak", "unit_id": "", "common_area": "", "description": "卫生间漏水"}
    form.update(data)
    return client.post("/c/garden/service/new", data=form, content_type="multipart/form-data")


def _req(app, rid=1):
    from govern.service.models import ServiceRequest

    with app.app_context():
        row = db.session.get(ServiceRequest, rid)
        db.session.expunge(row)
        return row


def _unit_id(app, number):
    from govern.register.models import Unit

    with app.app_context():
        return db.session.scalar(select(Unit.id).where(Unit.number == number))


def test_file_request_own_unit_with_photo_sets_clocks(app, world, clock):
    ann = login(app, "ann")
    resp = _file(ann, unit_id=str(_unit_id(app, "101")), photos=(io.BytesIO(PNG), "leak.png"))
    assert resp.status_code == 302
    req = _req(app)
    assert req.respond_due_at == clock.moment + timedelta(hours=24)
    assert req.resolve_due_at == clock.moment + timedelta(hours=72)
    assert req.status == "submitted"


def test_file_request_someone_elses_unit_refused(app, world):
    assert _file(login(app, "ann"), unit_id=str(_unit_id(app, "301"))).status_code == 400
    assert _file(login(app, "ann")).status_code == 400  # neither a unit nor a common area
    assert _file(login(app, "ann"), common_area="东门", kind="repair:noise").status_code == 400
    assert _file(login(app, "ann"), common_area="东门", photos=(io.BytesIO(b"%PDF-1.4"), "x.pdf")).status_code == 415


def test_lifecycle_with_events_audit_and_rating(app, world, clock):
    from govern.audit.models import AuditEntry

    _file(login(app, "ann"), common_area="2号楼大堂")
    staff = login(app, "staff")
    clock.advance(timedelta(hours=2))
    assert staff.post("/c/garden/service/1/acknowledge").status_code == 302
    assert staff.post("/c/garden/service/1/acknowledge").status_code == 409
    staff.post("/c/garden/service/1/assign", data={"assignee_id": world.users["staff2"]})
    clock.advance(timedelta(hours=20))
    staff.post("/c/garden/service/1/resolve", data={"note": "已更换水管"})
    ann = login(app, "ann")
    assert ann.post("/c/garden/service/1/confirm", data={"rating": "9"}).status_code == 302  # flashed error
    assert _req(app).status == "resolved"
    ann.post("/c/garden/service/1/confirm", data={"rating": "4", "comment": "及时"})
    req = _req(app)
    assert (req.status, req.rating, req.rating_comment) == ("closed", 4, "及时")
    with app.app_context():
        from govern.service.models import ServiceEvent

        kinds = list(db.session.scalars(select(ServiceEvent.kind).order_by(ServiceEvent.id)))
        assert kinds == ["filed", "acknowledged", "assigned", "resolved", "confirmed"]
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("service.%"))))
        assert actions == {"service.file", "service.acknowledge", "service.assign", "service.resolve",
                           "service.confirm"}


def test_reopen_clears_resolution_and_clock_keeps_running(app, world, clock):
    _file(login(app, "ann"), common_area="车库")
    staff = login(app, "staff")
    staff.post("/c/garden/service/1/resolve", data={"note": "已处理"})
    ann = login(app, "ann")
    ann.post("/c/garden/service/1/reopen", data={"reason": "还在漏"})
    req = _req(app)
    assert req.status == "reopened" and req.resolved_at is None and req.reopen_count == 1
    assert req.acknowledged_at is not None  # resolving counted as the first response
    clock.advance(timedelta(hours=73))
    assert _req(app).is_overdue(clock.moment)


def test_only_filer_confirms_and_only_staff_handles(app, world):
    _file(login(app, "ann"), common_area="车库")
    assert login(app, "bob1").post("/c/garden/service/1/confirm", data={"rating": "5"}).status_code == 404
    assert login(app, "chair").post("/c/garden/service/1/acknowledge").status_code == 403
    assert login(app, "bob1").get("/c/garden/service/1").status_code == 404
    assert login(app, "chair").get("/c/garden/service/1").status_code == 200


def test_overdue_escalates_to_committee_once(app, world, clock):
    from govern.delivery.models import Delivery
    from govern.delivery.tick import tick

    _file(login(app, "ann"), common_area="电梯")
    with app.app_context():
        clock.advance(timedelta(hours=24))
        assert tick()["service_escalations"] == 0  # exactly at the response clock: not late yet
        clock.advance(timedelta(seconds=1))
        assert tick()["service_escalations"] == 1
        assert tick()["service_escalations"] == 0
        rows = list(db.session.scalars(select(Delivery).where(Delivery.kind == "service_escalation")))
        assert [r.user_id for r in rows] == [world.users["chair"]]
    page = login(app, "chair").get("/c/garden/service/").get_data(as_text=True)
    assert "已逾期" in page
