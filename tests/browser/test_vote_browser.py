"""In Chromium on a phone-sized screen: enrol a device key on /keys, vote on the ballot page, check the receipt.

The scenario comes from the meetings tests' ``World`` (tests/meetings/helpers.py): a published
meeting whose voting window contains the real time now, so the ballot's ``issued_at`` (the
browser's clock) passes the server's tolerance. Selectors use element ids, not wording, so the
tests hold before and after the Chinese catalog is merged.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from govern import clock
from tests.conftest import TEST_PASSWORD
from tests.meetings.helpers import World

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("GOVERN_SCREENSHOTS")

# Makes WebCrypto refuse Ed25519, as browsers without it do, so keys.js falls back to @noble/ed25519.
NO_WEBCRYPTO_ED25519 = """
(() => {
  const s = crypto.subtle;
  const isEd = (alg) => (typeof alg === 'string' ? alg : (alg && alg.name) || '').toLowerCase() === 'ed25519';
  for (const name of ['generateKey', 'importKey', 'sign', 'verify']) {
    const orig = s[name].bind(s);
    s[name] = (...args) => {
      const alg = name === 'importKey' ? args[2] : args[0];
      if (isEd(alg)) return Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'));
      return orig(...args);
    };
  }
})();
"""

READ_DEVICE_KEY = """async (name) => {
  const db = await new Promise((ok, ko) => {
    const r = indexedDB.open('govern-keys', 1); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
  });
  const rec = await new Promise((ok, ko) => {
    const r = db.transaction('keys').objectStore('keys').get(name);
    r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
  });
  db.close();
  if (!rec) return null;
  let exported = 'exported';
  if (rec.privateKey) {
    try { await crypto.subtle.exportKey('pkcs8', rec.privateKey); } catch (e) { exported = e.name; }
  }
  return {kind: rec.kind, key_id: rec.key_id, publicKey: rec.publicKey, fingerprint: rec.fingerprint,
          hasSeed: !!rec.seed, extractable: rec.privateKey ? rec.privateKey.extractable : null, exported};
}"""


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch, owners=("A", "C"))


def _login(page, live_server, username):
    page.goto(live_server + "/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url


def _enrol(page, live_server, *, acknowledge=True, password=TEST_PASSWORD):
    # The proof of possession carries the device's time, which the server accepts within 10 minutes of its
    # own: where the test has moved the server's clock (govern.clock, in this process), the phone's follows.
    server_now = clock.now()
    if abs(server_now - datetime.now(UTC)) > timedelta(minutes=1):
        page.clock.set_system_time(server_now)
    page.goto(live_server + "/keys")
    form = page.locator("#enrol-form")
    form.wait_for(state="visible")
    if acknowledge and page.locator("input[name=acknowledge]").count():
        page.locator("input[name=acknowledge]").check()
    page.locator("#enrol-password").fill(password)
    form.locator("button[type=submit]").click()
    status = page.locator("#enrol-status")
    expect(status).to_have_attribute("data-kind", re.compile("^(ok|error)$"))
    return status


def _keys_of(app, world, name):
    from sqlalchemy import select

    from govern.ballots.models import OwnerKey
    from govern.extensions import db

    with app.app_context():
        rows = db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == world.users[name]).order_by(OwnerKey.id))
        return [(k.public_key, k.revoked_at is not None) for k in rows]


def _vote(page, live_server, mid, choices=("agree", "oppose")):
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    page.locator("#review-button").wait_for(state="visible")
    fieldsets = page.locator("fieldset.motion")
    assert fieldsets.count() == len(choices)
    for i, choice in enumerate(choices):
        fieldsets.nth(i).locator(f"input[value={choice}] + label").click()
    page.locator("#review-button").click()
    page.locator("#confirm").wait_for(state="visible")
    assert page.locator("#summary-list li").count() == len(choices)
    page.locator("#sign-button").click()
    page.locator("#receipt").wait_for(state="visible")


def test_vote_enrol_sign_cast_receipt_and_inclusion_end_to_end(page, live_server, app, world, open_meeting,
                                                               tmp_path):
    from govern.core.keys import verify
    from govern.core.ledger import verify_receipt

    _login(page, live_server, "a")
    # World enrolled a server-made key for A; the device has none yet.
    old_key = _keys_of(app, world, "A")[0][0]
    page.goto(live_server + "/keys")
    page.locator("#device-key-status").wait_for(state="visible")
    assert page.locator("#device-key-status").get_attribute("data-kind") == "warn"
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "keys-before.png"), full_page=True)

    status = _enrol(page, live_server)
    assert status.get_attribute("data-kind") == "ok", status.inner_text()
    device = page.evaluate(READ_DEVICE_KEY, f"user:{world.users['A']}")
    assert device["kind"] == "webcrypto" and not device["hasSeed"]
    assert device["extractable"] is False and device["exported"] == "InvalidAccessError"
    keys = _keys_of(app, world, "A")
    assert keys == [(old_key, True), (device["publicKey"], False)]  # enrolling revoked the old key
    assert device["key_id"] == device["publicKey"]
    assert device["fingerprint"] in status.inner_text()
    assert page.locator("#device-key-status").get_attribute("data-kind") == "ok"
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "keys-enrolled.png"), full_page=True)

    page.goto(f"{live_server}/meetings/{open_meeting}/ballot")
    assert page.locator("#key-status").is_hidden()
    assert page.locator(".motion-text").first.inner_text().startswith("Full text of")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "ballot.png"), full_page=True)
    _vote(page, live_server, open_meeting)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "ballot-receipt.png"), full_page=True)

    check = page.locator("#receipt-server-check")
    assert check.get_attribute("data-verified") == "true", check.inner_text()
    assert check.get_attribute("data-kind") == "ok"
    ballot_hash = page.locator("#r-ballot-hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", ballot_hash)
    assert page.locator("#r-position").inner_text() == "1"

    with page.expect_download() as dl:
        page.locator("#download-button").click()
    path = tmp_path / "receipt.json"
    dl.value.save_as(path)
    bundle = json.loads(path.read_text("utf-8"))
    assert bundle["ballot_hash"] == ballot_hash == bundle["receipt"]["ballot_hash"]
    assert bundle["key_id"] == device["publicKey"]
    assert verify(bundle["key_id"], bundle["ballot"], bundle["signature"])
    assert verify_receipt(bundle["server_public_key"], bundle["receipt"], str(open_meeting))
    assert set(bundle["ballot"]["choices"].values()) == {"agree", "oppose"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", bundle["ballot"]["issued_at"])

    with page.expect_navigation():
        page.locator("#check-link").click()
    assert f"hash={ballot_hash}" in page.url
    assert ballot_hash in page.content()
    resp = page.request.get(f"{live_server}/api/v1/meetings/{open_meeting}/receipts/{ballot_hash}")
    assert resp.status == 200 and resp.json()["position"] == 1
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "receipt-check.png"), full_page=True)

    # Single-cast: the ballot page now says the vote is cast and shows no form.
    page.goto(f"{live_server}/meetings/{open_meeting}/ballot")
    assert page.locator("#ballot-cast").is_visible()
    assert page.locator("#ballot-form").count() == 0


def test_keys_second_enrolment_revokes_first(page, live_server, app, world):
    _login(page, live_server, "a")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    first = page.evaluate(READ_DEVICE_KEY, f"user:{world.users['A']}")["publicKey"]
    status = _enrol(page, live_server)  # a fresh page load: the acknowledgement box is there now
    assert status.get_attribute("data-kind") == "ok", status.inner_text()
    second = page.evaluate(READ_DEVICE_KEY, f"user:{world.users['A']}")["publicKey"]
    assert first != second
    keys = _keys_of(app, world, "A")
    assert keys[-2:] == [(first, True), (second, False)]
    page.reload()
    assert page.locator("#active-fingerprint").inner_text() != ""
    assert page.locator(".key-history li").count() >= 2  # the history lists the revoked keys


def test_keys_without_acknowledgement_refused_and_nothing_enrolled(page, live_server, app, world):
    _login(page, live_server, "a")
    before = _keys_of(app, world, "A")
    status = _enrol(page, live_server, acknowledge=False)
    assert status.get_attribute("data-kind") == "error"
    assert _keys_of(app, world, "A") == before


def test_keys_wrong_password_error_and_old_key_kept(page, live_server, app, world):
    _login(page, live_server, "a")
    before = _keys_of(app, world, "A")
    status = _enrol(page, live_server, password="not-my-password")
    assert status.get_attribute("data-kind") == "error"
    assert _keys_of(app, world, "A") == before
    assert page.evaluate(READ_DEVICE_KEY, f"user:{world.users['A']}") is None


def test_ballot_without_device_key_offers_inline_enrolment_before_the_choices(page, live_server, world,
                                                                             open_meeting):
    """No detour to the keys page: the ballot page asks for the password first, and signing without a key
    brings the owner back to that form, never to advice that loops."""
    _login(page, live_server, "a")
    page.goto(f"{live_server}/meetings/{open_meeting}/ballot")
    enrol = page.locator("#inline-enrol")
    enrol.wait_for(state="visible")
    assert page.locator("#key-status").is_hidden()
    # The offer comes before the choices.
    assert enrol.evaluate("(el) => !!(el.compareDocumentPosition(document.querySelector('fieldset.motion'))"
                          " & Node.DOCUMENT_POSITION_FOLLOWING)")
    for fs in range(2):
        page.locator("fieldset.motion").nth(fs).locator("input[value=abstain] + label").click()
    page.locator("#review-button").click()
    page.locator("#sign-button").click()
    expect(page.locator("#ballot-status")).to_have_attribute("data-kind", "error")
    assert page.locator("#inline-enrol-password").evaluate("(el) => el === document.activeElement")
    assert page.locator("#receipt").is_hidden()
    # A wrong password says so, and changes nothing.
    page.locator("#inline-enrol-password").fill("not-my-password")
    page.locator("#inline-enrol-button").click()
    expect(page.locator("#inline-enrol-status")).to_have_attribute("data-kind", "error")
    assert page.evaluate(READ_DEVICE_KEY, f"user:{world.users['A']}") is None


def test_new_owner_on_a_new_device_votes_in_at_most_eight_taps_from_home(page, live_server, app, world,
                                                                          open_meeting):
    """The issue's yardstick (390x844): home → 去投票 → password, make the key → choose → review → sign."""
    _login(page, live_server, "a")
    taps = 0

    def tap(locator):
        nonlocal taps
        taps += 1
        locator.click()

    page.goto(live_server + "/")
    assert page.get_by_role("link", name="去投票").first.is_visible()  # on the first screen
    assert page.get_by_role("link", name="去投票").first.bounding_box()["y"] < 844
    with page.expect_navigation():
        tap(page.get_by_role("link", name="去投票").first)
    page.locator("#inline-enrol").wait_for(state="visible")
    page.locator("#inline-enrol-password").fill(TEST_PASSWORD)  # typing, not a tap
    tap(page.locator("#inline-enrol-button"))
    page.locator("#key-ready").wait_for(state="visible")
    assert page.locator("#inline-enrol").is_hidden()
    for i, choice in enumerate(("agree", "oppose")):
        tap(page.locator("fieldset.motion").nth(i).locator(f"input[value={choice}] + label"))
    tap(page.locator("#review-button"))
    page.locator("#confirm").wait_for(state="visible")
    tap(page.locator("#sign-button"))
    page.locator("#receipt").wait_for(state="visible")
    expect(page.locator("#receipt-server-check")).to_have_attribute("data-verified", "true")
    assert taps <= 8, taps
    # The home page no longer asks this owner to vote.
    page.goto(live_server + "/")
    assert page.get_by_role("link", name="去投票").count() == 0


def test_ballot_missing_choice_blocks_review(page, live_server, world, open_meeting):
    _login(page, live_server, "a")
    page.goto(f"{live_server}/meetings/{open_meeting}/ballot")
    page.locator("fieldset.motion").nth(0).locator("input[value=agree] + label").click()
    page.locator("#review-button").click()
    expect(page.locator("#ballot-status")).to_have_attribute("data-kind", "error")
    assert page.locator("#confirm").is_hidden()
    second = page.locator("fieldset.motion").nth(1)
    assert "is-missing" in second.get_attribute("class")
    assert second.locator("input").first.evaluate("(el) => el === document.activeElement")


def test_vote_noble_fallback_enrols_signs_and_verifies(page, live_server, app, world, open_meeting):
    page.context.add_init_script(NO_WEBCRYPTO_ED25519)
    _login(page, live_server, "c")
    status = _enrol(page, live_server)
    assert status.get_attribute("data-kind") == "ok", status.inner_text()
    assert page.locator("#key-strength").get_attribute("data-kind") == "warn"
    device = page.evaluate(READ_DEVICE_KEY, f"user:{world.users['C']}")
    assert device["kind"] == "noble" and device["hasSeed"]
    _vote(page, live_server, open_meeting, choices=("abstain", "agree"))
    assert page.locator("#receipt-server-check").get_attribute("data-verified") == "true"


def test_ballot_window_not_open_shows_times_and_no_form(page, live_server, world):
    mid = world.make_meeting()  # published at START, opens 20 days later: announced by the World clock
    _login(page, live_server, "a")
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    assert page.locator("#ballot-closed").is_visible()
    assert page.locator("#ballot-form").count() == 0
    assert page.locator(".motion").count() == 1


def test_pages_360px_wide_no_horizontal_scroll(page, live_server, world, open_meeting):
    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, live_server, "a")
    for path in ("/keys", f"/meetings/{open_meeting}/ballot"):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, path
    # Each choice is a large touch target.
    box = page.locator("fieldset.motion").first.locator("input[value=agree] + label").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 200
