"""Extensions of the voting window (R12): ``govern.extension.v1`` objects, signed by a member of the convening
body before the close they extend, listed in ``meeting.json`` under ``"extensions"`` (docs/record-format.md).

::

    {"type": "govern.extension.v1", "community": "12", "meeting": "345", "convener": "committee",
     "previous_closes_at": "2025-04-01T00:00:00Z", "closes_at": "2025-04-08T00:00:00Z",
     "reason": "...", "issued_at": "2025-03-30T08:00:00Z", "nonce": "<32 hex>"}

Each item of ``meeting.json``'s ``extensions`` is ``{"extension": {...}, "key_id", "signature",
"received_at"}`` (``received_at``: the server's time of receipt). The list is in order: each extension starts from
the close the previous one set, each moves the close later, the last one's ``closes_at`` is the meeting's
``closes_at``, and each was received before the close it extends. An extension does not touch the agenda (which
holds no window times), so the agenda hash is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govern.core.ballot import parse_time
from govern.core.keybook import KeyBook
from govern.core.keys import verify

EXTENSION_TYPE = "govern.extension.v1"
EXTENSION_KEYS = frozenset({"type", "community", "meeting", "convener", "previous_closes_at", "closes_at", "reason",
                            "issued_at", "nonce"})
ITEM_KEYS = frozenset({"extension", "key_id", "signature", "received_at"})
CONVENERS = ("committee", "street_office", "preparatory")
#: The problem code ``govern verify`` reports for a wrong extension.
PROBLEM = "extension_invalid"


def build_extension(*, community: str, meeting: str, convener: str, previous_closes_at: str, closes_at: str,
                    reason: str, issued_at: str, nonce: str) -> dict[str, Any]:
    return {"type": EXTENSION_TYPE, "community": str(community), "meeting": str(meeting), "convener": convener,
            "previous_closes_at": previous_closes_at, "closes_at": closes_at, "reason": reason,
            "issued_at": issued_at, "nonce": nonce}


def extension_shape_problems(obj: Any) -> list[str]:
    """What is wrong with an extension object's shape (empty when well formed)."""
    if not isinstance(obj, dict) or set(obj) != EXTENSION_KEYS or obj.get("type") != EXTENSION_TYPE:
        return [f"an extension is exactly {{{', '.join(sorted(EXTENSION_KEYS))}}} of type {EXTENSION_TYPE}"]
    problems = []
    if obj["convener"] not in CONVENERS:
        problems.append("convener must be committee, street_office or preparatory")
    if not isinstance(obj["reason"], str) or not obj["reason"].strip():
        problems.append("an extension states its reason")
    if not isinstance(obj["nonce"], str) or not obj["nonce"]:
        problems.append("nonce must be a string")
    try:
        if parse_time(obj["closes_at"]) <= parse_time(obj["previous_closes_at"]):
            problems.append("closes_at must be later than previous_closes_at")
        parse_time(obj["issued_at"])
    except (TypeError, ValueError):
        problems.append("closes_at, previous_closes_at and issued_at must be times")
    return problems


def extension_problems(meeting: Mapping[str, Any], keys: KeyBook) -> list[tuple[str, str]]:
    """``(code, message)`` for each wrong extension in ``meeting.json`` (none when it lists none)."""
    items = meeting.get("extensions")
    if items is None:
        return []
    if not isinstance(items, list):
        return [(PROBLEM, "extensions must be a list")]
    out: list[tuple[str, str]] = []
    previous: str | None = None
    nonces: set[str] = set()
    for n, item in enumerate(items, start=1):
        problem = _item_problem(meeting, keys, item, previous, nonces)
        if problem:
            out.append((PROBLEM, f"extension {n}: {problem}"))
        if isinstance(item, dict) and isinstance(item.get("extension"), dict):
            previous = item["extension"].get("closes_at")
    if items and previous != meeting.get("closes_at"):
        out.append((PROBLEM, "the last extension's closes_at is not the meeting's closes_at"))
    return out


def _item_problem(meeting: Mapping[str, Any], keys: KeyBook, item: Any, previous: str | None,
                  nonces: set[str]) -> str | None:
    if not isinstance(item, dict) or set(item) != ITEM_KEYS:
        return f"an item is exactly {{{', '.join(sorted(ITEM_KEYS))}}}"
    obj = item["extension"]
    shape = extension_shape_problems(obj)
    if shape:
        return "; ".join(shape)
    if (obj["community"], obj["meeting"]) != (meeting.get("community"), meeting.get("meeting")):
        return "it is for another meeting"
    if previous is not None and obj["previous_closes_at"] != previous:
        return "it does not start from the close the previous extension set"
    if obj["nonce"] in nonces:
        return "its nonce was used before"
    nonces.add(obj["nonce"])
    try:
        received = parse_time(item["received_at"])
    except (TypeError, ValueError):
        return "received_at must be a time"
    if received >= parse_time(obj["previous_closes_at"]):
        return "it was received after the close it extends"
    if not isinstance(item["key_id"], str) or not isinstance(item["signature"], str) or not verify(
            item["key_id"], obj, item["signature"]):
        return "the signature does not verify"
    account, _why = keys.holder(item["key_id"], received)
    body = keys.auditors if obj["convener"] == "street_office" else keys.committee  # the group is on keys.committee
    if account is None or account not in body:
        return "it is not signed by an active key of a member of the convening body"
    return None
