"""The ``govern`` command: a Flask CLI group (``govern db upgrade``, ``govern demo``, …)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app() -> Flask:
    from govern import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """govern — participatory governance and verifiable e-voting for residential communities."""


def register_commands(app: Flask) -> None:
    """Attach every command to the app's CLI group (the ``govern`` console script uses it)."""
    from govern.admin.cli import create_admin_command, create_community_command
    from govern.delivery.tick import tick_command
    from govern.demo import demo_command
    from govern.register.cli import import_register_command

    app.cli.add_command(demo_command)
    app.cli.add_command(create_community_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(import_register_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(tick_command)
    for module, name in (("govern.rules_cli", "tally"), ("govern.verify_cli", "verify"),
                         ("govern.record.cli", "export_record_command")):
        try:
            mod = __import__(module, fromlist=[name])
        except ModuleNotFoundError:
            continue
        app.cli.add_command(getattr(mod, name))


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 naming the first broken entry."""
    from govern.audit.services import verify_chain

    report = verify_chain()
    if report.ok:
        click.echo(f"audit log intact: {report.entries} entries")
        return
    click.echo(f"audit log BROKEN at entry {report.first_broken}: {report.problem}", err=True)
    sys.exit(1)


@click.command("worker")
@click.option("--queue", "-q", "queues", multiple=True, help="Queues to listen on (default: all).")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Run an rq worker for govern's jobs (needs REDIS_URL)."""
    from govern.jobs import QUEUES, run_worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline and need no worker.")
    run_worker(current_app._get_current_object(), list(queues or QUEUES), burst=burst)
