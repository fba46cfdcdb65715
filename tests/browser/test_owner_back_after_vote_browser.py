"""Back after voting shows the receipt and what the revision policy allows, never a blank ballot (issue #16).

In Chromium at 390x844: an owner votes from the home page, taps Back, and comes forward to the ballot
again (from the browser's history, and by the meeting's link): the page is fetched anew (no-store) and
shows the receipt of the ballot cast, with the ledger position the cast returned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_vote_browser import _enrol, _login, _vote
from tests.meetings.helpers import World

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch, owners=("A", "C"))


def _meeting(world, monkeypatch, policy):
    real = datetime.now(UTC).replace(microsecond=0)
    world.clock.set(real - timedelta(days=25))
    mid = world.make_meeting(motions=(("选聘新的物业服务企业", "ordinary"), ("修订停车管理规约", "ordinary")),
                             revision_policy=policy, opens=real - timedelta(hours=1), closes=real + timedelta(days=10))
    monkeypatch.setattr("govern.clock.now", lambda: datetime.now(UTC))
    return mid


def test_back_after_a_single_cast_vote_shows_the_receipt_and_no_ballot(page, live_server, world, monkeypatch):
    mid = _meeting(world, monkeypatch, "single-cast")
    _login(page, live_server, "a")
    _enrol(page, live_server)
    page.goto(live_server + "/")
    _vote(page, live_server, mid)
    position = page.locator("#r-position").inner_text()

    page.go_back()  # to the home page (no-store: fetched anew, no 去投票 any more)
    expect(page.get_by_role("link", name="去投票")).to_have_count(0)
    page.go_forward()  # back on the ballot page
    receipt = page.locator("#my-receipt")
    expect(receipt).to_be_visible()
    expect(page.locator("#my-receipt-position")).to_have_text(position)
    expect(page.locator("#ballot-cast")).to_be_visible()  # one ballot: nothing more to do
    assert page.locator("#review-button").count() == 0  # no blank ballot to fill in again
    assert page.locator("#my-receipt-policy").count() == 0

    # The receipt link shows the server-signed receipt of that very ballot.
    page.locator("#my-receipt-check").click()
    page.wait_for_load_state()
    assert "hash=" in page.url
    assert page.locator("main").inner_text().count(position) >= 1


def test_back_after_a_revisable_vote_shows_the_receipt_and_offers_to_vote_again(page, live_server, world,
                                                                                monkeypatch):
    mid = _meeting(world, monkeypatch, "revisable-until-close")
    _login(page, live_server, "a")
    _enrol(page, live_server)
    page.goto(f"{live_server}/meetings/{mid}")
    _vote(page, live_server, mid)
    first = page.locator("#r-position").inner_text()

    page.go_back()
    page.goto(f"{live_server}/meetings/{mid}/ballot")  # the owner opens the ballot again by its link
    expect(page.locator("#my-receipt")).to_be_visible()
    expect(page.locator("#my-receipt-position")).to_have_text(first)
    expect(page.locator("#my-receipt-policy")).to_be_visible()  # the policy allows a new ballot
    expect(page.locator("#review-button")).to_be_visible()

    # Voting again replaces the receipt shown: the earlier one hides, the new one has the next position.
    _vote(page, live_server, mid, choices=("oppose", "agree"))
    expect(page.locator("#my-receipt")).to_be_hidden()
    second = page.locator("#r-position").inner_text()
    assert int(second) > int(first)
    page.reload()
    expect(page.locator("#my-receipt-position")).to_have_text(second)
