"""``govern import-register COMMUNITY FILE.csv``."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask.cli import with_appcontext

from govern import jobs
from govern.extensions import db
from govern.register.models import Community
from govern.register.services import RegisterImportError, describe_error, import_register


@click.command("import-register")
@click.argument("community")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would change; write nothing.")
@click.option("--lang", default="en", show_default=True, type=click.Choice(["en", "zh_CN"]),
              help="Language of the error messages.")
@with_appcontext
def import_register_command(community: str, file: str, dry_run: bool, lang: str) -> None:
    """Import the unit register of COMMUNITY (its slug) from FILE.csv.

    Nothing is written if any line is bad: each bad line is printed as FILE:LINE: message and the exit
    status is 2. Importing the same file again changes nothing.
    """
    from flask_babel import force_locale
    from sqlalchemy import select

    row = db.session.scalar(select(Community).where(Community.slug == community))
    if row is None:
        _fail(f"error: no community with the slug {community!r}")
    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        _fail(f"error: cannot read {file}: {exc.strerror or exc}")
    try:
        report = import_register(row, data, actor=None, source=f"cli:{file.rsplit('/', 1)[-1]}")
    except RegisterImportError as exc:
        db.session.rollback()
        with force_locale(lang):
            for err in exc.errors:
                where = f"{file}:{err.line}" if err.line else file
                click.echo(f"{where}: {describe_error(err)}", err=True)
        sys.exit(2)
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run, nothing written: {report.summary()}")
        return
    jobs.commit()
    click.echo(report.summary())
    if report.ignored_columns:
        click.echo(f"ignored columns: {', '.join(report.ignored_columns)}")


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(2)
