"""Background jobs: one module owns dispatch.

``enqueue(func, *args)`` records a job; it is dispatched only after the request's (or the
CLI command's) transaction commits, so a worker never sees uncommitted rows. Without
Redis (or when testing) the job runs inline right after the commit, in the same process,
inside the application context; with ``REDIS_URL`` it goes to an rq queue and
``govern worker`` runs it.

Jobs take primitive ids, load their rows, check state first (safe to run twice), work,
and commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event, update
from sqlalchemy.orm import Session as SASession

from govern.extensions import db

log = logging.getLogger(__name__)

QUEUES = ("default", "mail", "pdf")


def enqueue(func: Callable[..., Any], *args: Any, queue: str = "default") -> None:
    """Schedule ``func(*args)`` to run after the current transaction commits.

    ``func`` must be a module-level function (rq imports it by name); ``args`` are primitives.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    pending = _pending()
    pending.append((func, args, queue))


def _pending() -> list:
    if not hasattr(g, "_govern_jobs"):
        g._govern_jobs = []
    return g._govern_jobs


def dispatch_pending() -> None:
    """Send (or run) the jobs recorded in this context. Called after commit."""
    if not has_app_context() or not getattr(g, "_govern_jobs", None):
        return
    jobs, g._govern_jobs = g._govern_jobs, []
    app = current_app._get_current_object()
    if app.config["JOBS_INLINE"]:
        for func, args, _queue in jobs:
            _run_inline(app, func, args)
    else:
        from rq import Queue

        conn = redis_connection(app)
        for func, args, queue in jobs:
            Queue(queue, connection=conn).enqueue(
                execute, f"{func.__module__}:{func.__qualname__}", *args, job_timeout=600,
                description=f"{func.__module__}.{func.__qualname__}{args!r}",
            )


def execute(target: str, *args: Any) -> None:
    """Run a job in a worker: import ``module:function``, call it, and leave a clean session behind."""
    import importlib

    module, _, name = target.partition(":")
    func = getattr(importlib.import_module(module), name)
    try:
        func(*args)
    finally:
        db.session.remove()


def _run_inline(app: Flask, func, args) -> None:
    # A fresh app context gives the job its own session, as a worker would have.
    with app.app_context():
        try:
            func(*args)
        except Exception:  # a failed job must not break the request that queued it
            db.session.rollback()
            log.exception("inline job %s failed", getattr(func, "__name__", func))
            if app.config.get("TESTING") and app.config.get("JOBS_RAISE", True):
                raise


def discard_pending() -> None:
    if has_app_context():
        g._govern_jobs = []


def redis_connection(app: Flask):
    """A Redis connection for ``REDIS_URL`` (created on demand, never at import)."""
    from redis import Redis

    conn = app.extensions.get("govern_redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["govern_redis"] = conn
    return conn


def commit() -> None:
    """Commit the session, then dispatch the jobs the transaction recorded.

    The request wrapper (``govern.web``) calls it after every view; commands and jobs call it
    instead of ``db.session.commit()``. Views call it only where documented (see ``govern.web``).
    """
    db.session.commit()
    dispatch_pending()


def rollback() -> None:
    """Roll the session back; the jobs the transaction recorded are dropped with it."""
    db.session.rollback()
    discard_pending()


@event.listens_for(SASession, "after_soft_rollback")
def _drop_jobs_on_rollback(session, previous_transaction) -> None:
    """Any rollback of the outermost transaction drops the jobs it queued (they would act on rows that
    no longer exist), whoever called ``rollback()``: a view's ``except DomainError``, an error handler."""
    if previous_transaction.parent is None and has_app_context():
        discard_pending()


def claim(model, row_id: int, *, expected, to, **values: Any) -> bool:
    """Take one row for this worker: ``UPDATE … SET status = to WHERE id = row_id AND status = expected``, then
    commit. True when this worker took it; False when another did (or the row moved on), so a job queued
    twice, or picked by two workers, runs once. ``values`` are further columns to set in the same
    statement (e.g. ``attempts=Model.attempts + 1``).
    """
    taken = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == expected)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def run_worker(app: Flask, queues: list[str], burst: bool = False) -> None:
    """Run an rq worker inside the application context."""
    from rq import Queue, SimpleWorker

    conn = redis_connection(app)
    with app.app_context():
        worker = SimpleWorker([Queue(q, connection=conn) for q in queues], connection=conn)
        worker.work(burst=burst)
