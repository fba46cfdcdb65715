"""In Chromium: a committee member approves a minutes version with the key kept on their phone, in one tap."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from govern.extensions import db
from tests.browser.test_vote_browser import _enrol, _login
from tests.meetings.helpers import World
from tests.minutes.helpers import closed_assembly

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch, owners=("A", "B1", "C"))


def test_minutes_approval_signed_with_device_key(app, client, world, live_server, page):
    from govern.ballots.models import Meeting
    from govern.minutes import services
    from govern.minutes.models import MinutesApproval

    mid = closed_assembly(app, client, world)
    with app.test_request_context():
        services.save_minutes(db.session.get(Meeting, mid), "会议由业委会主任主持。", actor=world.user("chair"))
        db.session.commit()
    _login(page, live_server, "chair")
    status = _enrol(page, live_server)
    expect(status).to_have_attribute("data-kind", "ok")
    page.goto(f"{live_server}/meetings/{mid}/minutes")
    button = page.locator("button[data-sign-with-device]")
    expect(button).to_be_visible()
    with page.expect_navigation():
        button.click()
    with app.app_context():
        approvals = db.session.scalars(select(MinutesApproval)).all()
        from govern.ballots.models import OwnerKey

        active = db.session.scalar(select(OwnerKey).where(OwnerKey.user_id == world.users["chair"],
                                                          OwnerKey.revoked_at.is_(None)))
    assert len(approvals) == 1
    # Signed by the key made on this device, not the one the test world enrolled from Python.
    assert approvals[0].key_id == active.public_key != world.key_ids["chair"]
