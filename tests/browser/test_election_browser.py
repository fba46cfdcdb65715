"""An election on a phone (#14): the ballot lists the candidates with their statements, ticking stops at
max_marks (the page cannot over-mark), and the signed ballot carries {"marks": [...]}."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from govern.extensions import db
from tests.browser.test_vote_browser import _enrol, _login
from tests.elections.helpers import ElectionWorld

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("GOVERN_SCREENSHOTS")


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def test_tick_candidates_up_to_max_marks_and_cast(page, live_server, app, world, monkeypatch):
    from govern.ballots.models import BallotEntry

    real = datetime.now(UTC).replace(microsecond=0)
    world.clock.set(real - timedelta(days=25))
    mid, motion_id = world.make_election(seats=2, opens=real - timedelta(hours=1), closes=real + timedelta(days=10))
    ids = world.codes_of(mid, motion_id)
    monkeypatch.setattr("govern.clock.now", lambda: datetime.now(UTC))

    _login(page, live_server, "a")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    page.locator("#review-button").wait_for(state="visible")
    election = page.locator(f"#motion-{motion_id}")
    assert election.locator("li.candidate").count() == 3
    assert "A 的竞选陈述" in election.text_content()
    page.locator("fieldset.motion").first.locator("input[value=agree] + label").click()
    election.locator(f"label[for='m-{motion_id}-{ids['A']}']").click()
    election.locator(f"label[for='m-{motion_id}-{ids['C']}']").click()
    assert election.locator(f"#m-{motion_id}-{ids['B1']}").is_disabled()  # two of two ticked: no third
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "election-ballot.png"), full_page=True)
    page.locator("#review-button").click()
    page.locator("#confirm").wait_for(state="visible")
    page.locator("#sign-button").click()
    page.locator("#receipt").wait_for(state="visible")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "election-receipt.png"), full_page=True)
    with app.app_context():
        entry = db.session.query(BallotEntry).filter_by(meeting_id=mid).one()
        assert entry.ballot["choices"][str(motion_id)] == {"marks": [ids["A"], ids["C"]]}
    page.goto(f"{live_server}/elections/{motion_id}")
    assert page.locator("li.candidate").count() == 3
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "election-page.png"), full_page=True)
