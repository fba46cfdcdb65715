"""Limits kept in the database, not in a worker's memory (issue #15): registration per address is counted by
every worker alike, and ``govern tick`` prunes the throttle's stale counters."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govern.accounts.models import AuthThrottle
from govern.clock import now
from govern.extensions import db

CODE = {"c-code": "AAAA-BBBB-CCCC"}


def test_registration_limit_is_shared_by_every_worker(make_app):
    """Two app instances on one database stand for two workers: the third attempt is refused on the other."""
    first = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    second = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute",
                      SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"])
    a, b = first.test_client(), second.test_client()
    assert a.post("/register", data=CODE).status_code == 400  # an unknown code, answered on the page
    assert b.post("/register", data=CODE).status_code == 400
    refused = a.post("/register", data=CODE)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = b.post("/register", data=CODE, environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 400  # another address is not touched


def test_tick_prunes_stale_counters(app, runner):
    with app.app_context():
        old = now() - timedelta(days=3)
        db.session.add_all([
            AuthThrottle(key="pair:stale:127.0.0.1", count=4, window_start=old, last_at=old),
            AuthThrottle(key="pair:fresh:127.0.0.1", count=4, window_start=now(), last_at=now()),
        ])
        db.session.commit()
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "auth_counters: 1" in result.output
    with app.app_context():
        assert db.session.scalars(select(AuthThrottle.key)).all() == ["pair:fresh:127.0.0.1"]
