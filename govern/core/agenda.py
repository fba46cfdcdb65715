"""The agenda object (``govern.agenda.v1``) that publishing a notice fixes, and its hash (docs/ballot-format.md).

::

    {"type": "govern.agenda.v1", "community": "12", "meeting": "345",
     "motions": [{"id": "7", "title": "...", "text": "...", "item": null, "matter": "ordinary",
                  "attachments": [{"name": "...", "media_type": "...", "size": 1234, "sha256": "<64 hex>"}]}],
     "revision_policy": "single-cast", "invalid_policy": "as-abstain"}

Motions in notice order; texts with LF line ends; no window times, so extending the window does not change it.
``agenda_hash`` is the lower-case hex SHA-256 of its RFC 8785 bytes. Ballots, paper ballots and delegations of
meetings published with an agenda carry it, so a record whose titles or texts were changed after the vote no
longer verifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govern.core.canonical import canonical_bytes, sha256_hex

AGENDA_TYPE = "govern.agenda.v1"
AGENDA_KEYS = frozenset({"type", "community", "meeting", "motions", "revision_policy", "invalid_policy"})
MOTION_KEYS = frozenset({"id", "title", "text", "item", "matter", "attachments"})
ATTACHMENT_KEYS = frozenset({"name", "media_type", "size", "sha256"})


def lf(text: str) -> str:
    """Line ends as LF (a browser's form sends CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def build_agenda(*, community: str, meeting: str, motions: Iterable[Mapping[str, Any]], revision_policy: str,
                 invalid_policy: str) -> dict:
    """The agenda object; ``motions`` in notice order, each ``{id, title, text, item, matter, attachments}``."""
    return {
        "type": AGENDA_TYPE,
        "community": str(community),
        "meeting": str(meeting),
        "motions": [
            {"id": str(m["id"]), "title": m["title"], "text": lf(m.get("text") or ""), "item": m.get("item"),
             "matter": m["matter"],
             "attachments": [{"name": a["name"], "media_type": a["media_type"], "size": int(a["size"]),
                              "sha256": a["sha256"]} for a in m.get("attachments") or ()]}
            for m in motions
        ],
        "revision_policy": revision_policy,
        "invalid_policy": invalid_policy,
    }


def agenda_hash(agenda: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_bytes(dict(agenda)))


def agenda_problems(agenda: Any) -> list[str]:
    """What is wrong with an agenda object's shape (empty when it is well formed)."""
    if not isinstance(agenda, dict) or set(agenda) != AGENDA_KEYS or agenda.get("type") != AGENDA_TYPE:
        return ["the agenda must be exactly {type: govern.agenda.v1, community, meeting, motions, revision_policy, "
                "invalid_policy}"]
    problems = []
    motions = agenda["motions"]
    if not isinstance(motions, list) or not motions:
        return ["the agenda's motions must be a non-empty list"]
    for i, m in enumerate(motions):
        if not isinstance(m, dict) or set(m) != MOTION_KEYS:
            problems.append(f"motion {i + 1}: keys must be {sorted(MOTION_KEYS)}")
            continue
        if not all(isinstance(m[k], str) for k in ("id", "title", "text", "matter")):
            problems.append(f"motion {i + 1}: id, title, text and matter must be strings")
        elif "\r" in m["text"]:
            problems.append(f"motion {i + 1}: text must have LF line ends")
        if not isinstance(m["attachments"], list) or any(
                not isinstance(a, dict) or set(a) != ATTACHMENT_KEYS for a in m["attachments"]):
            problems.append(f"motion {i + 1}: attachments must be [{{name, media_type, size, sha256}}]")
    ids = [m.get("id") for m in motions if isinstance(m, dict)]
    if len(ids) != len(set(ids)):
        problems.append("motion ids must be unique")
    return problems
