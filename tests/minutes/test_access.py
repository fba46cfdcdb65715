"""Who may see and do what: the predicates directly, then the pages and PDFs over HTTP (claim-sheet PDF included)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern import jobs
from govern.accounts.models import User
from govern.extensions import db
from govern.minutes import access, services
from govern.minutes.models import CommitteeMeeting
from govern.register.models import Community
from tests.minutes.helpers import START, World, has_poppler, pdftotext


@pytest.fixture
def world(app, factory, monkeypatch):
    w = World(app, factory, monkeypatch, owners=("A",))
    w.users["staff"] = factory.user("staff", roles=("property_staff",), community=w.cid)
    w.users["admin"] = factory.user("admin", roles=("admin",))
    w.other = factory.community(slug="park", name="公园小区")
    w.users["stranger"] = factory.user("stranger", community=w.other, owner_ref="A")
    return w


def _draft(app, world) -> int:
    with app.test_request_context():
        cm = services.create_committee_meeting(db.session.get(Community, world.cid), services.CommitteeMeetingData(
            title="草稿会议", starts_at=START + timedelta(days=10), items=[services.ItemData(title="议题")]),
            actor=world.user("chair"))
        db.session.commit()
        return cm.id


def test_predicates(app, world):
    cm_id = _draft(app, world)
    with app.test_request_context():
        community = db.session.get(Community, world.cid)
        cm = db.session.get(CommitteeMeeting, cm_id)
        who = {n: db.session.get(User, world.users[n]) for n in ("chair", "member", "A", "staff", "auditor", "admin",
                                                                  "stranger")}
        assert [n for n, u in who.items() if access.can_manage_committee(u, community)] == ["chair", "member"]
        assert sorted(n for n, u in who.items() if access.can_view_committee_meeting(u, cm)) == \
            ["admin", "auditor", "chair", "member"]
        services.publish_agenda(cm, actor=who["chair"])
        assert sorted(n for n, u in who.items() if access.can_view_committee_meeting(u, cm)) == \
            ["A", "admin", "auditor", "chair", "member", "staff"]
        assert not any(access.can_view_committee_minutes(u, cm) for u in who.values())  # nothing closed yet


def test_draft_committee_meeting_hidden_from_owners_and_strangers(app, client, auth, world):
    cm_id = _draft(app, world)
    url = f"/c/garden/committee-meetings/{cm_id}"
    assert client.get(url).status_code == 302  # to the login page
    for name, status in (("a", 404), ("stranger", 403), ("chair", 200)):
        auth.login(name)
        assert client.get(url).status_code == status, name
        auth.logout()


def test_owner_cannot_act_for_the_committee(app, client, auth, world):
    cm_id = _draft(app, world)
    auth.login("a")
    assert client.post(f"/c/garden/committee-meetings/{cm_id}/publish-agenda").status_code == 403
    assert client.post("/c/garden/committee-meetings/new", data={"title": "x"}).status_code == 403
    with app.app_context():
        assert db.session.get(CommitteeMeeting, cm_id).agenda_published_at is None


def test_committee_creates_meeting_through_the_form(app, client, auth, world):
    auth.login("chair")
    resp = client.post("/c/garden/committee-meetings/new", data={
        "title": "第四次会议", "location": "会所", "starts_at": "2025-03-20T19:00",
        "items-0-title": "审议保洁合同", "items-0-art278_item": "", "items-1-title": "选举业委会委员",
        "items-1-art278_item": "3"})
    assert resp.status_code == 302
    with app.app_context():
        cm = db.session.query(CommitteeMeeting).one()
        assert [i.art278_item for i in cm.items] == [None, 3]
        assert cm.starts_at.hour == 11  # 19:00 in Shanghai is 11:00 UTC


def _sheet(app, world) -> int:
    from govern.accounts import jobs as account_jobs

    with app.test_request_context():
        sheet = account_jobs.request_claim_sheet(db.session.get(Community, world.cid), actor=world.user("chair"))
        jobs.enqueue(account_jobs.render_claim_sheet, sheet.id)
        jobs.commit()
        return sheet.id


@pytest.mark.skipif(not has_poppler(), reason="poppler-utils is not installed")
def test_claim_sheet_pdf_committee_only_and_holds_the_codes(app, client, auth, world, tmp_path):
    from govern.accounts.models import ClaimSheet

    sheet_id = _sheet(app, world)
    url = f"/c/garden/claim-sheets/{sheet_id}.pdf"
    for name in ("a", "staff", "auditor"):
        auth.login(name)
        assert client.get(url).status_code == 403, name
        auth.logout()
    auth.login("chair")
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Cache-Control"] == "no-store"
    text = pdftotext(resp.data, tmp_path)
    with app.app_context():
        html = db.session.get(ClaimSheet, sheet_id).html
    import re

    codes = re.findall(r'<span class="code">([^<]+)</span>', html)
    assert codes and all(code in text for code in codes)
    assert client.get(f"/c/garden/claim-sheets/{sheet_id + 99}.pdf").status_code == 404
