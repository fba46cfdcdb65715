"""In Chromium: the sealed-box declaration (static/js/paper.js, issue #12 item 2). Half an hour after the close,
a committee member counts the collected paper ballots not yet entered and signs a govern.sealed_box.v1 on their
phone; a second member, on their own device, signs the same object. The paper page shows each step, and the
stored declaration carries both devices' signatures over exactly the object the first device built.

Selectors use element ids and data attributes; the messages are compared with the catalog's Chinese.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from govern.extensions import db
from tests.browser import test_paper_browser as paper
from tests.browser.test_vote_browser import _enrol, _login

pytestmark = pytest.mark.browser

#: The paper tests' fixtures: owners A and C; the second committee member's own device.
world, second_page = paper.world, paper.second_page


@pytest.fixture
def closed_meeting(world, monkeypatch):
    """A published meeting whose voting closed half an hour ago by the real clock (the two-hour declaration window
    is open; no tick has run, so nothing is counted); ``govern.clock.now`` follows the real time."""
    real = datetime.now(UTC).replace(microsecond=0)
    world.clock.set(real - timedelta(days=35))
    mid = world.make_meeting(opens=real - timedelta(days=10, minutes=30), closes=real - timedelta(minutes=30))
    monkeypatch.setattr("govern.clock.now", lambda: datetime.now(UTC))
    return mid


def _zh(app, message: str, **values) -> str:
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(message, **values)


def test_two_members_sign_the_sealed_box_on_their_devices(app, world, live_server, page, second_page,
                                                          closed_meeting):
    from govern.audit.models import AuditEntry
    from govern.ballots.models import Meeting, SealedBox
    from govern.core.keys import verify
    from govern.core.signed import format_time

    mid = closed_meeting
    # The first member makes a key on this phone and declares two paper ballots not yet entered.
    _login(page, live_server, "member")
    expect(_enrol(page, live_server)).to_have_attribute("data-kind", "ok")
    first_key = paper._active_key(app, world, "member")
    assert first_key != world.key_ids["member"]  # the device's key, not the one made in Python
    page.goto(f"{live_server}/meetings/{mid}/paper")
    expect(page.locator("#sealed-box-none")).to_be_visible()
    form = page.locator("#sealed-box-form")
    form.locator("input[name=declared]").fill("2")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_have_text(
        _zh(app, "You signed the sealed-box declaration. A second committee member must now sign it."))
    expect(page.locator("#sealed-box-pending")).to_have_attribute("data-declared", "2")
    assert page.locator("#sealed-box-form").count() == 0  # the same member cannot sign it twice
    with app.app_context():
        row = db.session.scalar(select(SealedBox).where(SealedBox.meeting_id == mid))
        meeting = db.session.get(Meeting, mid)
        box, closes = dict(row.box), format_time(meeting.closes_at)
        assert not row.complete and [s["key_id"] for s in row.signatures] == [first_key]
    assert box["type"] == "govern.sealed_box.v1" and box["declared"] == 2
    assert (box["community"], box["meeting"], box["closed_at"]) == (str(world.cid), str(mid), closes)

    # The second member, on their own device with their own key, signs the declaration as it is shown.
    _login(second_page, live_server, "chair")
    expect(_enrol(second_page, live_server)).to_have_attribute("data-kind", "ok")
    second_key = paper._active_key(app, world, "chair")
    second_page.goto(f"{live_server}/meetings/{mid}/paper")
    expect(second_page.locator("#sealed-box-pending")).to_have_attribute("data-declared", "2")
    assert second_page.locator("#sealed-box-form input[name=declared]").count() == 0  # no number to retype
    with second_page.expect_navigation():
        second_page.locator("#sealed-box-form button[type=submit]").click()
    expect(second_page.locator(".flash-success")).to_have_text(
        _zh(app, "The sealed box is declared: %(n)d paper ballots may still be entered.", n=2))
    declared = second_page.locator("#sealed-box-declared")
    expect(declared).to_have_attribute("data-declared", "2")
    expect(declared).to_have_attribute("data-entered", "0")
    assert second_page.locator("#sealed-box-form").count() == 0
    expect(second_page.locator("#paper-grace-ends")).to_be_visible()
    # the first member's page shows the completed declaration too
    page.goto(f"{live_server}/meetings/{mid}/paper")
    expect(page.locator("#sealed-box-declared")).to_have_attribute("data-declared", "2")

    # Stored: the object the first device built, signed by both devices' keys (verified here again).
    with app.app_context():
        row = db.session.scalar(select(SealedBox).where(SealedBox.meeting_id == mid))
        assert row.complete and row.box == box and row.declared == 2
        signers = [(s["account"], s["key_id"]) for s in row.signatures]
        assert signers == [(str(world.users["member"]), first_key), (str(world.users["chair"]), second_key)]
        assert first_key != second_key
        assert all(verify(s["key_id"], row.box, s["signature"]) for s in row.signatures)
        actions = db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "sealed_box.sign")
                                     .order_by(AuditEntry.id)).all()
        assert actions == [world.users["member"], world.users["chair"]]
