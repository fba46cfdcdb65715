"""``govern export-record MEETING OUT.zip [--edition auditor|public]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from govern.ballots.models import Meeting
from govern.extensions import db
from govern.record.export import export_record


@click.command("export-record")
@click.argument("meeting_id", type=int)
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--edition", type=click.Choice(["auditor", "public"]), default="auditor", show_default=True,
              help="auditor: names owners and units; public: roll identities replaced by salted digests.")
@with_appcontext
def export_record_command(meeting_id: int, out: str, edition: str) -> None:
    """Write the verifiable record of meeting MEETING_ID to OUT (check it with ``govern verify OUT``)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not meeting.is_published:
        click.echo(f"meeting {meeting_id}: no such published meeting", err=True)
        sys.exit(2)
    data = export_record(meeting, edition=edition)
    Path(out).write_bytes(data)
    click.echo(f"{out}: {edition} record of meeting {meeting_id} ({len(data)} bytes)")
