"""In Chromium: paper ballots (static/js/paper.js). A committee member enrols a key on their phone, enters a
paper ballot with its scan, and signs the entry there; a second member, on their own device, attests it;
only then is the ballot in the ledger and counted. The entering member cannot attest their own entry, and
a paper ballot for an owner who already voted electronically (single-cast) is refused.

Selectors use element ids and data attributes; the messages are compared with the catalog's Chinese.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import func, select

from govern.extensions import db
from tests.ballots.helpers import RecordWorld
from tests.browser.test_vote_browser import _enrol, _login

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("GOVERN_SCREENSHOTS")

#: A scan as a phone would upload it: PNG magic bytes and then some content.
SCAN = b"\x89PNG\r\n\x1a\n" + b"paper ballot of home 301, photographed at the polling table" + bytes(range(256))
REASON = "两个选项都打了勾"


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch, owners=("A", "C"))


@pytest.fixture
def second_page(page):
    """Another browser context in the same Chromium: the second committee member's own device (own IndexedDB)."""
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _zh(app, message: str) -> str:
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(message)


def _motions(app, mid) -> list[str]:
    from govern.ballots.models import Meeting

    with app.app_context():
        return [str(m.id) for m in db.session.get(Meeting, mid).motions]


def _active_key(app, world, name) -> str:
    from govern.ballots.models import OwnerKey

    with app.app_context():
        return db.session.scalar(select(OwnerKey.public_key).where(OwnerKey.user_id == world.users[name],
                                                                   OwnerKey.revoked_at.is_(None)))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _enter(page, live_server, mid, voter, choices: dict[str, str], reasons: dict[str, str]):
    """Fill the entry form on the paper page, attach the scan and send it (paper.js hashes and signs)."""
    page.goto(f"{live_server}/meetings/{mid}/paper")
    form = page.locator("#paper-form")
    form.wait_for(state="visible")
    form.locator("select[name=voter]").select_option(value=voter)
    for motion, choice in choices.items():
        form.locator(f"select[data-motion='{motion}']").select_option(value=choice)
    for motion, reason in reasons.items():
        form.locator(f"input[name='reason-{motion}']").fill(reason)
    form.locator("input[name=scan]").set_input_files(
        files=[{"name": "ballot-301.png", "mimeType": "image/png", "buffer": SCAN}])
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "paper-entry.png"), full_page=True)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _door_list(page, live_server, mid) -> str:
    page.goto(f"{live_server}/meetings/{mid}")
    return page.locator("ul.doors").all_text_contents()  # folded by building (<details>): read the text, open or not


def test_paper_entered_with_scan_attested_by_second_member_then_counted(
    app, world, live_server, page, second_page, open_meeting,
):
    from govern.ballots.models import BallotEntry, PaperBallot

    mid = open_meeting
    m1, m2 = _motions(app, mid)
    voter = world.person_of(mid, "C")

    # Committee member 1 makes a key on this device and enters C's paper ballot with its scan.
    _login(page, live_server, "member")
    expect(_enrol(page, live_server)).to_have_attribute("data-kind", "ok")
    entering_key = _active_key(app, world, "member")
    assert entering_key != world.key_ids["member"]  # the device's key, not the one made in Python
    assert any("301" in homes for homes in _door_list(page, live_server, mid))  # C has not voted yet

    _enter(page, live_server, mid, voter, {m1: "agree", m2: "invalid"}, {m2: REASON})
    assert re.search(r"/paper-ballots/\d+$", page.url), page.url
    paper_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".flash-success")).to_have_text(
        _zh(app, "The paper ballot was entered. A second committee member must now attest it."))

    # Pending, with the hash of exactly the bytes uploaded; nothing in the ledger yet.
    status = page.locator("#paper-status")
    expect(status).to_have_attribute("data-status", "pending")
    digest = hashlib.sha256(SCAN).hexdigest()
    assert page.locator("#paper-scan-sha256").inner_text() == digest
    with app.app_context():
        row = db.session.get(PaperBallot, paper_id)
        assert row.scan == SCAN and row.scan_sha256 == digest and row.scan_type == "image/png"
        assert row.ballot["scan_sha256"] == digest
        assert row.ballot["voter"] == voter
        assert row.ballot["choices"] == {m1: "agree", m2: "invalid"}
        assert row.ballot["invalid_reasons"] == {m2: REASON}
        assert row.key_id == entering_key and row.entry_id is None
    assert json.loads(page.locator("#paper-ballot").inner_text())["scan_sha256"] == digest
    scan = page.request.get(live_server + page.locator("#paper-scan").get_attribute("href"))
    assert scan.status == 200 and scan.body() == SCAN
    assert _count(app, BallotEntry) == 0
    # the signed entry (one long line of canonical JSON) wraps on a phone instead of widening the page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "paper-pending.png"), full_page=True)

    # Member 1 may not attest their own entry: the page says so and offers no button; the server refuses.
    assert page.locator("#attest-form").count() == 0
    expect(page.locator("#paper-own-entry")).to_have_text(
        _zh(app, "A second committee member must attest: you entered this ballot."))
    page.goto(f"{live_server}/meetings/{mid}/paper")
    expect(page.locator(f"li[data-paper='{paper_id}']")).to_have_attribute("data-status", "pending")
    token = page.locator("#paper-form input[name=csrf_token]").get_attribute("value")
    forced = page.request.post(f"{live_server}/paper-ballots/{paper_id}/attest",
                               form={"csrf_token": token, "body": "{}"}, max_redirects=0)
    assert forced.status == 303 and forced.headers["location"].endswith(f"/paper-ballots/{paper_id}")
    assert _count(app, BallotEntry) == 0

    # Committee member 2, on their own device with their own key, attests it.
    _login(second_page, live_server, "chair")
    expect(_enrol(second_page, live_server)).to_have_attribute("data-kind", "ok")
    attesting_key = _active_key(app, world, "chair")
    second_page.goto(f"{live_server}/paper-ballots/{paper_id}")
    assert second_page.locator("#paper-own-entry").count() == 0
    with second_page.expect_navigation():
        second_page.locator("#attest-form button[type=submit]").click()
    expect(second_page.locator("#paper-status")).to_have_attribute("data-status", "in-ledger")
    expect(second_page.locator("#paper-status")).to_have_attribute("data-position", "1")
    expect(second_page.locator(".flash-success")).to_have_text(
        _zh(app, "Attested: the paper ballot is in the ledger at position %(n)d.").replace("%(n)d", "1"))
    if SHOTS:
        second_page.screenshot(path=os.path.join(SHOTS, "paper-attested.png"), full_page=True)

    # In the ledger as paper, signed by both devices' keys, and counted: C's home leaves the door-to-door list.
    with app.app_context():
        entry = db.session.scalar(select(BallotEntry))
        assert (entry.position, entry.kind, entry.voter) == (1, "paper", voter)
        assert entry.key_id == entering_key and entry.attestation["key_id"] == attesting_key != entering_key
        assert entry.ballot["scan_sha256"] == digest
    doors = " ".join(_door_list(second_page, live_server, mid))
    assert "301" not in doors and "101" in doors  # A has not voted
    second_page.goto(f"{live_server}/meetings/{mid}/paper")
    expect(second_page.locator(f"li[data-paper='{paper_id}']")).to_have_attribute("data-status", "in-ledger")


def test_paper_for_owner_who_voted_electronically_is_refused_and_nothing_stored(
    app, client, world, live_server, page, open_meeting,
):
    from govern.ballots.models import BallotEntry, PaperBallot

    mid = open_meeting
    m1, m2 = _motions(app, mid)
    body = world.ballot(client, mid, "C", "agree", issued_at=datetime.now(UTC))  # C votes on their own phone
    assert world.cast(client, mid, "C", body).status_code == 201

    _login(page, live_server, "member")
    expect(_enrol(page, live_server)).to_have_attribute("data-kind", "ok")
    _enter(page, live_server, mid, world.person_of(mid, "C"), {m1: "oppose", m2: "oppose"}, {})
    assert page.url.endswith(f"/meetings/{mid}/paper")
    expect(page.locator(".flash-error")).to_have_text(_zh(app, "This person has already voted (single-cast meeting)."))
    assert page.locator("li[data-paper]").count() == 0
    assert _count(app, PaperBallot) == 0
    with app.app_context():
        assert [(e.kind, e.position) for e in db.session.scalars(select(BallotEntry))] == [("electronic", 1)]


def test_invalid_mark_without_reason_is_not_signed(app, world, live_server, page, open_meeting):
    from govern.ballots.models import PaperBallot

    mid = open_meeting
    m1, m2 = _motions(app, mid)
    _login(page, live_server, "member")
    expect(_enrol(page, live_server)).to_have_attribute("data-kind", "ok")
    page.goto(f"{live_server}/meetings/{mid}/paper")
    form = page.locator("#paper-form")
    form.locator("select[name=voter]").select_option(value=world.person_of(mid, "C"))
    form.locator(f"select[data-motion='{m1}']").select_option(value="invalid")
    form.locator("input[name=scan]").set_input_files(
        files=[{"name": "ballot-301.png", "mimeType": "image/png", "buffer": SCAN}])
    form.locator("button[type=submit]").click()
    status = form.locator("[data-paper-status]")
    expect(status).to_have_attribute("data-kind", "error")
    assert _zh(app, "Give the reason why the mark is invalid.") in status.inner_text()
    assert page.url.endswith(f"/meetings/{mid}/paper")
    assert form.locator(f"input[name='reason-{m1}']").evaluate("(el) => el === document.activeElement")
    assert _count(app, PaperBallot) == 0
