"""Periodic work, one list: ``govern tick`` runs it from cron (no Redis needed); ``tick_job`` is the same for rq.

Each task takes the moment and returns a count; every task is safe to run twice (reminders are unique per
recipient, an escalation is recorded once per request). Features above delivery add their task with
:func:`periodic` (the service requests' escalations), so that delivery never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click
from flask.cli import with_appcontext

from govern import clock, jobs
from govern.accounts import throttle
from govern.ballots.proxies import sync_all_lapses
from govern.delivery.committee_terms import warn_terms
from govern.delivery.reminders import run_due_reminders
from govern.meetings.lifecycle import advance


def _reminders(moment: datetime) -> int:
    return run_due_reminders(moment)


def _meeting_results(moment: datetime) -> int:
    return advance(moment)


def _delegation_lapses(moment: datetime) -> int:
    return sync_all_lapses(moment)


def _committee_terms(moment: datetime) -> int:
    return warn_terms(moment)


def _auth_counters(moment: datetime) -> int:
    return throttle.prune()


PERIODIC: list[tuple[str, Callable[[datetime], int]]] = [
    ("auth_counters", _auth_counters),
    ("committee_terms", _committee_terms),
    ("delegation_lapses", _delegation_lapses),
    ("meeting_results", _meeting_results),
    ("reminders", _reminders),
]


def periodic(name: str):
    """Add ``task(moment) -> count`` to :data:`PERIODIC` under ``name`` (once, whatever the imports)."""

    def register(task: Callable[[datetime], int]):
        PERIODIC[:] = [(n, t) for n, t in PERIODIC if n != name] + [(name, task)]
        return task

    return register


def tick(moment: datetime | None = None) -> dict[str, int]:
    """Run every periodic task once, commit after each, then dispatch the e-mail and SMS jobs they queued."""
    moment = moment or clock.now()
    done = {}
    for name, task in PERIODIC:
        done[name] = task(moment)
        jobs.commit()
    return done


def tick_job() -> None:
    """For rq (e.g. rq-scheduler or a cron that enqueues it every few minutes): ``govern.delivery.tick:tick_job``."""
    tick()


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Run periodic work once: results of meetings whose voting (and paper grace) ended, due reminders
    (outside quiet hours) and overdue service-request escalations."""
    for name, count in tick().items():
        click.echo(f"{name}: {count}")
