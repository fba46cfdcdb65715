"""Writing and verifying the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from govern.audit.models import AuditEntry
from govern.clock import now
from govern.core.canonical import GENESIS_HASH, chain_hash
from govern.extensions import db

#: Key for PostgreSQL's transaction-scoped advisory lock that serialises audit appends.
_AUDIT_LOCK_KEY = 0x60BE_A0D1


def log_action(
    action: str,
    *,
    actor=None,
    community=None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    data: dict | None = None,
) -> AuditEntry:
    """Append an audit entry in the current transaction (the caller commits with its action).

    ``obj`` may be any model row with an ``id``; its table name becomes the object type.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        session.flush()
        object_id = object_id or obj.id
    entry = AuditEntry(
        seq=seq,
        community_id=_id(community),
        actor_id=_id(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
        created_at=now(),
        prev_hash=prev,
    )
    entry.hash = chain_hash(prev, entry.payload())
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    #: The seq of the first entry that does not check, or None when the whole chain holds.
    first_broken: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_chain(batch: int = 2000) -> ChainReport:
    """Recompute the whole chain and name the first entry that does not check."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    last_seq = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return ChainReport(count, None)
        for entry in rows:
            count += 1
            if entry.seq != expected_seq:
                return ChainReport(count, expected_seq, f"entry {expected_seq} is missing")
            if entry.prev_hash != prev:
                return ChainReport(count, entry.seq, "previous-hash link does not match the entry before")
            if chain_hash(prev, entry.payload()) != entry.hash:
                return ChainReport(count, entry.seq, "content does not match its hash")
            prev = entry.hash
            expected_seq += 1
            last_seq = entry.seq
        db.session.expunge_all()


def _id(obj) -> int | None:
    if obj is None:
        return None
    return obj if isinstance(obj, int) else obj.id
