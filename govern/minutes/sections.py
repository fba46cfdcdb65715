"""The parts of an assembly's minutes that come from the record, not from anyone's typing.

``sections_for(meeting)`` reads the meetings feature (the notice, the frozen roll, participation,
the signed results) and returns plain JSON (strings, integers, booleans): it is hashed into each
revision, so the approvals sign the figures as well as the prose. Areas are strings with two
decimals, as in the result documents; times are RFC 3339 UTC.

The record's hash: the meetings feature does not (yet) expose the hash of the exported record
archive (``docs/record-format.md``), so the minutes carry the **ledger's final chain hash and the
roll hash**, labelled as such, and the SHA-256 of their concatenation as the "record hash" label's value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govern.ballots.models import MotionResult
from govern.core.ballot import format_time
from govern.core.canonical import sha256_hex
from govern.core.register import format_area
from govern.extensions import db
from govern.meetings.participation import participation
from govern.record.models import Certification

#: Which kind of hash ``record_hash`` is (printed beside it).
RECORD_HASH_KIND = "sha256(roll_hash + ledger_head)"


def _t(value) -> str:
    if value is None:
        return ""
    return format_time(value)


def record_hash(meeting) -> str:
    """SHA-256 over the roll hash and the ledger's head, as ASCII hex joined by a newline."""
    return sha256_hex(f"{meeting.roll_hash or ''}\n{meeting.ledger_head or ''}".encode("ascii"))


def sections_for(meeting) -> dict[str, Any]:
    """The record's part of the minutes (R26 contents): notice, roll, participation, results, hashes, audit."""
    notice = {
        "title": meeting.title,
        "kind": meeting.kind,
        "convener": meeting.convener,
        "notice_date": meeting.notice_date.isoformat() if meeting.notice_date else "",
        "published_at": _t(meeting.published_at),
        "opens_at": _t(meeting.opens_at),
        "closes_at": _t(meeting.closes_at),
        "notice_rule": meeting.notice_rule,
        "revision_policy": meeting.revision_policy,
        "invalid_policy": meeting.invalid_policy,
        "scope": list(meeting.scope_buildings or []),
        "motions": [{"position": m.position, "title": m.title, "matter": m.matter} for m in meeting.motions],
    }
    roll = {
        "roll_hash": meeting.roll_hash or "",
        "frozen_at": _t(meeting.roll_frozen_at),
        "total_area": format_area(meeting.total_area or 0),
        "total_persons": meeting.total_persons or 0,
    }
    sections: dict[str, Any] = {"notice": notice, "roll": roll}
    sections["participation"] = _participation(meeting)
    results = list(db.session.scalars(
        select(MotionResult).where(MotionResult.meeting_id == meeting.id).order_by(MotionResult.motion_id)))
    positions = {m.id: m.position for m in meeting.motions}
    sections["results"] = [
        {
            "position": positions.get(r.motion_id, 0),
            "title": r.document.get("motion_title", ""),
            "matter": r.document.get("matter", ""),
            "result": r.document.get("result", {}),
            "document_hash": r.document_hash,
            "server_signature": r.server_signature,
            "countersignatures": len(getattr(r, "countersignatures", []) or []),
        }
        for r in results
    ]
    sections["record"] = {
        "kind": RECORD_HASH_KIND,
        "hash": record_hash(meeting),
        "roll_hash": meeting.roll_hash or "",
        "ledger_head": meeting.ledger_head or "",
        "ledger_length": meeting.ledger_length or 0,
    }
    sections["audit"] = _certifications(meeting)
    return sections


def _participation(meeting) -> dict[str, Any]:
    p = participation(meeting)
    bar = p.overall
    return {
        "area": format_area(bar.area),
        "total_area": format_area(bar.total_area),
        "persons": bar.persons,
        "total_persons": bar.total_persons,
        "quorum_met": bool(bar.quorum_met),
        "buildings": [
            {"building": b.label, "area": format_area(b.area), "total_area": format_area(b.total_area),
             "persons": b.persons, "total_persons": b.total_persons}
            for b in p.buildings
        ],
        "homes": [{"unit": unit, "building": building, "area": format_area(area)}
                  for unit, building, area in p.voted_homes],
    }


def _certifications(meeting) -> dict[str, Any]:
    """The street office's signed verdicts on the meeting's results (R28): certify, object, order a correction, revoke.

    The overall status is the gravest verdict recorded: a revocation, then an order of correction, then an
    objection; "certified" only when every verdict certifies.
    """
    rows = db.session.scalars(
        select(Certification).where(Certification.meeting_id == meeting.id).order_by(Certification.id)
    ).all()
    items = [{"verdict": r.verdict, "reason": r.reason or "", "at": _t(r.signed_at),
              "motion": r.result.motion.title if r.result is not None and r.result.motion is not None else "",
              "key_id": r.key_id}
             for r in rows]
    verdicts = {i["verdict"] for i in items}
    status = "none"
    for verdict, label in (("revoke", "revoked"), ("order_correction", "correction"), ("object", "objected"),
                           ("certify", "certified")):
        if verdict in verdicts:
            status = label
            break
    return {"status": status, "items": items}
