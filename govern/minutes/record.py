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

from govern.core.canonical import sha256_hex
from govern.core.register import format_area
from govern.extensions import db

#: Which kind of hash ``record_hash`` is (printed beside it).
RECORD_HASH_KIND = "sha256(roll_hash + ledger_head)"


def _t(value) -> str:
    if value is None:
        return ""
    from govern.core.ballot import format_time

    return format_time(value)


def record_hash(meeting) -> str:
    """SHA-256 over the roll hash and the ledger's head, as ASCII hex joined by a newline."""
    return sha256_hex(f"{meeting.roll_hash or ''}\n{meeting.ledger_head or ''}".encode("ascii"))


def sections_for(meeting) -> dict[str, Any]:
    """The record's part of the minutes (R26 contents): notice, roll, participation, results, hashes, audit."""
    from govern.meetings.models import MotionResult

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
    try:
        from govern.meetings.services import participation
    except ImportError:  # pragma: no cover - the meetings feature always ships participation()
        return {}
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
    """The street office's certification or objection, if the meetings feature records one yet."""
    from govern.meetings import models

    model = getattr(models, "Certification", None) or getattr(models, "ResultCertification", None)
    if model is None or not hasattr(model, "meeting_id"):
        return {"status": "none", "items": []}
    rows = db.session.scalars(select(model).where(model.meeting_id == meeting.id).order_by(model.id)).all()
    items = [{"verdict": str(getattr(r, "verdict", getattr(r, "kind", "certified"))),
              "reason": str(getattr(r, "reason", "") or ""),
              "at": _t(getattr(r, "created_at", None))} for r in rows]
    status = "none" if not items else ("objected" if any(i["verdict"] in ("objection", "objected", "object")
                                                          for i in items) else "certified")
    return {"status": status, "items": items}
