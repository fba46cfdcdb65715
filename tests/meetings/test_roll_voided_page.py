"""R29 (#13 item 9): the committee and the street office read the rolls of voided notices on a page linked from the
meeting page; owners do not; reading it changes nothing."""

from __future__ import annotations

import pytest

from govern.extensions import db
from govern.meetings import services
from tests.meetings.helpers import World


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


def _void(app, world, mid: int, reason: str = "edited") -> str:
    with app.test_request_context():
        meeting = world.meeting(mid)
        roll_hash = meeting.roll_hash
        services.void_notice(meeting, actor=world.user("chair"), reason=reason)
        db.session.commit()
        return roll_hash


def test_the_voided_rolls_are_listed_for_the_committee_and_the_street_office(app, client, auth, world):
    mid = world.make_meeting()
    auth.login("chair")
    assert "voided-rolls-link" not in client.get(f"/meetings/{mid}").get_data(as_text=True)
    first = _void(app, world, mid)
    with app.test_request_context():
        services.publish_meeting(world.meeting(mid), actor=world.user("chair"))
        db.session.commit()
    second = _void(app, world, mid, "roll_objection")
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert "voided-rolls-link" in page and f"/meetings/{mid}/voided-rolls" in page
    resp = client.get(f"/meetings/{mid}/voided-rolls")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-generation="1"' in html and 'data-generation="2"' in html
    assert first in html and second in html
    assert "101 (" in html and "公告被修改" in html and "异议成立，名册有变更" in html
    auth.logout()
    auth.login("auditor")
    assert client.get(f"/meetings/{mid}/voided-rolls").status_code == 200
    assert "voided-rolls-link" in client.get(f"/meetings/{mid}").get_data(as_text=True)
    with app.test_request_context():  # published again: owners see the meeting, not the voided rolls
        services.publish_meeting(world.meeting(mid), actor=world.user("chair"))
        db.session.commit()
    auth.logout()
    auth.login("a")
    assert client.get(f"/meetings/{mid}/voided-rolls").status_code == 403
    assert "voided-rolls-link" not in client.get(f"/meetings/{mid}").get_data(as_text=True)
