"""The agenda object (``govern.agenda.v1``) that publishing a notice fixes, and its hash (docs/ballot-format.md).

::

    {"type": "govern.agenda.v1", "community": "12", "meeting": "345",
     "motions": [{"id": "7", "title": "...", "text": "...", "item": null, "matter": "ordinary",
                  "attachments": [{"name": "...", "media_type": "...", "size": 1234, "sha256": "<64 hex>"}]}],
     "revision_policy": "single-cast", "invalid_policy": "as-abstain"}

An art. 279 motion (``"matter": "unanimous_interested"``, R25) adds ``"interested": {"applicant_units": [...],
"interested_units": [...], "reason": "..." | null}`` (unit numbers, sorted; ``reason`` why the committee named
other units than the default, the other owners of the applicant's building): the owners who decide are part of the
notice. Agendas published before carry no ``interested`` and stay valid.

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
INTERESTED_KEYS = frozenset({"applicant_units", "interested_units", "reason"})
UNANIMOUS_INTERESTED = "unanimous_interested"


def lf(text: str) -> str:
    """Line ends as LF (a browser's form sends CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _entry(m: Mapping[str, Any]) -> dict:
    out = {"id": str(m["id"]), "title": m["title"], "text": lf(m.get("text") or ""), "item": m.get("item"),
           "matter": m["matter"],
           "attachments": [{"name": a["name"], "media_type": a["media_type"], "size": int(a["size"]),
                            "sha256": a["sha256"]} for a in m.get("attachments") or ()]}
    if m["matter"] == UNANIMOUS_INTERESTED and m.get("interested"):
        spec = m["interested"]
        reason = spec.get("reason") or None
        out["interested"] = {"applicant_units": sorted(str(u) for u in spec.get("applicant_units") or ()),
                             "interested_units": sorted(str(u) for u in spec.get("interested_units") or ()),
                             "reason": reason}
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
        if not isinstance(m, dict) or set(m) not in (MOTION_KEYS, MOTION_KEYS | {"interested"}, ELECTION_KEYS):
            problems.append(f"motion {i + 1}: keys must be {sorted(MOTION_KEYS)}")
            continue
        if "interested" in m:
            problems += [f"motion {i + 1}: {p}" for p in _interested_problems(m)]
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


def _interested_problems(m: Mapping[str, Any]) -> list[str]:
    """An art. 279 entry: matter ``unanimous_interested``; ``interested`` is ``{applicant_units, interested_units,
    reason}`` with sorted lists of unit strings (at least one interested unit) and a string or null reason."""
    spec = m["interested"]
    if m.get("matter") != UNANIMOUS_INTERESTED:
        return ["only an art. 279 motion (matter unanimous_interested) names interested units"]
    if not isinstance(spec, dict) or set(spec) != INTERESTED_KEYS:
        return ["interested must be {applicant_units, interested_units, reason}"]
    units = [spec["applicant_units"], spec["interested_units"]]
    if any(not isinstance(u, list) or not all(isinstance(x, str) for x in u) or u != sorted(u) for u in units):
        return ["applicant_units and interested_units must be sorted lists of unit numbers"]
    if not spec["interested_units"]:
        return ["an art. 279 motion names at least one interested unit"]
    if spec["reason"] is not None and not isinstance(spec["reason"], str):
        return ["interested.reason must be a string or null"]
    return []


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


# --------------------------------------------------------------------------- the record's checks (govern verify)


def election_motion_ids(agenda: Any) -> frozenset[str]:
    """The ids of the agenda's motions with ``"kind": "election"`` (the elections issue's motions)."""
    motions = agenda.get("motions") if isinstance(agenda, dict) else None
    return frozenset(str(m["id"]) for m in motions or () if isinstance(m, dict) and m.get("kind") == "election")


def meeting_agenda_problem(meeting: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(code, message)`` of what is wrong with ``meeting.json``'s agenda, or ``None``: its shape (``bad_agenda``),
    its hash (``agenda_hash_mismatch``), and that it is the meeting's, with the motions ``meeting.json`` names
    — ids, titles, matters, in order (``agenda_mismatch``)."""
    agenda = meeting.get("agenda")
    problems = agenda_problems(agenda)
    if problems:
        return "bad_agenda", "; ".join(problems)
    if agenda_hash(agenda) != meeting.get("agenda_hash"):
        return "agenda_hash_mismatch", "the agenda's SHA-256 is not the meeting's agenda_hash"
    if (agenda["community"], agenda["meeting"], agenda["revision_policy"], agenda["invalid_policy"]) != (
            meeting["community"], meeting["meeting"], meeting["revision_policy"], meeting["invalid_policy"]):
        return "agenda_mismatch", "the agenda is for another meeting or other policies"
    if [(m["id"], m["title"], m["matter"]) for m in agenda["motions"]] != [
            (m["id"], m.get("title"), m["matter"]) for m in meeting["motions"]]:
        return "agenda_mismatch", ("meeting.json's motions (ids, titles, matters or order) are not the published "
                                   "agenda's")
    return None


def result_agenda_problems(result: Mapping[str, Any], meeting: Mapping[str, Any],
                           signed_stage: str = "preliminary") -> list[tuple[str, str]]:
    """What is wrong with a ``govern.result.v2`` against ``meeting.json``'s agenda: another agenda hash
    (``wrong_agenda``), a motion title or matter that is not the agenda's for its motion (``agenda_mismatch``:
    a title moved to another motion), a stage other than the one results are signed at (``bad_file``)."""
    agenda = meeting.get("agenda") if isinstance(meeting.get("agenda"), dict) else {}
    mid = result.get("motion")
    entry = next((m for m in agenda.get("motions") or () if isinstance(m, dict) and m.get("id") == mid), None)
    out = []
    if result.get("agenda_hash") != meeting.get("agenda_hash"):
        out.append(("wrong_agenda", "the result names another agenda"))
    if entry is None or (result.get("motion_title"), result.get("matter")) != (entry.get("title"), entry.get("matter")):
        out.append(("agenda_mismatch", "the result's motion, title or matter is not the agenda's"))
    if result.get("stage") != signed_stage:
        out.append(("bad_file", f"a result is signed at the {signed_stage} stage"))
    return out
