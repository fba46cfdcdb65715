"""The application's commands: :func:`register_commands` attaches every one of them to the app's CLI group
(``create_app`` calls it), and the app-bound commands without a feature package of their own live here:
``govern audit verify`` and ``govern worker``.

Kept out of :mod:`govern.cli` so that the ``govern`` entry point itself imports no Flask: only the app
factory imports this module, so its imports are at the top.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from govern.admin.cli import create_admin_command, create_community_command
from govern.audit.services import verify_chain
from govern.delivery.tick import tick_command
from govern.delivery.ticker import start_ticker
from govern.demo import demo_command
from govern.jobs import QUEUES, run_worker
from govern.record.cli import export_record_command
from govern.register.cli import import_register_command
from govern.rules_cli import tally
from govern.verify_cli import verify


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 naming the first broken entry."""
    report = verify_chain()
    if report.ok:
        click.echo(f"audit log intact: {report.entries} entries")
        return
    click.echo(f"audit log BROKEN at entry {report.first_broken}: {report.problem}", err=True)
    sys.exit(1)


@click.command("worker")
@click.option("--queue", "-q", "queues", multiple=True, help="Queues to listen on (default: all).")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--tick-seconds", type=click.IntRange(min=0), default=60, show_default=True,
              help="Enqueue `govern tick` this often (one worker of all enqueues it per period); 0: never.")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool, tick_seconds: int) -> None:
    """Run an rq worker for govern's jobs (needs REDIS_URL).

    Unless --burst, it also enqueues `govern tick` every --tick-seconds (govern.delivery.ticker)."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline and need no worker.")
    queues = tuple(queues or QUEUES)
    if not burst and "default" in queues:  # the tick runs on the default queue
        start_ticker(current_app._get_current_object(), tick_seconds)
    run_worker(current_app._get_current_object(), list(queues), burst=burst)


def register_commands(app: Flask) -> None:
    """Attach every command to the app's CLI group (``govern --help`` lists them from ``cli.COMMAND_HELP``)."""
    for command in (demo_command, create_community_command, create_admin_command, import_register_command,
                    audit_group, worker_command, tick_command, tally, verify, export_record_command):
        app.cli.add_command(command)
