"""Proxies (R15) in Chromium on a phone-sized screen.

(a) The proxies page (static/js/delegation.js): an owner signs a delegation on the device, the proxy
accepts it, another owner signs one and revokes it. (b) The ballot page (static/js/ballot.js): the
proxy votes for the owner under the owner's instruction and gets a verified receipt; the ledger entry
carries the delegation; the owner's own later ballot is accepted and supersedes it, and the proxy then
sees the authorisation as lapsed. Selectors are ids; the texts checked are the Chinese a user reads.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from govern.core.ballot import object_hash
from govern.core.keys import verify
from govern.extensions import db
from tests.ballots.helpers import RecordWorld
from tests.browser.test_vote_browser import READ_DEVICE_KEY, _enrol, _login, _vote

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("GOVERN_SCREENSHOTS")


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch, owners=("A", "C"))


@pytest.fixture
def mid(open_meeting):
    """The vote tests' meeting (``open_meeting``, conftest.py): published, open now by the real clock, two motions."""
    return open_meeting


def _switch(page, live_server, name):
    """Log in as another account in the same browser (the device keys stay, one per account)."""
    page.context.clear_cookies()
    _login(page, live_server, name)


def _device_key(page, world, name) -> str:
    return page.evaluate(READ_DEVICE_KEY, f"user:{world.users[name]}")["publicKey"]


def _motions(app, mid) -> list[str]:
    from govern.ballots.models import Meeting

    with app.app_context():
        return [str(m.id) for m in db.session.get(Meeting, mid).motions]


def _delegations(app, **where) -> list:
    from govern.ballots.models import Delegation

    with app.app_context():
        query = select(Delegation).order_by(Delegation.id)
        for name, value in where.items():
            query = query.where(getattr(Delegation, name) == value)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def _name_proxy(page, live_server, mid, proxy, instructions=None):
    """On the proxies page: name ``proxy``, set instructions, sign on the device and send."""
    page.goto(f"{live_server}/meetings/{mid}/proxies")
    page.locator("input[name=proxy]").fill(proxy)
    with page.expect_navigation():
        page.locator("input[name=proxy]").press("Enter")
    form = page.locator("#delegation-form")
    form.wait_for(state="visible")
    for motion, choice in (instructions or {}).items():
        form.locator(f"select[data-motion='{motion}']").select_option(choice)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-delegation-status]")).to_have_text("已签名并记录。")


def test_delegation_signed_accepted_and_revoked_in_the_browser(page, live_server, app, world, mid):
    m1, _m2 = _motions(app, mid)

    # A names "member" as proxy, instructing "oppose" on the first motion, signed with A's device key.
    _login(page, live_server, "a")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    key_a = _device_key(page, world, "A")
    _name_proxy(page, live_server, mid, "member", {m1: "oppose"})
    given = page.locator("li[id^=given-]")
    expect(given).to_have_count(1)  # after the page reloads
    expect(page.locator("input[name=proxy]")).to_have_count(0)  # one live authorisation at a time
    expect(given).to_contain_text("member")
    expect(given).to_contain_text("等待受托人同意")
    expect(given).to_contain_text("反对")
    [d] = _delegations(app, principal_user_id=world.users["A"])
    assert d.proxy_user_id == world.users["member"] and d.instructions == {m1: "oppose"}
    assert d.envelope["key_id"] == key_a and verify(key_a, d.obj, d.envelope["signature"])
    assert d.accepted_at is None and d.revoked_at is None
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "proxies-owner.png"), full_page=True)

    # The proxy accepts; the page then offers the way to the ballot.
    _switch(page, live_server, "member")
    page.goto(f"{live_server}/meetings/{mid}/proxies")
    held = page.locator(f"#held-{d.id}")
    expect(held).to_contain_text("等待受托人同意")
    expect(held).to_contain_text("委托指示")
    with page.expect_navigation():
        held.locator("button[type=submit]").click()
    expect(page.locator(f"#held-{d.id}")).to_have_attribute("data-status", "accepted")
    expect(page.locator(f"#held-{d.id}")).to_contain_text("受托人已同意")
    assert "您已同意担任受托人" in page.content()
    link = page.locator(f"#vote-for-{d.id}")
    assert link.get_attribute("href").endswith(f"/meetings/{mid}/ballot#proxy-{d.id}-panel")
    assert _delegations(app, id=d.id)[0].accepted_at is not None
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "proxies-proxy.png"), full_page=True)

    # C names "member" too, then revokes that second delegation with a signed revocation.
    _switch(page, live_server, "c")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    key_c = _device_key(page, world, "C")
    _name_proxy(page, live_server, mid, "member")
    [second] = _delegations(app, principal_user_id=world.users["C"])
    row = page.locator(f"#given-{second.id}")
    expect(row).to_have_attribute("data-status", "pending")
    row.locator("button[data-revoke]").click()
    expect(page.locator("[data-delegation-status]")).to_have_text("已签名并记录。")
    expect(page.locator(f"#given-{second.id}")).to_have_attribute("data-status", "revoked")  # after the reload
    expect(page.locator(f"#given-{second.id}")).to_contain_text("业主已撤销")
    assert page.locator(f"#given-{second.id} button[data-revoke]").count() == 0
    expect(page.locator("input[name=proxy]")).to_be_visible()  # C may name another proxy now
    [revoked] = _delegations(app, id=second.id)
    rev = revoked.revocation
    assert revoked.revoked_at is not None and rev["key_id"] == key_c
    assert verify(key_c, rev["object"], rev["signature"])
    assert rev["object"]["delegation_hash"] == revoked.delegation_hash == object_hash(revoked.obj)
    # A's delegation is untouched.
    assert [x.status for x in _delegations(app, id=d.id)] == ["accepted"]


def _accepted_delegation(client, world, mid, principal, proxy, **kw) -> dict:
    world.clock.set(datetime.now(UTC).replace(microsecond=0))  # the helpers sign with the World's clock
    resp = world.delegate(client, mid, principal, proxy, **kw)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert world.accept(client, data["id"], proxy).status_code == 200
    return data


def test_proxy_votes_for_the_owner_then_the_owner_votes_in_person(page, live_server, app, world, mid, tmp_path):
    from govern.ballots.models import BallotEntry, Delegation, Meeting
    from govern.core.ledger import verify_receipt
    from govern.meetings import services

    m1, m2 = _motions(app, mid)
    d = _accepted_delegation(app.test_client(), world, mid, "A", "member", instructions={m1: "oppose"})
    principal = world.person_of(mid, "A")
    prefix = f"proxy-{d['id']}-"

    _login(page, live_server, "member")  # a committee member with no home here: only the proxy's ballot
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    key = _device_key(page, world, "member")
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    panel = page.locator(f"#{prefix}panel")
    expect(panel.locator(f"#{prefix}review-button")).to_be_visible()
    assert page.locator("#ballot-form").count() == 0
    expect(panel.locator(".principal-h")).to_have_text("委托人：a")
    expect(panel).to_contain_text("101、102、103")
    expect(panel.locator(f"#{prefix}instruction-{m1}")).to_have_text("委托人指示：反对")
    assert panel.locator(f"#{prefix}c-{m1}-oppose").is_checked()
    assert panel.locator(f"#{prefix}c-{m1}-agree").is_disabled()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "proxy-ballot.png"), full_page=True)
    if SHOTS:
        panel.screenshot(path=os.path.join(SHOTS, "proxy-ballot-panel.png"))

    # Nothing chosen for the free motion: the review is refused there.
    panel.locator(f"#{prefix}review-button").click()
    expect(page.locator(f"#{prefix}ballot-status")).to_have_attribute("data-kind", "error")
    assert "is-missing" in panel.locator(f"#{prefix}motion-{m2}").get_attribute("class")
    assert "is-missing" not in panel.locator(f"#{prefix}motion-{m1}").get_attribute("class")

    panel.locator(f"#{prefix}c-{m2}-agree + label").click()
    panel.locator(f"#{prefix}review-button").click()
    expect(panel.locator(f"#{prefix}confirm-h")).to_have_text("您将代 a 投票")
    expect(panel.locator(f"#{prefix}summary-list li")).to_have_count(2)
    panel.locator(f"#{prefix}sign-button").click()
    panel.locator(f"#{prefix}receipt").wait_for(state="visible")
    check = panel.locator(f"#{prefix}receipt-server-check")
    assert check.get_attribute("data-verified") == "true", check.inner_text()
    expect(page.locator(f"#{prefix}ballot-status")).to_contain_text("代该业主投出的选票已被接收")
    assert panel.locator(f"#{prefix}r-delegation-hash").inner_text() == d["delegation_hash"]
    assert panel.locator(f"#{prefix}r-position").inner_text() == "1"
    if SHOTS:
        panel.screenshot(path=os.path.join(SHOTS, "proxy-ballot-receipt.png"))

    with page.expect_download() as dl:
        panel.locator(f"#{prefix}download-button").click()
    path = tmp_path / "receipt.json"
    dl.value.save_as(path)
    bundle = json.loads(path.read_text("utf-8"))
    assert bundle["ballot"]["voter"] == principal and bundle["key_id"] == key
    assert bundle["delegation_hash"] == d["delegation_hash"]
    assert bundle["ballot"]["choices"] == {m1: "oppose", m2: "agree"}
    assert verify(key, bundle["ballot"], bundle["signature"])
    assert verify_receipt(bundle["server_public_key"], bundle["receipt"], str(mid))

    # The ledger entry: the principal's ballot, signed by the proxy's key, carrying the delegation.
    with app.app_context():
        entry = db.session.scalar(select(BallotEntry).where(BallotEntry.meeting_id == mid))
        assert entry.voter == principal and entry.key_id == key and entry.user_id == world.users["member"]
        assert entry.delegation_hash == d["delegation_hash"] and entry.delegation == d["delegation"]
        assert entry.delegation["object"]["proxy"] == str(world.users["member"])

    page.goto(f"{live_server}/meetings/{mid}/ballot")
    expect(panel).to_have_attribute("data-status", "voted")
    expect(page.locator(f"#{prefix}state")).to_contain_text("第 1 号")
    assert page.locator(f"#{prefix}ballot-form").count() == 0

    # The owner may still vote in person (single-cast counts own and proxy ballots apart) ...
    _switch(page, live_server, "a")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    expect(page.locator("#own-proxy-notice")).to_contain_text("member")
    assert page.locator("#ballot-cast").count() == 0
    _vote(page, live_server, mid, choices=("agree", "agree"))
    assert page.locator("#r-position").inner_text() == "2"
    assert page.locator("#receipt-server-check").get_attribute("data-verified") == "true"
    with app.app_context():
        counted = services.counting(db.session.get(Meeting, mid))[principal]
        assert counted.position == 2 and counted.delegation is None  # the owner's own ballot counts
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    assert page.locator("#ballot-cast").is_visible() and page.locator("#ballot-form").count() == 0

    # ... and the proxy now reads that the authorisation lapsed.
    _switch(page, live_server, "member")
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    expect(panel).to_have_attribute("data-status", "lapsed")
    expect(page.locator(f"#{prefix}state")).to_contain_text("业主已亲自投票")
    world.tick()  # a page shows the lapse; `govern tick` stores it
    with app.app_context():
        assert db.session.get(Delegation, d["id"]).status == "lapsed"


def test_owner_who_is_also_a_proxy_casts_both_ballots(page, live_server, app, world, mid):
    """A and the principal's ballot on one page: each form signs its own voter, and both are counted."""
    from govern.ballots.models import Meeting
    from govern.meetings import services

    d = _accepted_delegation(app.test_client(), world, mid, "C", "A")
    prefix = f"proxy-{d['id']}-"
    _login(page, live_server, "a")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    expect(page.locator("#proxy-jump")).to_be_visible()
    own, panel = page.locator("#ballot-form"), page.locator(f"#{prefix}panel")
    for motion, choice in zip(_motions(app, mid), ("agree", "oppose"), strict=True):
        own.locator(f"#c-{motion}-{choice} + label").click()
    own.locator("#review-button").click()
    page.locator("#sign-button").click()
    page.locator("#receipt").wait_for(state="visible")
    for motion in _motions(app, mid):
        panel.locator(f"#{prefix}c-{motion}-abstain + label").click()
    panel.locator(f"#{prefix}review-button").click()
    panel.locator(f"#{prefix}sign-button").click()
    panel.locator(f"#{prefix}receipt").wait_for(state="visible")
    assert panel.locator(f"#{prefix}r-position").inner_text() == "2"
    assert page.locator("#r-position").inner_text() == "1"  # the own receipt is still shown above
    with app.app_context():
        counted = services.counting(db.session.get(Meeting, mid))
        own, proxy = counted[world.person_of(mid, "A")], counted[world.person_of(mid, "C")]
        assert own.delegation is None and set(own.ballot["choices"].values()) == {"agree", "oppose"}
        assert proxy.delegation["object"]["proxy"] == str(world.users["A"])
        assert set(proxy.ballot["choices"].values()) == {"abstain"}


def test_proxy_told_plainly_when_the_owner_voted_meanwhile(page, live_server, app, world, mid):
    client = app.test_client()
    d = _accepted_delegation(client, world, mid, "A", "member")
    prefix = f"proxy-{d['id']}-"
    _login(page, live_server, "member")
    assert _enrol(page, live_server).get_attribute("data-kind") == "ok"
    page.goto(f"{live_server}/meetings/{mid}/ballot")
    panel = page.locator(f"#{prefix}panel")
    for motion in _motions(app, mid):
        panel.locator(f"#{prefix}c-{motion}-agree + label").click()
    panel.locator(f"#{prefix}review-button").click()
    # While the proxy reviews, the owner votes in person (through the API).
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "oppose")).status_code == 201
    panel.locator(f"#{prefix}sign-button").click()
    status = page.locator(f"#{prefix}ballot-status")
    expect(status).to_have_attribute("data-kind", "error")
    expect(status).to_contain_text("该业主已亲自投票")
    assert panel.locator(f"#{prefix}receipt").is_hidden()
    from govern.ballots.models import BallotEntry

    with app.app_context():
        assert db.session.scalar(select(BallotEntry.delegation_hash).where(BallotEntry.meeting_id == mid)) is None
