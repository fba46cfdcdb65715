"""In Chromium on a phone (390 × 844): the street office's signing page for a verdict shows the exact signed
JSON (one long line of canonical JSON), which must wrap instead of making the page wider than the screen."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.ballots.helpers import OPENS, RecordWorld
from tests.browser.test_vote_browser import _login

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("GOVERN_SCREENSHOTS")


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def closed_result(world, client):
    """A closed meeting with one signed result: A and C voted electronically. Returns (meeting, motion)."""
    mid = world.make_meeting(motions=(("选聘新的物业服务企业，并授权业主委员会签订物业服务合同", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    for name in ("A", "C"):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, "agree")).status_code == 201
    world.close()
    (result,) = world.results(client, mid)
    return mid, result["motion"]


def test_signed_verdict_wraps_on_a_phone(live_server, page, closed_result):
    mid, motion = closed_result
    _login(page, live_server, "auditor")
    page.goto(f"{live_server}/audit/meetings/{mid}/results/{motion}/certify?verdict=object&reason=核对中")

    doc = page.locator("#doc-certification")
    expect(doc).to_be_visible()
    assert '"type":"govern.certification.v1"' in doc.inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "certify-phone.png"), full_page=True)
    # The signed JSON stays inside the screen: no sideways scrolling, the block within the 390 px.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    box = doc.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Nor does the form for a signature made elsewhere, once opened.
    page.locator("form details summary").click()
    expect(page.locator("input[name=signature]")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
