"""The agenda object (``govern.agenda.v1``) that publishing a notice fixes, and its hash (docs/ballot-format.md).

::

    {"type": "govern.agenda.v1", "community": "12", "meeting": "345",
     "motions": [{"id": "7", "title": "...", "text": "...", "item": null, "matter": "ordinary",
                  "attachments": [{"name": "...", "media_type": "...", "size": 1234, "sha256": "<64 hex>"}]}],
     "revision_policy": "single-cast", "invalid_policy": "as-abstain"}

An election motion (#14) adds ``"kind": "election", "seats", "max_marks", "candidates": [{"id", "name",
"statement_sha256", "photo_sha256"}]`` (``photo_sha256`` null without a photo): nominations close before the
notice, so the candidates are published with it and cannot change without voiding it.

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
ELECTION_KEYS = MOTION_KEYS | {"kind", "seats", "max_marks", "candidates"}
CANDIDATE_KEYS = frozenset({"id", "name", "statement_sha256", "photo_sha256"})


def lf(text: str) -> str:
    """Line ends as LF (a browser's form sends CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _entry(m: Mapping[str, Any]) -> dict:
    out = {"id": str(m["id"]), "title": m["title"], "text": lf(m.get("text") or ""), "item": m.get("item"),
           "matter": m["matter"],
           "attachments": [{"name": a["name"], "media_type": a["media_type"], "size": int(a["size"]),
                            "sha256": a["sha256"]} for a in m.get("attachments") or ()]}
    if m.get("kind") == "election":
        out.update(kind="election", seats=int(m["seats"]), max_marks=int(m["max_marks"]),
                   candidates=[{k: c[k] for k in sorted(CANDIDATE_KEYS)} for c in m["candidates"]])
    return out


def build_agenda(*, community: str, meeting: str, motions: Iterable[Mapping[str, Any]], revision_policy: str,
                 invalid_policy: str) -> dict:
    """The agenda object; ``motions`` in notice order, each ``{id, title, text, item, matter, attachments}``
    (an election motion also ``kind``, ``seats``, ``max_marks``, ``candidates``)."""
    return {
        "type": AGENDA_TYPE,
        "community": str(community),
        "meeting": str(meeting),
        "motions": [_entry(m) for m in motions],
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
        if not isinstance(m, dict) or set(m) not in (MOTION_KEYS, ELECTION_KEYS):
            problems.append(f"motion {i + 1}: keys must be {sorted(MOTION_KEYS)}")
            continue
        if set(m) == ELECTION_KEYS:
            problems += [f"motion {i + 1}: {p}" for p in _election_problems(m)]
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


def _election_problems(m: Mapping[str, Any]) -> list[str]:
    """An election entry: ``kind`` "election", integer ``1 <= max_marks <= seats <= len(candidates)``, candidates
    ``{id, name, statement_sha256, photo_sha256}`` with unique string ids."""
    candidates = m["candidates"]
    if m["kind"] != "election" or not isinstance(candidates, list) or any(
            not isinstance(c, dict) or set(c) != CANDIDATE_KEYS or not isinstance(c["id"], str) for c in candidates):
        return ["an election needs kind \"election\" and candidates [{id, name, statement_sha256, photo_sha256}]"]
    seats, max_marks = m["seats"], m["max_marks"]
    if type(seats) is not int or type(max_marks) is not int or not 1 <= max_marks <= seats <= len(candidates):
        return ["an election needs 1 <= max_marks <= seats <= the number of candidates"]
    if len({c["id"] for c in candidates}) != len(candidates):
        return ["candidate ids must be unique"]
    return []
