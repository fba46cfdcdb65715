"""The street office (R28): server-side verification of a meeting's record (a job with a stored report),
and the auditor's signed certification, objection, order of correction or revocation of a result.

A certification is an envelope of (docs/record-format.md, "Certifications")::

    {"type": "govern.certification.v1", "meeting": "345", "motion": "7",
     "result_hash": "<object_hash(result document)>", "verdict": "certify" | "object" | "order_correction" | "revoke",
     "reason": "...", "signed_at": "<time>"}

signed with the auditor's enrolled key, stored with the result, announced to every owner in scope and
included in the record, where ``govern verify`` checks it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock, jobs
from govern.accounts.access import COMMITTEE, has_role
from govern.accounts.models import Role, RoleGrant
from govern.agenda.notifications import notify
from govern.audit.services import log_action
from govern.ballots.common import envelope_parts, refuse
from govern.ballots.models import Meeting, MotionResult, RollCaster
from govern.ballots.owner_keys import own_active_key
from govern.core.archive import CERTIFICATION_TYPE, CERTIFICATION_VERDICTS
from govern.core.ballot import parse_time
from govern.core.keys import verify
from govern.core.verify import verify_record
from govern.extensions import db
from govern.meetings import lifecycle
from govern.meetings.serverkey import server_public_key
from govern.record.export import export_record
from govern.record.models import Certification, VerificationRun

VERDICTS = tuple(CERTIFICATION_VERDICTS)
MAX_REASON = 2000
#: How old a certification's ``signed_at`` may be when it arrives (the page shows the object to sign).
SIGN_WINDOW = timedelta(hours=2)
CERTIFICATION_KEYS = frozenset({"type", "meeting", "motion", "result_hash", "verdict", "reason", "signed_at"})


def certification_object(result: MotionResult, verdict: str, reason: str, signed_at: str) -> dict:
    return {"type": CERTIFICATION_TYPE, "meeting": str(result.meeting_id), "motion": str(result.motion_id),
            "result_hash": result.document_hash, "verdict": verdict, "reason": reason, "signed_at": signed_at}


def certify_result(result: MotionResult, data: Any, *, actor) -> Certification:
    """Store an auditor's signed certification (or objection, order of correction, revocation) and announce it.

    ``data``: ``{"certification": {govern.certification.v1}, "signature", "key_id"}``. One per auditor
    and result (``already_certified``). Objections, orders and revocations need a reason.
    """
    meeting = db.session.get(Meeting, result.meeting_id)
    if not has_role(actor, meeting.community, Role.AUDITOR):
        raise refuse("forbidden", _("Only the street office's auditors certify results."))
    obj, signature, key_id = envelope_parts(data, "certification")
    key = own_active_key(actor, key_id)
    try:
        if set(obj) != CERTIFICATION_KEYS or not isinstance(obj["reason"], str):
            raise ValueError
        signed_at = parse_time(obj["signed_at"])
    except (KeyError, ValueError):
        raise refuse("bad_request", _("Malformed certification.")) from None
    expected = certification_object(result, obj["verdict"], obj["reason"], obj["signed_at"])
    if obj != expected or obj["verdict"] not in VERDICTS or len(obj["reason"]) > MAX_REASON:
        raise refuse("bad_request", _("The certification does not name this result, or its verdict is unknown."))
    if obj["verdict"] != "certify" and not obj["reason"].strip():
        raise refuse("bad_request", _("An objection, order of correction or revocation needs a reason."))
    moment = clock.now()
    if not (moment - SIGN_WINDOW <= signed_at <= moment + timedelta(minutes=10)) or signed_at < key.created_at:
        raise refuse("stale_signature", _("The signing time is too far from now: sign again."))
    if not verify(key.public_key, obj, signature):
        raise refuse("bad_signature", _("The signature does not verify under your key."))
    if db.session.scalar(select(Certification.id).where(Certification.result_id == result.id,
                                                        Certification.user_id == actor.id)) is not None:
        raise refuse("already_certified", _("You have already signed a verdict on this result."))
    row = Certification(community_id=result.community_id, meeting_id=meeting.id, result_id=result.id,
                        user_id=actor.id, verdict=obj["verdict"], reason=obj["reason"].strip(),
                        envelope={"object": obj, "signature": signature, "key_id": key.public_key},
                        key_id=key.public_key, signed_at=signed_at, created_at=moment)
    db.session.add(row)
    db.session.flush()
    log_action("result.certify", actor=actor, community=meeting.community_id, obj=row,
           data={"meeting": meeting.id, "motion": result.motion_id, "verdict": row.verdict, "reason": row.reason,
                 "result_hash": result.document_hash, "key_id": key.public_key})
    _announce(meeting, result, row)
    for listener in _verdict_listeners:
        listener(meeting, result, row)
    return row


#: Called with ``(meeting, result, certification)`` after a verdict is stored and announced: the notices package
#: (above this one) posts a revocation or an order of correction as a notice with its printable lobby page, so
#: owners without accounts learn of it (R28).
_verdict_listeners: list[Callable[[Meeting, MotionResult, Certification], None]] = []


def on_verdict(func_: Callable[[Meeting, MotionResult, Certification], None]):
    _verdict_listeners.append(func_)
    return func_


def _announce(meeting: Meeting, result: MotionResult, row: Certification) -> None:
    """R28: the street office's decision is announced to every owner in scope (and the committee)."""
    from flask import url_for

    owners = set(db.session.scalars(select(RollCaster.user_id).where(RollCaster.meeting_id == meeting.id)))
    committee = set(db.session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.community_id == meeting.community_id, RoleGrant.role.in_(list(COMMITTEE)),
        RoleGrant.revoked_at.is_(None))))
    try:
        url = url_for("meetings.result", meeting_id=meeting.id)
    except RuntimeError:
        url = ""
    notify(owners | committee, f"result_{row.verdict}", community=meeting.community_id, url=url,
           title=result.motion.title if result.motion else "", meeting=meeting.title, verdict=row.verdict,
           reason=row.reason)


@lifecycle.verdicts_provider
def _verdicts(meeting: Meeting) -> dict[int, set[str]]:
    """The street office's verdicts by result, for the meeting's stage (certified / objected / revoked)."""
    out: dict[int, set[str]] = {}
    for result_id, verdict in db.session.execute(select(Certification.result_id, Certification.verdict)
                                                 .where(Certification.meeting_id == meeting.id)):
        out.setdefault(result_id, set()).add(verdict)
    return out


def certifications_of(meeting: Meeting) -> list[Certification]:
    return list(db.session.scalars(select(Certification).where(Certification.meeting_id == meeting.id)
                                   .order_by(Certification.id)))


# --------------------------------------------------------------------------- verification on the server


def request_verification(meeting: Meeting, *, actor) -> VerificationRun:
    """Queue ``verify_record`` over a fresh auditor-edition export of the meeting (job on the default queue)."""
    if not meeting.is_published:
        raise refuse("not_published", _("The notice is not published: there is no record yet."))
    run = VerificationRun(community_id=meeting.community_id, meeting_id=meeting.id,
                          requested_by_id=actor.id if actor else None, status="pending", created_at=clock.now())
    db.session.add(run)
    db.session.flush()
    log_action("record.verify_request", actor=actor, community=meeting.community_id, obj=run,
           data={"meeting": meeting.id})
    jobs.enqueue(run_verification, run.id, queue="default")
    return run


def run_verification(run_id: int) -> None:
    """Job: export the record, verify it with the server's published key, store the report. Runs once."""
    run = db.session.get(VerificationRun, run_id)
    if run is None or run.status != "pending":
        return
    meeting = db.session.get(Meeting, run.meeting_id)
    try:
        data = export_record(meeting)
        report = verify_record(data, workers=1, server_key=server_public_key())
    except Exception as exc:  # stored as the run's outcome; the auditor sees it
        db.session.rollback()
        run = db.session.get(VerificationRun, run_id)
        run.status, run.error, run.finished_at = "failed", str(exc)[:2000], clock.now()
        db.session.commit()
        return
    run.status = "done"
    run.valid = report.valid
    run.interim = report.interim
    run.report = report.to_json()
    if report.interim:  # no running tally: an interim record's recomputed per-motion counts are not kept or shown
        run.report["motions"] = []
    run.record_sha256 = hashlib.sha256(data).hexdigest()
    run.finished_at = clock.now()
    db.session.commit()


def latest_run(meeting: Meeting) -> VerificationRun | None:
    return db.session.scalar(select(VerificationRun).where(VerificationRun.meeting_id == meeting.id)
                             .order_by(VerificationRun.id.desc()).limit(1))
