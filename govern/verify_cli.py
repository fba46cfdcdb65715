"""``govern verify RECORD``: verify a meeting's record archive with no database and no network.

Exit codes: 0 when every check holds (a JSON summary on stdout); 1 when anything is wrong
(the JSON, with ``"valid": false`` and every problem, on stdout, and one line per problem on
stderr); 2 when the file is not a record at all (missing, not a zip, no manifest, another
format), with a one-line message on stderr. This module imports click but not Flask.

``govern verify --receipt RECEIPT RECORD`` checks a voter's receipt (bare, or the ballot page's
bundle) against the record instead: ``{"included", "counted", "position", "problems"}`` on stdout;
exit 0 included, 1 not included or a bad signature (or a record that does not verify), 2 when
RECEIPT is not a receipt or RECORD not a record.
"""

from __future__ import annotations

import json
import os

import click

from govern.core.archive import NotARecord
from govern.core.receipts import NotAReceipt, check_receipt
from govern.core.verify import verify_record

__all__ = ["verify"]


@click.command("verify")
@click.argument("record", type=click.Path(dir_okay=False))
@click.option("--workers", type=click.IntRange(1, 64), default=min(2, os.cpu_count() or 1), show_default=True,
              help="Worker processes for the hash and signature checks.")
@click.option("--server-key", default=None, metavar="B64URL",
              help="The server public key the community published; any other signer fails the check.")
@click.option("--receipt", type=click.Path(dir_okay=False), default=None, metavar="RECEIPT.json",
              help="Check this receipt (the API's, or the bundle the ballot page downloads) against RECORD: "
                   "prints {included, counted, position, problems}; exit 0 included, 1 not, 2 not a receipt.")
def verify(record: str, workers: int, server_key: str | None, receipt: str | None) -> None:
    """Check every hash, signature, key binding, eligibility, revision and proxy rule and recompute every
    result of the meeting record RECORD."""
    if receipt is not None:
        _verify_receipt(receipt, record, workers, server_key)
        return
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


def _verify_receipt(receipt: str, record: str, workers: int, server_key: str | None) -> None:
    try:
        check = check_receipt(receipt, record, workers=workers, server_key=server_key)
    except NotAReceipt as exc:
        click.echo(f"{receipt}: not a receipt: {exc}", err=True)
        raise SystemExit(2) from None
    except NotARecord as exc:
        click.echo(f"{record}: not a govern record: {exc}", err=True)
        raise SystemExit(2) from None
    except IsADirectoryError:
        click.echo(f"{record}: not a govern record: it is a directory", err=True)
        raise SystemExit(2) from None
    click.echo(json.dumps(check.to_json(), ensure_ascii=False, indent=2))
    if not check.ok:
        for problem in check.problems:
            click.echo(f"{receipt}: {problem}", err=True)
        raise SystemExit(1)
