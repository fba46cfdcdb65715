"""The audit log: append-only, each entry carrying the previous entry's hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern.dbtypes import UTCDateTime
from govern.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the chain, 1-based, gapless. Unique, so two writers can never fork the chain.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Dotted action code, e.g. "register.import", "role.grant".
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    #: Details of the action; JSON with no floats.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor = relationship("User")
    community = relationship("Community")

    def payload(self) -> dict:
        """What the entry's hash covers."""
        return {
            "seq": self.seq,
            "community_id": self.community_id,
            "actor_id": self.actor_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "data": self.data,
            "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
