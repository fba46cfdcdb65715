"""Row locks for state changes that can collide (issue #15 item 5).

``lock_row(row)`` takes the row's lock for the rest of the transaction (PostgreSQL ``SELECT … FOR UPDATE``;
SQLite serialises writers itself and ignores the clause) and reloads the row's columns, so a request that
waited for another sees that one's result and refuses with its 409 instead of overwriting it.
Meetings and their ledgers keep their own lock (``govern.ballots.ledger.lock_meeting``).
"""

from __future__ import annotations

from sqlalchemy import inspect, select

from govern.extensions import db


def lock_row(row):
    """Lock ``row`` (a persistent ORM object) and refresh its columns from the database; returns it."""
    model = type(row)
    key = inspect(row).identity
    pk = inspect(model).primary_key
    query = select(model).where(*(col == value for col, value in zip(pk, key, strict=True)))
    db.session.execute(query.with_for_update().execution_options(populate_existing=True)).scalar_one()
    return row
