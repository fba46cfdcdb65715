"""``govern import-register COMMUNITY FILE.csv``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("import-register")
@click.argument("community")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_register_command(community: str, file: Path) -> None:
    """Import the unit register of COMMUNITY (its slug) from FILE.csv; nothing is written if any line is bad."""
    from sqlalchemy import select

    from govern import jobs
    from govern.extensions import db
    from govern.register.models import Community
    from govern.register.services import RegisterImportError, import_register

    row = db.session.scalar(select(Community).where(Community.slug == community))
    if row is None:
        click.echo(f"error: no community with the slug {community!r}", err=True)
        sys.exit(2)
    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        sys.exit(2)
    try:
        report = import_register(row, data, actor=None, source=file.name)
    except RegisterImportError as exc:
        db.session.rollback()
        for err in exc.errors:
            click.echo(f"{file}:{err.line}: {err.message}", err=True)
        click.echo(f"nothing imported: {len(exc.errors)} bad line(s)", err=True)
        sys.exit(2)
    jobs.commit()
    click.echo(report.summary())
