"""The rq worker's periodic run (issue #12 item 1): ``govern worker`` enqueues :func:`govern.delivery.tick.tick_job`
every ``--tick-seconds`` (default 60), so meetings move from ``closed`` to ``preliminary`` (and reminders go out)
without any page view and without cron.

Workers on every node run the loop; one Redis key taken with ``SET NX EX`` decides which of them enqueues in each
period, so the tick runs about once a period whatever the number of workers. ``govern tick`` from cron remains the
way without Redis; a tick running twice is harmless (each meeting's result is signed under its row lock, once).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from govern.jobs import execute, redis_connection

log = logging.getLogger(__name__)

#: The Redis key whose holder enqueued this period's tick.
TICK_KEY = "govern:tick:enqueued"
TICK_TARGET = "govern.delivery.tick:tick_job"


def enqueue_tick_if_due(conn, seconds: int) -> bool:
    """Enqueue one tick on the default queue unless a worker did so within the period; ``True`` when this did."""
    if not conn.set(TICK_KEY, "1", nx=True, ex=max(seconds - 1, 1)):
        return False
    from rq import Queue

    Queue("default", connection=conn).enqueue(execute, TICK_TARGET, job_timeout=600,
                                              description="govern.delivery.tick.tick_job()")
    return True


def start_ticker(app: Flask, seconds: int) -> threading.Thread | None:
    """A daemon thread that offers a tick every ``seconds`` (none when ``seconds`` is 0 or less)."""
    if seconds <= 0:
        return None
    conn = redis_connection(app)

    def loop() -> None:
        stop = threading.Event()
        while True:
            try:
                enqueue_tick_if_due(conn, seconds)
            except Exception:  # Redis away for a moment: try again next period, keep the worker running
                log.exception("could not enqueue the periodic tick")
            stop.wait(seconds)

    thread = threading.Thread(target=loop, name="govern-ticker", daemon=True)
    thread.start()
    return thread
