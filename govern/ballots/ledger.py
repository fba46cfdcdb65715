"""A meeting's ledger in the database: its row lock, who has voted, the entries as core entries and which
of them count (``core.ledger.counting_ballots``)."""

from __future__ import annotations

from sqlalchemy import exists, select, update

from govern.ballots.models import BallotEntry, Meeting
from govern.core.ledger import LedgerEntry, counting_ballots
from govern.extensions import db


def lock_meeting(meeting_id: int) -> Meeting | None:
    """Lock the meeting row for the rest of the transaction: ``SELECT … FOR UPDATE`` on PostgreSQL.

    SQLite has no row locks; an UPDATE first takes its database write lock at once, so the
    reads that follow see the last committed ledger head and no other writer can interleave.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Meeting).where(Meeting.id == meeting_id).values(ledger_length=Meeting.ledger_length))
        meeting = db.session.get(Meeting, meeting_id, populate_existing=True)
    else:
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.id == meeting_id).with_for_update().execution_options(populate_existing=True)
        )
    return meeting



def has_voted(meeting_id: int, person: str, *, by_proxy: bool = False) -> bool:
    """The person cast a ballot themselves (electronic or paper); with ``by_proxy``, a proxy cast one for them.

    A proxy's ballot does not stop the owner from voting: their own ballot then counts instead (R15).
    """
    kind = BallotEntry.delegation_hash.is_not(None) if by_proxy else BallotEntry.delegation_hash.is_(None)
    return db.session.scalar(
        select(exists().where(BallotEntry.meeting_id == meeting_id, BallotEntry.voter == person, kind))
    )


def latest_own_entry(meeting_id: int, person: str) -> BallotEntry | None:
    """The person's own latest ballot in the ledger (not one a proxy cast), or ``None``: what the ballot page
    shows as the receipt when the owner comes back after voting."""
    return db.session.scalar(
        select(BallotEntry).where(BallotEntry.meeting_id == meeting_id, BallotEntry.voter == person,
                                  BallotEntry.delegation_hash.is_(None))
        .order_by(BallotEntry.position.desc()).limit(1))


def ledger_entries(meeting: Meeting) -> list[LedgerEntry]:
    """The meeting's ledger as core entries, in position order."""
    rows = db.session.scalars(select(BallotEntry).where(BallotEntry.meeting_id == meeting.id)
                              .order_by(BallotEntry.position))
    return [to_core_entry(r, meeting.record_version) for r in rows]


def to_core_entry(row: BallotEntry, chain: int | None = None) -> LedgerEntry:
    """The row as a core entry; ``chain``: the meeting's ``record_version`` (its ledger chain), read from the
    row's meeting when not given."""
    if chain is None:
        chain = db.session.get(Meeting, row.meeting_id).record_version
    return LedgerEntry(chain=chain, position=row.position, kind=row.kind, ballot=row.ballot,
                       ballot_hash=row.ballot_hash,
                       signature=row.signature, key_id=row.key_id, received_at=row.received_at,
                       prev_hash=row.prev_hash, chain_hash=row.chain_hash, delegation=row.delegation,
                       attestation=row.attestation)


def counting(meeting: Meeting) -> dict[str, LedgerEntry]:
    """Which entry counts for each voter (``core.ledger.counting_ballots``)."""
    return counting_ballots(ledger_entries(meeting), meeting.revision_policy)
