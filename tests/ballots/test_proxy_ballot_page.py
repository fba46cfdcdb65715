"""The ballot page for proxies (R15): one form per owner who made the caller their accepted proxy.

The page shows each principal with the ballot context the browser signs (``voter`` = the principal), the
owner's instructions fixed on the form, and the state of the delegation: voted, lapsed, revoked. The
principal's own ballot is not blocked by the proxy's (their own ballot supersedes it).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld
from tests.ballots.test_proxies import proxy_ballot


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _meeting(world, **kw):
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")), **kw)
    world.clock.set(OPENS + timedelta(hours=1))
    return mid


@pytest.fixture
def mid(world):
    return _meeting(world)


def _delegate(world, client, mid, principal, proxy, *, accept=True, **kw) -> int:
    resp = world.delegate(client, mid, principal, proxy, **kw)
    assert resp.status_code == 201, resp.get_json()
    did = resp.get_json()["id"]
    if accept:
        assert world.accept(client, did, proxy).status_code == 200
    return did


def _page(world, client, mid, name):
    world.login(client, name)
    resp = client.get(f"/meetings/{mid}/ballot")
    return resp, resp.get_data(as_text=True)


def _context(html: str, prefix: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{prefix}ballot-context">(.*?)</script>', html, re.S)
    assert m, f"no ballot context for {prefix!r}"
    return json.loads(m.group(1))


def test_accepted_proxy_off_the_roll_gets_a_form_for_the_principal(world, client, mid):
    did = _delegate(world, client, mid, "C", "member")
    resp, html = _page(world, client, mid, "member")  # a committee member who owns nothing here
    assert resp.status_code == 200
    assert 'id="ballot-form"' not in html  # no ballot of their own
    assert f'id="proxy-{did}-ballot-form"' in html and 'src="/static/js/ballot.js"' in html
    ctx = _context(html, f"proxy-{did}-")
    assert ctx["voter"] == world.person_of(mid, "C")
    from govern.ballots.models import Delegation

    with world.app.app_context():
        assert ctx["delegation_hash"] == db.session.get(Delegation, did).delegation_hash
    assert ctx["motions"] == [m["id"] for m in world.info(client, mid)["motions"]]
    assert "301" in html  # C's home, named next to the principal
    assert "代为投票" in html and "委托人" in html
    # the motions' full texts are readable above the proxy's compact form
    assert html.count("Full text of Hire a company") == 1


def test_pending_delegation_does_not_open_the_page_until_accepted(world, client, mid):
    did = _delegate(world, client, mid, "C", "member", accept=False)
    resp, _html = _page(world, client, mid, "member")
    assert resp.status_code == 403
    client.post("/logout")
    assert world.accept(client, did, "member").status_code == 200
    resp, html = _page(world, client, mid, "member")
    assert resp.status_code == 200 and f'id="proxy-{did}-ballot-form"' in html


def test_owner_sees_a_pending_request_with_a_link_to_accept(world, client, mid):
    did = _delegate(world, client, mid, "C", "A", accept=False)
    resp, html = _page(world, client, mid, "A")
    assert resp.status_code == 200
    assert f'id="pending-{did}"' in html and f"/meetings/{mid}/proxies" in html
    assert f'id="proxy-{did}-ballot-form"' not in html


def test_instructions_are_fixed_on_the_form(world, client, mid):
    m1, m2 = (m["id"] for m in world.info(client, mid)["motions"])
    did = _delegate(world, client, mid, "C", "member", instructions={m1: "oppose"})
    _resp, html = _page(world, client, mid, "member")
    p = f"proxy-{did}-"
    radios = {m.group(1): m.group(0) for m in re.finditer(rf'<input type="radio" id="{p}c-{m1}-(\w+)"[^>]*>', html)}
    assert "checked" in radios["oppose"] and "disabled" not in radios["oppose"]
    assert "disabled" in radios["agree"] and "disabled" in radios["abstain"]
    free = re.findall(rf'<input type="radio" id="{p}c-{m2}-\w+"[^>]*>', html)
    assert len(free) == 3 and not any("disabled" in r or "checked" in r for r in free)
    assert f'id="{p}instruction-{m1}"' in html and f'id="{p}instruction-{m2}"' not in html
    assert "委托人指示：反对" in html
    assert _context(html, p)["instructions"] == {m1: "oppose"}


def test_after_the_proxy_voted_single_cast_shows_done_and_the_owner_may_still_vote(world, client, mid):
    did = _delegate(world, client, mid, "C", "member")
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 201
    receipt = resp.get_json()
    _resp, html = _page(world, client, mid, "member")
    assert f'id="proxy-{did}-ballot-form"' not in html
    assert f'id="proxy-{did}-state"' in html and "第 1 号" in html
    assert f"hash={receipt['ballot_hash']}" in html
    assert 'src="/static/js/ballot.js"' not in html  # nothing left to sign
    # the principal's own ballot page: not "already voted"; told that the proxy voted and that theirs would count
    _resp, html = _page(world, client, mid, "C")
    assert 'id="ballot-form"' in html and 'id="ballot-cast"' not in html
    assert 'id="own-proxy-notice"' in html and "member" in html


def test_owner_voting_in_person_lapses_the_proxy_panel(app, world, client, mid):
    did = _delegate(world, client, mid, "C", "member")
    _resp, html = _page(world, client, mid, "C")
    assert 'id="own-proxy-notice"' in html  # named a proxy: voting yourself lapses it
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C", "oppose")).status_code == 201
    _resp, html = _page(world, client, mid, "member")
    assert f'id="proxy-{did}-ballot-form"' not in html
    assert f'id="proxy-{did}-state"' in html and "亲自投票" in html
    from govern.ballots.models import Delegation

    with app.app_context():
        assert db.session.get(Delegation, did).status == "accepted"  # shown lapsed; a GET stores nothing
    assert world.tick()["delegation_lapses"] == 1
    with app.app_context():
        assert db.session.get(Delegation, did).status == "lapsed"
    _resp, html = _page(world, client, mid, "C")
    assert 'id="ballot-cast"' in html and 'id="own-proxy-notice"' not in html


def test_revoked_delegation_shows_as_revoked_without_a_form(world, client, mid):
    body = world.delegation_body(mid, "C", "member")
    did = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"), json=body).get_json()["id"]
    world.accept(client, did, "member")
    assert world.revoke(client, did, "C", body["delegation"]).status_code == 200
    resp, html = _page(world, client, mid, "member")
    assert resp.status_code == 200  # still shown: the proxy learns why the form is gone
    assert f'id="proxy-{did}-ballot-form"' not in html and "撤销" in html


def test_revisable_meeting_lets_the_proxy_vote_again(world, client):
    mid = _meeting(world, revision_policy="revisable-until-close")
    did = _delegate(world, client, mid, "C", "member")
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member")).status_code == 201
    _resp, html = _page(world, client, mid, "member")
    assert f'id="proxy-{did}-state"' in html and f'id="proxy-{did}-ballot-form"' in html


def test_owner_who_is_also_a_proxy_gets_both_forms(world, client, mid):
    did = _delegate(world, client, mid, "C", "A")
    _resp, html = _page(world, client, mid, "A")
    assert 'id="ballot-form"' in html and f'id="proxy-{did}-ballot-form"' in html
    assert _context(html, "")["voter"] == world.person_of(mid, "A")
    assert _context(html, f"proxy-{did}-")["voter"] == world.person_of(mid, "C")
    assert 'href="#proxy-h"' in html


def test_closed_meeting_shows_the_proxy_panel_without_a_form(world, client, mid):
    did = _delegate(world, client, mid, "C", "member")
    world.close()
    resp, html = _page(world, client, mid, "member")
    assert resp.status_code == 200 and 'id="ballot-closed"' in html
    assert f'id="proxy-{did}-panel"' in html and f'id="proxy-{did}-ballot-form"' not in html
    assert 'src="/static/js/ballot.js"' not in html


def test_other_proxies_principals_are_not_shown(world, client, mid):
    did = _delegate(world, client, mid, "C", "member")
    _resp, html = _page(world, client, mid, "A")
    assert f"proxy-{did}-" not in html and 'id="proxy-h"' not in html
