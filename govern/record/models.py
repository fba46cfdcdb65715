"""The street office's rows: verification runs and the auditor's certifications (delegations and paper ballots
live in :mod:`govern.ballots.models`, re-exported here while callers move).

Everything signed is stored exactly as received (the envelope), next to the columns queries need.
Rows are never deleted: a revocation, a lapse or an attestation is a timestamp on the row (R29).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import clock
from govern.ballots.models import Delegation, PaperBallot  # noqa: F401
from govern.dbtypes import UTCDateTime
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


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
    #: ``Report.to_json()`` of govern.core.verify.verify_record.
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


class ResultObjection(db.Model):
    """R26: an owner's objection to a meeting's preliminary result, filed during the objection period, and the
    convening body's signed answer (``govern.objection_answer.v1``, :mod:`govern.core.objections`).

    Distinct from an objection to the roll before voting. An upheld objection orders a correction: the
    meeting is ``objected`` until the street office certifies or revokes (:mod:`govern.record.objections`).
    """

    __tablename__ = "result_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: The motion objected to (NULL: the meeting's results as a whole).
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: uphold | dismiss (NULL until answered)
    decision: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(Text, default="")
    #: The signed answer as received: ``{"object": {govern.objection_answer.v1}, "signature", "key_id"}``.
    envelope: Mapped[dict | None] = mapped_column(JSON)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InspectionRequest(db.Model):
    """An owner's request to inspect a meeting's full record (SPC interpretation on building disputes, art. 13):
    pending → granted | refused. Granted, the owner may download the auditor edition. Both the request and the
    answer are in the audit log."""

    __tablename__ = "record_inspection_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: pending | granted | refused
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
