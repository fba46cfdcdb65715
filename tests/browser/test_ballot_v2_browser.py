"""In Chromium: on a meeting whose notice bound an agenda the ballot page builds a ``govern.ballot.v2`` and shows,
before signing, the exact text it signs (the canonical JSON, collapsible) and the motion titles it binds."""

from __future__ import annotations

import json

import pytest

from govern.core.canonical import canonical_bytes
from tests.browser.test_vote_browser import _enrol, _login
from tests.meetings.helpers import World

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch, owners=("A", "C"))


def test_the_ballot_page_shows_and_signs_the_exact_v2_text(page, live_server, app, world, open_meeting):
    from sqlalchemy import select

    from govern.ballots.models import BallotEntry, Meeting
    from govern.extensions import db

    _login(page, live_server, "a")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    page.goto(f"{live_server}/meetings/{open_meeting}/ballot")
    page.locator("#review-button").wait_for(state="visible")
    fieldsets = page.locator("fieldset.motion")
    for i, choice in enumerate(("agree", "oppose")):
        fieldsets.nth(i).locator(f"input[value={choice}] + label").click()
    page.locator("#review-button").click()
    page.locator("#confirm").wait_for(state="visible")
    assert page.locator("#signed-text").is_hidden()  # collapsed until asked for
    page.locator("#signed-details summary").click()
    shown = page.locator("#signed-text").inner_text()
    ballot = json.loads(shown)
    with app.app_context():
        meeting = db.session.get(Meeting, open_meeting)
        agenda_hash, titles = meeting.agenda_hash, [m.title for m in meeting.motions]
    assert ballot["type"] == "govern.ballot.v2" and ballot["agenda_hash"] == agenda_hash
    assert page.locator("#signed-agenda-hash").inner_text() == agenda_hash
    motions = page.locator("#signed-motions li").all_inner_texts()
    assert [t.split(" ", 1)[1] for t in motions] == titles
    page.locator("#sign-button").click()
    page.locator("#receipt").wait_for(state="visible")
    with app.app_context():
        entry = db.session.scalar(select(BallotEntry).where(BallotEntry.meeting_id == open_meeting))
        assert canonical_bytes(entry.ballot).decode("utf-8") == shown  # what was shown is what was signed


def test_build_ballot_v2_matches_python(page, live_server):
    """govern-sign.js's buildBallot gives, byte for byte, the core's govern.ballot.v2 (and v1 without a hash)."""
    from datetime import UTC, datetime

    from govern.core.ballot import build_ballot
    from govern.core.keys import b64url_encode

    nonce = b64url_encode(bytes(range(16)))
    context = {"community": "12", "meeting": "345", "roll_hash": "ab" * 32, "voter": "p-7", "motions": ["10", "9"],
               "agenda_hash": "cd" * 32}
    choices = {"10": "agree", "9": "oppose"}
    page.goto(live_server + "/login")
    texts = page.evaluate(
        """async ([ctx, choices, nonce]) => {
            const gs = await import('/static/js/govern-sign.js');
            const opts = {issuedAt: '2026-11-27T01:02:03Z', nonce};
            return [gs.canonicalText(gs.buildBallot(ctx, choices, opts)),
                    gs.canonicalText(gs.buildBallot({...ctx, agenda_hash: null}, choices, opts))];
        }""",
        [context, choices, nonce],
    )
    at = datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)
    common = dict(community="12", meeting="345", roll_hash="ab" * 32, voter="p-7", choices=choices, issued_at=at,
                  nonce=nonce)
    assert texts[0].encode("utf-8") == canonical_bytes(build_ballot(**common, agenda_hash="cd" * 32))
    assert texts[1].encode("utf-8") == canonical_bytes(build_ballot(**common))
