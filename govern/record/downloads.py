"""Record downloads, limited per user (issue #15, item 6).

Building a record reads the whole roll and ledger and signs a fresh archive, so the API counts every build
per account against ``RECORD_DOWNLOADS_PER_USER`` (env ``GOVERN_RECORD_DOWNLOADS_PER_USER``, default
30 per hour, the ``limits`` syntax) in the database (``govern.accounts.throttle.per_subject``, shared by
every worker and node) and answers 429 ``rate_limited`` with ``Retry-After`` beyond it. Only a build is
counted — a refusal (403, 409) is not — so the counter is the one write a record GET makes, on its own
connection.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from govern.accounts import throttle
from govern.ballots.models import Meeting
from govern.record.export import export_record


def limited_export(meeting: Meeting, edition: str) -> bytes:
    """:func:`govern.record.export.export_record` for the signed-in caller, within their download budget."""
    throttle.per_subject("record", str(current_user.id), current_app.config["RECORD_DOWNLOADS_PER_USER"])
    return export_record(meeting, edition=edition)
