"""Who may read which edition of the record, audit, certify, enter and attest paper ballots."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world):
    m = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    return m


def test_predicates(app, world, mid):
    from govern.record import access
    from govern.register.models import Community

    with app.app_context():
        c = db.session.get(Community, world.cid)
        m = world.meeting(mid)
        who = {name: world.user(name) for name in ("A", "chair", "member", "auditor")}
        assert [access.can_audit(who[n], c) for n in who] == [False, False, False, True]
        assert [access.can_certify(who[n], c) for n in who] == [False, False, False, True]
        # Every owner reads the public edition; a community that keeps choices from owners (R27) keeps a v1
        # meeting's (pseudonyms with areas and choices) from them, not a v2 meeting's (no choice in it).
        assert [access.can_read_public_record(who[n], m) for n in who] == [True, True, True, True]
        c.settings_json = {**(c.settings_json or {}), "public_record_for_owners": False}
        assert [access.can_read_public_record(who[n], m) for n in who] == [True, True, True, True]
        m.agenda_hash = None  # as if published before the upgrade (record_version 1)
        assert [access.can_read_public_record(who[n], m) for n in who] == [False, True, True, True]
        db.session.rollback()
        assert [access.can_enter_paper(who[n], c) for n in who] == [False, True, True, False]
        assert [access.can_see_paper(who[n], c) for n in who] == [False, True, True, True]


def test_record_editions(world, client, mid, factory):
    url = f"/api/v1/meetings/{mid}/record"
    assert client.get(url + "?edition=auditor", headers=world.headers("A")).status_code == 403
    # While votes are being counted, nobody gets the auditor edition (no running tally): 409 voting_open, not a 403;
    # the public edition of this v2 meeting holds no choice and no result yet (tests/record/test_public_edition_*)
    for name in ("auditor", "chair"):
        resp = client.get(url, headers=world.headers(name))
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voting_open", name
    assert client.get(url, headers=world.headers("A")).status_code == 200  # defaults to public for owners
    world.close()
    # Every owner may download the public edition (and gets it by default); the committee too.
    assert client.get(url + "?edition=public", headers=world.headers("A")).status_code == 200
    assert client.get(url, headers=world.headers("A")).status_code == 200  # defaults to public for owners
    assert client.get(url + "?edition=public", headers=world.headers("chair")).status_code == 200
    from govern.register.models import Community

    with world.app.app_context():
        c = db.session.get(Community, world.cid)
        c.settings_json = {**(c.settings_json or {}), "public_record_for_owners": False}
        db.session.commit()
    # A community that keeps individual choices from owners (R27): a v2 public edition holds none, owners read it.
    assert client.get(url + "?edition=public", headers=world.headers("A")).status_code == 200
    assert client.get(url + "?edition=public", headers=world.headers("chair")).status_code == 200
    assert client.get(url + "?edition=auditor", headers=world.headers("auditor")).status_code == 200
    assert client.get(url + "?edition=other", headers=world.headers("auditor")).status_code == 400
    assert client.get(url).status_code == 401
    outsider = factory.user("outsider")
    with world.app.test_request_context():
        from govern.accounts.models import User
        from govern.accounts.services import issue_token

        token = issue_token(db.session.get(User, outsider)).token
        db.session.commit()
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_audit_pages(world, client, mid):
    for name, status in (("A", 403), ("chair", 403), ("auditor", 200)):
        world.login(client, name)
        assert client.get(f"/audit/meetings/{mid}").status_code == status
        assert client.get("/c/garden/audit/meetings").status_code == status
    page = client.get(f"/audit/meetings/{mid}").get_data(as_text=True)
    assert "/c/garden/audit" in page  # the link to the audit log
    assert client.post(f"/audit/meetings/{mid}/verify").status_code == 303
    assert "SHA-256" in client.get(f"/audit/meetings/{mid}").get_data(as_text=True)


def test_paper_pages(world, client, mid):
    for name, status in (("A", 403), ("auditor", 200), ("member", 200)):
        world.login(client, name)
        assert client.get(f"/meetings/{mid}/paper").status_code == status
    world.login(client, "A")
    assert client.get(f"/meetings/{mid}/proxies").status_code == 200
    assert client.get(f"/meetings/{mid}/proxies?proxy=member").status_code == 200


def test_verdict_notification_reads_as_a_sentence(app):
    from govern.agenda.models import Notification
    from govern.agenda.notifications import message

    with app.test_request_context():
        n = Notification(kind="result_object", data={"title": "续聘物业", "meeting": "2025年第一次业主大会会议"})
        assert message(n) == "街道办对“续聘物业”（2025年第一次业主大会会议）提出了异议。"
