"""The cast path stays lean: a bounded number of SQL statements per ballot, and the cached motion ids are per roll."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from govern.extensions import db
from tests.meetings.helpers import OPENS, World

#: Token + user (auth), the cast context (meeting, key, roll, access), lock and head, conflicts, and the append
#: (entry and head in one statement) = 5 on PostgreSQL. SQLite: +2, the UPDATE that takes the write lock and
#: the head UPDATE apart from the INSERT. BEGIN/COMMIT and the pool's ping are not cursor statements.
MAX_STATEMENTS_PER_CAST = 5


def _counting(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return statements, lambda: event.remove(engine, "before_cursor_execute", count)


def test_cast_statement_count_is_bounded(app, client, factory, monkeypatch):
    world = World(app, factory, monkeypatch)
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    bodies = {name: world.ballot(client, mid, name) for name in ("A", "B1", "C")}
    statements, stop = _counting(app)
    try:
        counts = []
        for name, body in bodies.items():
            del statements[:]
            resp = world.cast(client, mid, name, body)
            assert resp.status_code == 201, resp.get_json()
            counts.append(len(statements))
            assert name == "A" or not any("FROM motions" in s for s in statements), statements
    finally:
        stop()
    with app.app_context():
        bound = MAX_STATEMENTS_PER_CAST + (2 if db.engine.dialect.name == "sqlite" else 0)
    # The first cast of a roll in this process may read the motion ids once; later casts never do.
    assert counts[0] <= bound + 1, counts
    assert all(c <= bound for c in counts[1:]), counts


def test_motion_cache_follows_a_new_roll(app, client, factory, monkeypatch):
    """Voiding and republishing freezes a new roll (new hash): casts see the motions of the new notice."""
    world = World(app, factory, monkeypatch)
    mid = world.make_meeting(motions=(("Old motion", "ordinary"),), publish=False)
    from govern.meetings import services

    with app.test_request_context():
        meeting = world.meeting(mid)
        services.publish_meeting(meeting, actor=None)
        db.session.commit()
    world.clock.set(OPENS + timedelta(hours=1))
    body = world.ballot(client, mid, "A")
    assert world.cast(client, mid, "A", body).status_code == 201
    with app.test_request_context():
        meeting = world.meeting(mid)
        services.void_notice(meeting, actor=None, reason="test")
        meeting.motions.append(services.Motion(community_id=meeting.community_id, position=2, title="Added"))
        world.clock.set(OPENS - timedelta(days=30))
        services.publish_meeting(meeting, actor=None)
        db.session.commit()
        added = str(meeting.motions[-1].id)
    world.clock.set(OPENS + timedelta(hours=1))
    # A stale cache (keyed by the old roll) would answer unknown_motion for the added motion.
    resp = world.cast(client, mid, "B1", world.ballot(client, mid, "B1", choices={added: "agree"}))
    assert resp.status_code == 201, resp.get_json()
