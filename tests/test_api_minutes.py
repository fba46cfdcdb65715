"""Minutes through the JSON API (issue #15, item 7): owners read published assembly minutes and their PDF, the
committee also the draft; committee meetings list and read with the pages' predicates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.ballots.models import Meeting
from govern.extensions import db
from govern.minutes import services
from govern.minutes.models import MinutesRevision
from govern.register.models import Community
from tests.meetings.helpers import START
from tests.minutes.helpers import World, approve, closed_assembly

TEXT = "## 讨论情况\n\n业主对电梯维保提出意见。"


@pytest.fixture
def world(app, factory, monkeypatch):
    w = World(app, factory, monkeypatch)
    w.other = factory.community(slug="park", name="公园小区")
    w.users["stranger"] = factory.user("stranger", community=w.other, owner_ref="A")
    with app.test_request_context():
        from govern.accounts.models import User
        from govern.accounts.services import issue_token

        w.tokens["stranger"] = issue_token(db.session.get(User, w.users["stranger"])).token
        db.session.commit()
    return w


def _save(app, world, mid, text=TEXT) -> int:
    with app.test_request_context():
        revision, _created = services.save_minutes(db.session.get(Meeting, mid), text, actor=world.user("chair"))
        db.session.commit()
        return revision.id


def test_assembly_minutes_draft_for_committee_published_for_owners(app, client, world):
    mid = closed_assembly(app, client, world)
    rid = _save(app, world, mid)
    owner = client.get(f"/api/v1/meetings/{mid}/minutes", headers=world.headers("A")).get_json()
    assert owner == {"meeting": str(mid), "published": None, "current": None, "versions": None}
    committee = client.get(f"/api/v1/meetings/{mid}/minutes", headers=world.headers("member")).get_json()
    assert committee["current"]["text"] == TEXT and committee["current"]["stage"] == "draft"
    assert committee["versions"] == [1]
    pdf = client.get(f"/api/v1/meetings/{mid}/minutes.pdf", headers=world.headers("A"))
    assert pdf.status_code == 404 and pdf.get_json()["error"]["code"] == "not_found"

    approve(app, world, rid, "chair")
    approve(app, world, rid, "member")
    with app.test_request_context():
        services.publish_revision(db.session.get(MinutesRevision, rid), actor=world.user("chair"))
        db.session.commit()
    owner = client.get(f"/api/v1/meetings/{mid}/minutes", headers=world.headers("A")).get_json()
    assert owner["published"]["version"] == 1 and owner["published"]["stage"] == "published"
    assert len(owner["published"]["approvals"]) == 2 and owner["current"] is None
    pdf = client.get(f"/api/v1/meetings/{mid}/minutes.pdf", headers=world.headers("A"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    page = client.get(f"/api/v1/meetings/{mid}/minutes.pdf?draft=yes", headers=world.headers("A"))
    assert page.status_code == 400
    stranger = client.get(f"/api/v1/meetings/{mid}/minutes", headers=world.headers("stranger"))
    assert stranger.status_code == 404


def test_committee_meetings_drafts_only_for_the_committee(app, client, world):
    with app.test_request_context():
        community = db.session.get(Community, world.cid)
        cm = services.create_committee_meeting(community, services.CommitteeMeetingData(
            title="草稿会议", starts_at=START + timedelta(days=10), items=[services.ItemData(title="议题")]),
            actor=world.user("chair"))
        db.session.commit()
        cm_id = cm.id
    listed = client.get("/api/v1/committee-meetings", headers=world.headers("member")).get_json()
    assert [m["id"] for m in listed["committee_meetings"]] == [cm_id]
    one = client.get(f"/api/v1/committee-meetings/{cm_id}", headers=world.headers("member")).get_json()
    assert one["items"][0]["title"] == "议题" and one["minutes"] is None  # not held: no minutes yet
    assert client.get("/api/v1/committee-meetings", headers=world.headers("A")).get_json() == {
        "committee_meetings": []}
    assert client.get(f"/api/v1/committee-meetings/{cm_id}", headers=world.headers("A")).status_code == 404
    with app.test_request_context():
        from govern.minutes.models import CommitteeMeeting

        services.publish_agenda(db.session.get(CommitteeMeeting, cm_id), actor=world.user("chair"))
        db.session.commit()
    assert [m["id"] for m in client.get("/api/v1/committee-meetings", headers=world.headers("A"))
            .get_json()["committee_meetings"]] == [cm_id]
    assert client.get(f"/api/v1/committee-meetings/{cm_id}", headers=world.headers("stranger")).status_code == 404
    assert client.get("/api/v1/committee-meetings?community=park", headers=world.headers("member")).get_json() == {
        "committee_meetings": []}
