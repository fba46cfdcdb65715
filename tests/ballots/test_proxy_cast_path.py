"""A proxy's cast: the cap is counted from the indexed proxy column under the lock, not from the ledger's envelopes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from govern.ballots.models import BallotEntry
from govern.extensions import db
from govern.register.models import Community
from tests.ballots.helpers import OPENS, RecordWorld
from tests.ballots.test_proxies import proxy_ballot


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world):
    m = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    return m


def _delegate_and_accept(world, client, mid, principal, proxy):
    resp = world.delegate(client, mid, principal, proxy)
    assert resp.status_code == 201, resp.get_json()
    assert world.accept(client, resp.get_json()["id"], proxy).status_code == 200


def test_cap_lowered_after_acceptance_holds_at_cast(app, world, client, mid):
    """Two accepted delegations, then the cap goes to 1: the proxy's first ballot counts, the second is refused."""
    _delegate_and_accept(world, client, mid, "A", "member")
    _delegate_and_accept(world, client, mid, "C", "member")
    with app.app_context():
        community = db.session.get(Community, world.cid)
        community.settings_json = {**(community.settings_json or {}), "proxy_cap": 1}
        db.session.commit()
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "A", "member")).status_code == 201
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "proxy_cap_exceeded"
    # a revision for the principal already held is no new principal (revisable meetings); here: single-cast
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "A", "member"))
    assert resp.get_json()["error"]["code"] == "already_voted"
    with app.app_context():
        rows = db.session.execute(select(BallotEntry.voter, BallotEntry.proxy_user_id, BallotEntry.delegation_hash)
                                  .where(BallotEntry.meeting_id == mid)).all()
    assert [(r.voter, r.proxy_user_id) for r in rows] == [(world.person_of(mid, "A"), world.users["member"])]
    assert rows[0].delegation_hash is not None


def test_own_ballot_has_no_proxy_and_lapses_the_delegation(app, world, client, mid):
    _delegate_and_accept(world, client, mid, "C", "member")
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C")).status_code == 201
    resp = world.cast(client, mid, "member", proxy_ballot(world, client, mid, "C", "member"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "delegation_lapsed"
    with app.app_context():
        proxies = db.session.scalars(select(BallotEntry.proxy_user_id).where(BallotEntry.meeting_id == mid)).all()
    assert proxies == [None]


def test_proxy_cast_reads_no_ballot_envelopes(app, world, client, mid):
    """The cap used to read every proxy ballot's delegation envelope under the lock; now it reads the index."""
    _delegate_and_accept(world, client, mid, "A", "member")
    _delegate_and_accept(world, client, mid, "C", "member")
    assert world.cast(client, mid, "member", proxy_ballot(world, client, mid, "A", "member")).status_code == 201
    body = proxy_ballot(world, client, mid, "C", "member")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert world.cast(client, mid, "member", body).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.startswith("SELECT")]
    assert not any("ballot_entries.delegation " in s or "ballot_entries.delegation," in s for s in selects), selects
    assert any("ballot_entries.proxy_user_id" in s for s in selects), selects
