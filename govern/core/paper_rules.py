"""Paper ballots cannot arrive late (issue #12 item 2): the sealed box, the grace period and paper timing.

Pure rules shared by the server (at entry and attestation) and ``govern verify`` (on a v2 record):

- A ``govern.paper_ballot.v2`` carries ``collected_at`` (not after ``closes_at``: ``collected_after_close``) and
  the meeting's ``agenda_hash`` (another one: ``wrong_agenda``).
- Within :data:`DECLARATION_WINDOW` after ``closes_at``, two committee members sign one
  ``govern.sealed_box.v1``::

      {"type": "govern.sealed_box.v1", "community", "meeting", "declared": <int >= 0>,
       "closed_at": "<the meeting's closes_at>", "issued_at", "nonce"}

  ``declared``: how many collected paper ballots were not yet entered at the close.
- A paper entry appended at or after ``closes_at`` needs that declaration, completed before it
  (``undeclared_paper``), must come before ``closes_at + paper_entry_grace`` (``window_closed``) and may be one
  of at most ``declared`` such entries (``sealed_box_exceeded``).

In a record the declaration is meeting.json's ``paper.sealed_box`` (docs/record-format.md, "Paper timing").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from govern.core.ballot import (
    ATTESTATION_TYPE,
    PAPER_TYPE,
    PAPER_V2_TYPE,
    _key_problems,
)
from govern.core.keys import verify
from govern.core.signed import format_time, is_id, is_nonce, is_time, object_hash, parse_time

"govern.sealed_box.v1"
SEALED_BOX_TYPE = "govern.sealed_box.v1"
#: The two signatures of the sealed-box declaration are given within this time after ``closes_at``.
DECLARATION_WINDOW = timedelta(hours=2)
#: ``paper_entry_grace``: its default and its largest value (so the 3-day publication of R26 can start).
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(hours=48)
#: Members of the convening body who sign a declaration.
SIGNERS = 2

_BOX_KEYS = frozenset({"type", "community", "meeting", "declared", "closed_at", "issued_at", "nonce"})


def build_paper_ballot(
    *,
    community: str,
    meeting: str,
    roll_hash: str,
    voter: str,
    choices: Mapping[str, str],
    scan_sha256: str,
    entered_at: datetime,
    nonce: str,
    invalid_reasons: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A ``govern.paper_ballot.v1`` object (unsigned), as entered by a committee member from the paper."""
    return {
        "type": PAPER_TYPE,
        "community": community,
        "meeting": meeting,
        "roll_hash": roll_hash,
        "voter": voter,
        "choices": dict(choices),
        "invalid_reasons": dict(invalid_reasons or {}),
        "scan_sha256": scan_sha256,
        "entered_at": format_time(entered_at),
        "nonce": nonce,
    }

def build_attestation(
    *, paper_ballot: Mapping[str, Any], attested_at: datetime, nonce: str
) -> dict[str, Any]:
    """A ``govern.paper_attestation.v1`` object (unsigned) for ``paper_ballot``."""
    return {
        "type": ATTESTATION_TYPE,
        "community": paper_ballot["community"],
        "meeting": paper_ballot["meeting"],
        "paper_ballot_hash": object_hash(paper_ballot),
        "scan_sha256": paper_ballot["scan_sha256"],
        "attested_at": format_time(attested_at),
        "nonce": nonce,
    }


def build_paper_ballot_v2(*, collected_at: datetime, agenda_hash: str, **fields: Any) -> dict[str, Any]:
    """A ``govern.paper_ballot.v2`` object (unsigned): :func:`build_paper_ballot`'s fields plus when the
    paper was collected and the hash of the agenda the notice bound."""
    obj = build_paper_ballot(**fields)
    obj.update(type=PAPER_V2_TYPE, collected_at=format_time(collected_at), agenda_hash=agenda_hash)
    return obj


def build_sealed_box(*, community: str, meeting: str, declared: int, closed_at: datetime, issued_at: datetime,
                     nonce: str) -> dict[str, Any]:
    """A ``govern.sealed_box.v1`` object (unsigned). Browsers build the same object."""
    return {"type": SEALED_BOX_TYPE, "community": community, "meeting": meeting, "declared": declared,
            "closed_at": format_time(closed_at), "issued_at": format_time(issued_at), "nonce": nonce}


def validate_sealed_box_shape(obj: Any) -> list[str]:
    """Problem codes of a ``govern.sealed_box.v1`` object; empty when the shape is right."""
    out = _key_problems(obj, _BOX_KEYS)
    if out == ["not_an_object"]:
        return out
    if obj.get("type") != SEALED_BOX_TYPE:
        out.append("bad_type")
    for key in ("community", "meeting"):
        if key in obj and not is_id(obj[key]):
            out.append(f"bad_{key}")
    declared = obj.get("declared")
    if "declared" in obj and (type(declared) is not int or not 0 <= declared <= 1_000_000):
        out.append("bad_declared")
    for key in ("closed_at", "issued_at"):
        if key in obj and not is_time(obj[key]):
            out.append(f"bad_{key}")
    if "nonce" in obj and not is_nonce(obj["nonce"]):
        out.append("bad_nonce")
    return out


def paper_type_for(record_version: int) -> str:
    """The paper ballot type a meeting takes: v2 where the notice bound an agenda."""
    return PAPER_V2_TYPE if record_version == 2 else PAPER_TYPE


def paper_ballot_refusal(obj: Mapping[str, Any], *, closes_at: datetime, agenda_hash: str | None) -> str | None:
    """``collected_after_close`` or ``wrong_agenda`` for a well-formed v2 paper ballot; ``None`` when fine
    (and always for v1, which carries neither)."""
    if obj.get("type") != PAPER_V2_TYPE:
        return None
    if obj.get("agenda_hash") != agenda_hash:
        return "wrong_agenda"
    if parse_time(obj["collected_at"]) > closes_at:
        return "collected_after_close"
    return None


def late_entry_refusal(*, now: datetime, closes_at: datetime, grace: timedelta, declared: int | None,
                       after_close: int) -> str | None:
    """Why a paper entry may not be made at ``now``, or ``None``. ``declared`` is the completed declaration's
    count (``None``: none), ``after_close`` how many paper entries were already made (or are on their way)
    since the close. Before the close nothing here applies."""
    if now < closes_at:
        return None
    if now >= closes_at + grace:
        return "window_closed"
    if declared is None:
        return "undeclared_paper"
    if after_close >= declared:
        return "sealed_box_exceeded"
    return None


def declaration_refusal(obj: Mapping[str, Any], *, community: str, meeting: str, closes_at: datetime,
                        now: datetime, tolerance: timedelta) -> str | None:
    """Why a well-formed sealed-box object may not be signed at ``now``, or ``None``."""
    if (obj["community"], obj["meeting"]) != (community, meeting):
        return "wrong_meeting"
    if parse_time(obj["closed_at"]) != closes_at:
        return "bad_request"
    if now < closes_at:
        return "not_closed"
    if now > closes_at + DECLARATION_WINDOW:
        return "window_closed"
    issued = parse_time(obj["issued_at"])
    if not closes_at <= issued <= closes_at + DECLARATION_WINDOW:
        return "bad_request"
    if abs(issued - now) > tolerance:
        return "stale_signature"
    return None


# --------------------------------------------------------------------------- govern verify


def timing_problems(meeting: Mapping[str, Any], entries: Iterable[Any], keys: Any) -> list[tuple[int | None, str, str]]:
    """``(ledger position or None, code, message)`` for every paper-timing rule a v2 record breaks.

    ``meeting`` is meeting.json, ``entries`` the ledger's entries (``kind``, ``position``, ``ballot``,
    ``received_at``), ``keys`` the record's key book (``holder(key, at)``, ``committee``). A v1 record
    (no ``agenda_hash``) is not held to these rules: it predates them.
    """
    if "agenda_hash" not in meeting:
        return []
    out: list[tuple[int | None, str, str]] = []
    closes = parse_time(meeting["closes_at"])
    paper = meeting.get("paper")
    if not isinstance(paper, dict) or type(paper.get("entry_grace_seconds")) is not int \
            or not 0 <= paper["entry_grace_seconds"] <= MAX_GRACE.total_seconds():
        return [(None, "bad_paper_timing", "meeting.json has no valid paper.entry_grace_seconds (at most 48 h)")]
    grace = timedelta(seconds=paper["entry_grace_seconds"])
    box = paper.get("sealed_box")
    declared, declared_at, length = None, None, 0
    if box is not None:
        found = _box_problems(box, meeting, closes, keys)
        out += [(None, code, message) for code, message in found]
        if not found:
            declared, declared_at, length = box["object"]["declared"], parse_time(box["declared_at"]), \
                box["ledger_length"]
    late = 0
    for entry in entries:
        if entry.kind != "paper":
            continue
        out += _entry_problems(entry, meeting)
        try:
            received = parse_time(entry.received_at)
        except ValueError:
            continue
        if received < closes:
            continue
        late += 1
        pos = entry.position
        if declared is None or received < declared_at or pos <= length:
            out.append((pos, "undeclared_paper", "a paper entry after the close without a prior sealed-box "
                                                 "declaration"))
        elif received >= closes + grace:
            out.append((pos, "window_closed", "a paper entry after the paper entry grace period"))
        elif late > declared:
            out.append((pos, "sealed_box_exceeded", f"more paper entries after the close than the {declared} "
                                                    "declared"))
    return out


def _entry_problems(entry: Any, meeting: Mapping[str, Any]) -> list[tuple[int | None, str, str]]:
    b, pos = entry.ballot, entry.position
    if not isinstance(b, dict) or b.get("type") != PAPER_V2_TYPE:
        return [(pos, "wrong_paper_version", "a v2 record's paper ballot must be govern.paper_ballot.v2")]
    out = []
    if b.get("agenda_hash") != meeting["agenda_hash"]:
        out.append((pos, "wrong_agenda", "the paper ballot names another agenda"))
    try:
        if parse_time(b.get("collected_at")) > parse_time(meeting["closes_at"]):
            out.append((pos, "collected_after_close", "the paper ballot was collected after closes_at"))
    except ValueError:
        out.append((pos, "bad_ballot_shape", "collected_at is not an RFC 3339 UTC time"))
    return out


def _box_problems(box: Any, meeting: Mapping[str, Any], closes: datetime, keys: Any) -> list[tuple[str, str]]:
    """The declaration carried in meeting.json: shape, meeting, timing and two committee signatures."""
    bad = [("bad_sealed_box", "paper.sealed_box is malformed")]
    if not isinstance(box, dict) or set(box) != {"object", "signatures", "declared_at", "ledger_length"}:
        return bad
    obj, sigs = box["object"], box["signatures"]
    if validate_sealed_box_shape(obj) or not isinstance(sigs, list) or type(box["ledger_length"]) is not int \
            or not is_time(box["declared_at"]):
        return bad
    if (obj["community"], obj["meeting"]) != (meeting["community"], meeting["meeting"]) \
            or obj["closed_at"] != meeting["closes_at"]:
        return [("bad_sealed_box", "the declaration is for another meeting or close")]
    end = closes + DECLARATION_WINDOW
    declared_at = parse_time(box["declared_at"])
    if not closes <= parse_time(obj["issued_at"]) <= end or not closes <= declared_at <= end:
        return [("sealed_box_late", "the declaration was not made within 2 hours after the close")]
    accounts = set()
    for sig in sigs:
        if not isinstance(sig, dict) or not is_time(sig.get("signed_at")) \
                or not verify(sig.get("key_id"), obj, sig.get("signature")):
            return [("sealed_box_signature", "a declaration signature does not verify")]
        account, _ = keys.holder(sig["key_id"], parse_time(sig["signed_at"]))
        if account is None or account not in keys.committee:
            return [("sealed_box_signature", "a declaration signer is not a committee member with an active key")]
        accounts.add(account)
    if len(accounts) < SIGNERS:
        return [("sealed_box_signature", "the declaration needs two different committee members' signatures")]
    return []
