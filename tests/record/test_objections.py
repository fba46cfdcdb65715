"""R26 (#13 item 8): the objection period after the preliminary result, owners' objections, the convening body's
signed answers, an upheld objection ordering a correction, the record carrying them, and the court deadline."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest

from govern.core.ballot import format_time
from govern.core.keys import sign
from govern.core.objections import answer_object
from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld, codes


def _world(app, factory, monkeypatch, days: int | None) -> RecordWorld:
    world = RecordWorld(app, factory, monkeypatch)
    if days is not None:
        with app.app_context():
            from govern.register.models import Community

            community = db.session.get(Community, world.cid)
            community.settings_json = {**(community.settings_json or {}), "objection_days": days}
            db.session.commit()
    return world


@pytest.fixture
def world(app, factory, monkeypatch):
    return _world(app, factory, monkeypatch, 7)


@pytest.fixture
def mid(world):
    m = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    return m


def _stage(world, client, mid) -> str:
    return client.get(f"/api/v1/meetings/{mid}", headers=world.headers("A")).get_json()["stage"]


def _object(world, client, mid, name="A", text="第2项计票有误", motion=None):
    return client.post(f"/api/v1/meetings/{mid}/objections", json={"text": text, "motion": motion},
                       headers=world.headers(name))


def _answer_body(world, item: dict, decision: str, answer: str, name: str = "chair") -> dict:
    o = answer_object(item["objection"], decision=decision, answer=answer, signed_at=format_time(world.clock.moment))
    return {"answer": o, "signature": sign(world.keys[name], o), "key_id": world.key_ids[name]}


def _answer(world, client, item: dict, decision="dismiss", answer="经复核，计票无误。", name="chair", body=None):
    return client.post(f"/api/v1/objections/{item['id']}/answer", headers=world.headers(name),
                       json=body or _answer_body(world, item, decision, answer, name))


def _meeting_json(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return json.loads(zf.read("meeting.json"))


def test_the_period_is_the_community_setting_fixed_at_publication(app, world, client, mid):
    with app.app_context():
        assert world.meeting(mid).objection_days == 7
        from govern.register.models import Community

        db.session.get(Community, world.cid).settings_json = {"objection_days": 0}
        db.session.commit()
        assert world.meeting(mid).objection_days == 7  # the published meeting keeps its period


def test_owners_object_during_the_period_and_the_committee_answers(app, world, client, mid):
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    assert _object(world, client, mid).status_code == 409  # voting is open: no result to object to
    world.name_scrutineer(mid, "C")
    world.close()
    world.countersign(client, mid, "chair")
    world.countersign(client, mid, "member")
    world.countersign(client, mid, "C")  # a v2 result needs a scrutineer's countersignature too
    assert _stage(world, client, mid) == "objection"
    resp = _object(world, client, mid, "member")
    assert resp.status_code == 403  # not on the roll
    resp = _object(world, client, mid, motion=world.results(client, mid)[1]["motion"])
    assert resp.status_code == 201, resp.get_json()
    item = resp.get_json()
    assert item["answered"] is False and "user" not in item["objection"]
    # an owner may not answer; the answer must be signed by the convening body's member
    assert _answer(world, client, item, name="A").status_code == 403
    bad = _answer_body(world, item, "dismiss", "无误")
    bad["answer"]["answer"] = "tampered"
    assert _answer(world, client, item, body=bad).status_code == 400
    # the period ends, the objection is unanswered: the meeting waits in ``objection``
    world.clock.set(world.clock.moment + timedelta(days=8))
    assert _object(world, client, mid).get_json()["error"]["code"] == "objection_closed"
    assert _stage(world, client, mid) == "objection"
    resp = _answer(world, client, item)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["decision"] == "dismiss"
    assert _answer(world, client, item).get_json()["error"]["code"] == "already_answered"
    assert _stage(world, client, mid) == "final"
    data = world.export(client, mid)
    meeting = _meeting_json(data)
    assert meeting["objection_period_days"] == 7
    assert len(meeting["objections"]) == 1 and meeting["objections"][0]["answer"]["object"]["decision"] == "dismiss"
    assert codes(data) == set()
    # owners read the objection and its answer on the result page
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/result?lang=en").get_data(as_text=True)
    assert "经复核，计票无误。" in page and "第2项计票有误" in page


def test_an_upheld_objection_orders_a_correction(app, world, client, mid):
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.close()
    item = _object(world, client, mid).get_json()
    resp = _answer(world, client, item, decision="uphold", answer="第2项重新计票。")
    assert resp.status_code == 200
    assert _stage(world, client, mid) == "objected"
    with app.app_context():
        from sqlalchemy import select

        from govern.audit.models import AuditEntry

        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"result.objection_file", "result.objection_answer"} <= actions


def test_verify_flags_a_tampered_or_missing_answer(app, world, client, mid):
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.close()
    item = _object(world, client, mid).get_json()
    assert _answer(world, client, item).status_code == 200
    with app.app_context():
        from govern.core.objections import check_objections
        from govern.core.verify import verified

        v = verified(world.export(client, mid), workers=1)
        meeting = _meeting_json(world.export(client, mid))
        assert check_objections(meeting, holder=v.keys.holder, signers=v.keys.committee, stage="final") == []
        meeting["objections"][0]["answer"]["object"]["answer"] = "改过的"
        assert [c for c, _ in check_objections(meeting, holder=v.keys.holder, signers=v.keys.committee,
                                               stage="final")] == ["objection_answer_invalid"]
        meeting["objections"][0]["answer"] = None
        assert [c for c, _ in check_objections(meeting, holder=v.keys.holder, signers=v.keys.committee,
                                               stage="final")] == ["objection_unanswered"]
        assert [c for c, _ in check_objections(meeting, holder=v.keys.holder, signers=v.keys.committee,
                                               stage="objection")] == []


def test_without_a_period_the_objection_stage_is_skipped(app, factory, monkeypatch, client):
    world = _world(app, factory, monkeypatch, None)
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    world.name_scrutineer(mid, "C")
    world.close()
    world.countersign(client, mid, "chair")
    world.countersign(client, mid, "member")
    world.countersign(client, mid, "C")
    assert _stage(world, client, mid) == "final"
    assert _object(world, client, mid).get_json()["error"]["code"] == "objection_closed"


def test_the_result_page_states_the_court_deadline_from_publication(app, world, client, mid):
    world.close()  # 2025-03-31 (Beijing): the preliminary result is published that day
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/result?lang=en").get_data(as_text=True)
    assert 'data-court-deadline="2026-03-31"' in page
    assert "SPC art. 12" in page and "not moved" in page
    assert "publication period" not in page  # the committee's clock
    world.login(client, "chair")
    page = client.get(f"/meetings/{mid}/result?lang=en").get_data(as_text=True)
    assert "the 3-day publication period from the preliminary result ends on" in page


def test_a_revocation_changes_the_status_everywhere_and_reaches_the_lobby(app, world, client, mid):
    for name in ("A", "B1", "C"):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, "agree")).status_code == 201
    world.close()
    results = world.results(client, mid)
    before = [r["status"] for r in results]
    assert before[0] == "adopted" and set(before) <= {"adopted", "not_adopted"}
    resp = world.certify(client, mid, results[0], verdict="revoke", reason="召集程序违法")
    assert resp.status_code == 201
    statuses = [r["status"] for r in world.results(client, mid)]
    assert statuses == ["revoked", before[1]]
    world.login(client, "A")
    for url in (f"/meetings/{mid}/result", f"/meetings/{mid}"):
        page = client.get(url).get_data(as_text=True)
        assert page.count('data-result-status="revoked"') == 1 and "已撤销" in page, url
    with app.test_request_context():
        from govern.minutes.views import result_pdf_context

        context = result_pdf_context(world.meeting(mid))
        assert context["revoked_hashes"] == {results[0]["document_hash"]}
        from govern.notices.models import Notice

        notice = db.session.scalars(db.select(Notice)).one()
        slug = world.meeting(mid).community.slug
        assert notice.issuer == "street_office" and notice.audience == "all" and notice.is_important
    page = client.get(f"/c/{slug}/notices/{notice.id}/print").get_data(as_text=True)
    assert "召集程序违法" in page and "街道办" in page and "<img" in page


def test_owner_objects_and_the_chair_answers_through_the_pages(app, world, client, mid):
    import html
    import re

    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.close()
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert "提交异议" in page  # the form, during the period
    resp = client.post(f"/meetings/{mid}/objections", data={"text": "参与人数统计有误", "motion": ""})
    assert resp.status_code == 303
    with app.app_context():
        from govern.record.models import ResultObjection

        oid = db.session.scalars(db.select(ResultObjection.id)).one()
    assert client.get(f"/objections/{oid}/answer").status_code == 403  # an owner does not answer
    world.login(client, "chair")
    page = client.get(f"/objections/{oid}/answer?decision=dismiss&answer=已复核").get_data(as_text=True)
    document = html.unescape(re.search(r'name="document" value="([^"]+)"', page).group(1))
    obj = json.loads(document)
    resp = client.post(f"/objections/{oid}/answer", data={
        "document": document, "signature": sign(world.keys["chair"], obj), "key_id": world.key_ids["chair"]})
    assert resp.status_code == 303
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert "不予采纳" in page and "已复核" in page
    # the street office's signing page shares the signing form
    world.login(client, "auditor")
    motion = world.results(client, mid)[0]["motion"]
    page = client.get(f"/audit/meetings/{mid}/results/{motion}/certify?verdict=certify").get_data(as_text=True)
    assert 'id="doc-certification"' in page and 'data-document="doc-certification"' in page


def test_the_objection_period_runs_from_the_preliminary_result_not_the_countersignatures(app, world, client, mid):
    """Issue #12 item 1: preliminary -> objection -> final; the period starts with the signed result, and the
    meeting is final only once the period is over and every result is countersigned."""
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.name_scrutineer(mid, "C")
    world.close()
    assert _stage(world, client, mid) == "objection"  # no countersignature yet: the period runs all the same
    assert _object(world, client, mid).status_code == 201
    world.clock.set(world.clock.moment + timedelta(days=8))
    assert _stage(world, client, mid) == "objection"  # the objection is unanswered
    item = client.get(f"/api/v1/meetings/{mid}/objections", headers=world.headers("chair")).get_json()["objections"][0]
    assert _answer(world, client, item).status_code == 200
    assert _stage(world, client, mid) == "objection"  # period over and answered, countersignatures missing
    world.countersign(client, mid, "chair")
    world.countersign(client, mid, "member")
    assert _stage(world, client, mid) == "objection"
    world.countersign(client, mid, "C")
    assert _stage(world, client, mid) == "final"
