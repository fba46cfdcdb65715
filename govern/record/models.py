"""Delegations (proxies, R15), paper ballots, verification runs and the auditor's certifications.

Everything signed is stored exactly as received (the envelope), next to the columns queries need.
Rows are never deleted: a revocation, a lapse or an attestation is a timestamp on the row (R29).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import clock
from govern.dbtypes import UTCDateTime
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


class Delegation(db.Model):
    """A signed ``govern.delegation.v1``: an owner names a proxy account for one meeting (R15)."""

    __tablename__ = "delegations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "delegation_hash"),
        UniqueConstraint("meeting_id", "nonce"),
        Index("ix_delegations_meeting_principal", "meeting_id", "principal"),
        Index("ix_delegations_meeting_proxy", "meeting_id", "proxy_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: The roll person delegating (the delegation's ``principal``).
    principal: Mapped[str] = mapped_column(String(64))
    #: The account that signed it (a caster of ``principal``) and the proxy account.
    principal_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proxy_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: ``{"object", "signature", "key_id"}`` exactly as received.
    envelope: Mapped[dict] = mapped_column(JSON)
    delegation_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: The proxy agreed to act (page or API action by the proxy's account).
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The principal's signed ``govern.delegation_revocation.v1`` envelope, and when it arrived.
    revocation: Mapped[dict | None] = mapped_column(JSON)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the principal voted in person: the delegation lapsed.
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    principal_user = relationship("User", foreign_keys=[principal_user_id])
    proxy_user = relationship("User", foreign_keys=[proxy_user_id])

    @property
    def obj(self) -> dict:
        return self.envelope["object"]

    @property
    def instructions(self) -> dict:
        return dict(self.obj.get("instructions") or {})

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.lapsed_at is not None:
            return "lapsed"
        return "accepted" if self.accepted_at is not None else "pending"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.lapsed_at is None


class PaperBallot(db.Model):
    """A paper ballot entered by one committee member; appended to the ledger once a second one attests it."""

    __tablename__ = "paper_ballots"
    __table_args__ = (
        UniqueConstraint("meeting_id", "ballot_hash"),
        UniqueConstraint("meeting_id", "nonce"),
        Index("ix_paper_ballots_meeting_voter", "meeting_id", "voter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    voter: Mapped[str] = mapped_column(String(64))
    #: The ``govern.paper_ballot.v1`` object, its hash, and the entering member's signature and key.
    ballot: Mapped[dict] = mapped_column(JSON)
    ballot_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(43))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: The scanned paper: bytes, media type, size and SHA-256 (named in the signed ballot).
    scan: Mapped[bytes] = mapped_column(LargeBinary)
    scan_type: Mapped[str] = mapped_column(String(32))
    scan_size: Mapped[int] = mapped_column(Integer)
    scan_sha256: Mapped[str] = mapped_column(String(64))
    #: The second member's ``govern.paper_attestation.v1`` envelope.
    attestation: Mapped[dict | None] = mapped_column(JSON)
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The ledger entry made on attestation.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_entries.id"))
    position: Mapped[int | None] = mapped_column(Integer)

    entered_by = relationship("User", foreign_keys=[entered_by_id])
    attested_by = relationship("User", foreign_keys=[attested_by_id])

    @property
    def status(self) -> str:
        return "appended" if self.entry_id is not None else "awaiting_attestation"


class VerificationRun(db.Model):
    """``verify_record`` run on the server over a freshly exported record (a job), with its report."""

    __tablename__ = "record_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: pending → done | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid: Mapped[bool | None] = mapped_column(Boolean)
    interim: Mapped[bool | None] = mapped_column(Boolean)
    record_sha256: Mapped[str] = mapped_column(String(64), default="")
    #: ``Report.to_json()`` of govern.core.record.verify_record.
    report: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")


class Certification(db.Model):
    """An auditor's signed ``govern.certification.v1`` over a motion's result (R28), announced to the owners."""

    __tablename__ = "result_certifications"
    __table_args__ = (UniqueConstraint("result_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("motion_results.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: certify | object | order_correction | revoke
    verdict: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    envelope: Mapped[dict] = mapped_column(JSON)
    key_id: Mapped[str] = mapped_column(String(43))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    result = relationship("MotionResult")
    user = relationship("User")
