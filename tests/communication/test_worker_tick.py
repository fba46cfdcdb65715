"""The rq worker's periodic run (issue #12 item 1): `govern worker` enqueues the tick once a period whatever the
number of workers, and the tick it runs signs the result of a meeting whose voting closed — no page view, no cron."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.extensions import db
from tests.conftest import REDIS_URL
from tests.meetings.helpers import CLOSES, World

pytestmark = [pytest.mark.redis,
              pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the rq path needs a real Redis")]


@pytest.fixture
def rq_app(make_app, factory):
    from redis import Redis
    from rq import Queue

    from govern import jobs
    from govern.delivery.ticker import TICK_KEY

    app = make_app(REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    factory.app = app
    conn = Redis.from_url(REDIS_URL)
    for name in jobs.QUEUES:
        Queue(name, connection=conn).empty()
    conn.delete(TICK_KEY)
    yield app
    conn.delete(TICK_KEY)


def test_one_tick_a_period_and_it_signs_the_closed_meetings_result(rq_app, factory, monkeypatch):
    from redis import Redis
    from rq import Queue

    from govern import jobs
    from govern.delivery.ticker import enqueue_tick_if_due

    world = World(rq_app, factory, monkeypatch)
    mid = world.make_meeting()
    world.clock.set(CLOSES + timedelta(hours=1))
    conn = Redis.from_url(REDIS_URL)
    # three workers offer the tick in the same period: one enqueues it
    assert [enqueue_tick_if_due(conn, 60) for _ in range(3)] == [True, False, False]
    assert Queue("default", connection=conn).count == 1
    with rq_app.app_context():
        assert world.meeting(mid).tallied_at is None
    jobs.run_worker(rq_app, ["default"], burst=True)
    with rq_app.app_context():
        from govern.meetings import lifecycle

        meeting = world.meeting(mid)
        assert meeting.tallied_at is not None and lifecycle.stage_of(meeting) == "preliminary"
        db.session.remove()


def test_the_worker_command_ticks_unless_burst_or_told_not_to(rq_app, monkeypatch):
    from govern import app_cli

    started: list[int] = []
    monkeypatch.setattr(app_cli, "start_ticker", lambda app, seconds: started.append(seconds))
    monkeypatch.setattr(app_cli, "run_worker", lambda app, queues, burst=False: None)
    runner = rq_app.test_cli_runner()
    assert runner.invoke(args=["worker", "--tick-seconds", "30"]).exit_code == 0
    assert runner.invoke(args=["worker", "--burst"]).exit_code == 0
    assert runner.invoke(args=["worker", "-q", "mail"]).exit_code == 0
    assert runner.invoke(args=["worker", "--tick-seconds", "-1"]).exit_code == 2
    assert started == [30]
