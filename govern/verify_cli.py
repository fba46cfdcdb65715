"""``govern verify RECORD``: verify a meeting's record archive with no database and no network.

Exit codes: 0 when every check holds (a JSON summary on stdout); 1 when anything is wrong
(the JSON, with ``"valid": false`` and every problem, on stdout, and one line per problem on
stderr); 2 when the file is not a record at all (missing, not a zip, no manifest, another
format), with a one-line message on stderr. This module imports click but not Flask.
"""

from __future__ import annotations

import json
import os

import click

from govern.core.archive import NotARecord
from govern.core.verify import verify_record

__all__ = ["verify"]


@click.command("verify")
@click.argument("record", type=click.Path(dir_okay=False))
@click.option("--workers", type=click.IntRange(1, 64), default=min(2, os.cpu_count() or 1), show_default=True,
              help="Worker processes for the hash and signature checks.")
@click.option("--server-key", default=None, metavar="B64URL",
              help="The server public key the community published; any other signer fails the check.")
def verify(record: str, workers: int, server_key: str | None) -> None:
    """Check every hash, signature, key binding, eligibility, revision and proxy rule and recompute every
    result of the meeting record RECORD."""
    try:
        report = verify_record(record, workers=workers, server_key=server_key)
    except NotARecord as exc:
        click.echo(f"{record}: not a govern record: {exc}", err=True)
        raise SystemExit(2) from None
    except IsADirectoryError:
        click.echo(f"{record}: not a govern record: it is a directory", err=True)
        raise SystemExit(2) from None
    click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2, sort_keys=False))
    if not report.valid:
        for problem in report.problems:
            click.echo(f"{record}: {problem}", err=True)
        raise SystemExit(1)
