"""R26: owners' objections to a meeting's preliminary result and the convening body's signed answers, as the
record carries them (``meeting.json`` ``objection_period_days`` and ``objections``; docs/record-format.md,
"Objections to the result").

An objection is the object::

    {"type": "govern.objection.v1", "meeting": "345", "objection": "12", "motion": "7" | null,
     "filed_at": "<time>", "text": "..."}

(the filer is not named: the record's public edition carries it as is). Its answer is an envelope
``{"object", "signature", "key_id"}`` of::

    {"type": "govern.objection_answer.v1", "meeting": "345", "objection": "12",
     "objection_hash": "<object_hash(objection)>", "decision": "uphold" | "dismiss", "answer": "...",
     "signed_at": "<time>"}

signed by a member of the convening body (a committee member, or a street-office auditor when the street
office convened). An upheld objection orders a correction of the result it names. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from govern.core.ballot import format_time, object_hash, parse_time, validate_envelope_shape
from govern.core.keys import verify

OBJECTION_TYPE = "govern.objection.v1"
ANSWER_TYPE = "govern.objection_answer.v1"
DECISIONS = ("uphold", "dismiss")
OBJECTION_KEYS = frozenset({"type", "meeting", "objection", "motion", "filed_at", "text"})
ANSWER_KEYS = frozenset({"type", "meeting", "objection", "objection_hash", "decision", "answer", "signed_at"})
#: Stages of a record whose objections must all be answered (the result left the objection period).
ANSWERED_STAGES = frozenset({"final", "certified"})

__all__ = ["ANSWER_TYPE", "DECISIONS", "OBJECTION_TYPE", "answer_object", "check_objections", "objection_object"]


def objection_object(*, meeting: str, objection: str, motion: str | None, filed_at: datetime, text: str) -> dict:
    return {"type": OBJECTION_TYPE, "meeting": meeting, "objection": objection, "motion": motion,
            "filed_at": format_time(filed_at), "text": text}


def answer_object(objection: Mapping[str, Any], *, decision: str, answer: str, signed_at: str) -> dict:
    return {"type": ANSWER_TYPE, "meeting": objection["meeting"], "objection": objection["objection"],
            "objection_hash": object_hash(dict(objection)), "decision": decision, "answer": answer,
            "signed_at": signed_at}


def _objection_problem(item: Any, meeting: str, motions: set[str]) -> str | None:
    if not isinstance(item, dict) or set(item) != {"objection", "answer"}:
        return "an objection item is {objection, answer}"
    o = item["objection"]
    if not isinstance(o, dict) or set(o) != OBJECTION_KEYS or o["type"] != OBJECTION_TYPE:
        return "an objection is not a govern.objection.v1 object"
    if o["meeting"] != meeting:
        return f"objection {o.get('objection')} is for another meeting"
    if o["motion"] is not None and o["motion"] not in motions:
        return f"objection {o['objection']} names an unknown motion"
    if not isinstance(o["text"], str) or not isinstance(o["objection"], str):
        return f"objection {o['objection']} is malformed"
    try:
        parse_time(o["filed_at"])
    except (TypeError, ValueError):
        return f"objection {o['objection']}: filed_at is not an RFC 3339 UTC time"
    return None


def _answer_problem(objection: Mapping[str, Any], env: Any, holder, signers: set[str]) -> str | None:
    if validate_envelope_shape(env):
        return "the answer is not a signed envelope"
    a = env["object"]
    try:
        if set(a) != ANSWER_KEYS or a["type"] != ANSWER_TYPE or a["decision"] not in DECISIONS:
            raise ValueError
        at = parse_time(a["signed_at"])
    except (TypeError, ValueError, KeyError):
        return "the answer is not a govern.objection_answer.v1 object"
    if a["meeting"] != objection["meeting"] or a["objection"] != objection["objection"] \
            or a["objection_hash"] != object_hash(dict(objection)):
        return "the answer names another objection"
    if not isinstance(a["answer"], str) or not a["answer"].strip():
        return "the answer gives no reasons"
    if not verify(env["key_id"], a, env["signature"]):
        return "the answer's signature does not verify"
    account, _why = holder(env["key_id"], at)
    if account is None or account not in signers:
        return "the answer is not signed by a member of the convening body's active key"
    return None


def check_objections(meeting: Mapping[str, Any], *, holder, signers: Iterable[str],
                     stage: str | None) -> list[tuple[str, str]]:
    """``(code, message)`` for each problem of ``meeting.json``'s objections (none when the record has none).

    ``holder(key_id, at) -> (account | None, why)`` resolves keys (``govern.core.keybook.KeyBook.holder``);
    ``signers``: the accounts of the convening body (committee members and auditors); ``stage``: the
    manifest's stage (in ``final`` or ``certified`` every objection must be answered).
    """
    items = meeting.get("objections")
    if items is None and "objection_period_days" not in meeting:
        return []  # a record from before objections existed
    days = meeting.get("objection_period_days")
    if type(days) is not int or days < 0 or not isinstance(items, list):
        return [("bad_objections", "objection_period_days must be a whole number and objections a list")]
    out: list[tuple[str, str]] = []
    motions = {str(m.get("id")) for m in meeting.get("motions") or [] if isinstance(m, dict)}
    allowed = frozenset(signers)
    seen: set[str] = set()
    for item in items:
        problem = _objection_problem(item, meeting.get("meeting"), motions)
        if problem:
            out.append(("bad_objections", problem))
            continue
        o = item["objection"]
        if o["objection"] in seen:
            out.append(("bad_objections", f"objection {o['objection']} is listed twice"))
        seen.add(o["objection"])
        if item["answer"] is None:
            if stage in ANSWERED_STAGES:
                out.append(("objection_unanswered", f"objection {o['objection']} has no answer"))
            continue
        problem = _answer_problem(o, item["answer"], holder, allowed)
        if problem:
            out.append(("objection_answer_invalid", f"objection {o['objection']}: {problem}"))
    return out
