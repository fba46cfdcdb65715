"""Signed ballots, delegations (proxies), revocations and paper ballots: their shapes and the cast-time checks.

The shapes (exact key sets) are described in one place, ``docs/ballot-format.md``: ``govern.ballot.v1|v2``
(signed by the voter's key, or the proxy's when the ledger entry carries a delegation; v2 adds
``agenda_hash`` and is the only version a meeting whose notice bound an agenda takes),
``govern.delegation.v1|v2`` (signed by the principal), ``govern.delegation_revocation.v1``,
``govern.paper_ballot.v1|v2`` (signed by the member who entered it; v2 adds ``collected_at`` and
``agenda_hash``, :mod:`govern.core.paper_rules`) and ``govern.paper_attestation.v1`` (a second member).

A signed object travels in an *envelope* ``{"object": {...}, "signature": "<b64url>",
"key_id": "<b64url public key>"}``: the key id **is** the raw public key, so a signature is
checkable without any lookup, and the record's ``keys.json`` says whose key it was and when.
Times are RFC 3339 in UTC with a ``Z`` suffix and optional fractional seconds (at most 6 digits).
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Container, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import b64url_decode, is_public_key, verify, verify_bytes
from govern.core.signed import (
    NONCE_BYTES,
    ballot_hash,
    envelope,
    format_time,
    is_hex64,
    is_id,
    is_time,
    new_nonce,
    object_hash,
    parse_time,
)
from govern.core.signed import is_nonce as _is_nonce

__all__ = [
    "ATTESTATION_TYPE",
    "BALLOT_CHOICES",
    "BALLOT_TYPE",
    "BALLOT_TYPE_V2",
    "DEFAULT_TOLERANCE",
    "DELEGATION_TYPE",
    "DELEGATION_TYPE_V2",
    "NONCE_BYTES",
    "PAPER_CHOICES",
    "PAPER_TYPE",
    "PAPER_V2_TYPE",
    "REVOCATION_TYPE",
    "CheckResult",
    "MeetingContext",
    "Rejection",
    "RevisionPolicy",
    "ballot_hash",
    "build_ballot",
    "build_delegation",
    "build_revocation",
    "check_attestation",
    "check_ballot",
    "check_delegation",
    "check_revocation",
    "election_choice_problems",
    "envelope",
    "format_time",
    "instructions_followed",
    "new_nonce",
    "object_version",
    "object_hash",
    "parse_time",
    "validate_attestation_shape",
    "validate_ballot_shape",
    "validate_delegation_shape",
    "validate_envelope_shape",
    "validate_paper_shape",
    "validate_revocation_shape",
]

BALLOT_TYPE = "govern.ballot.v1"
BALLOT_TYPE_V2 = "govern.ballot.v2"
DELEGATION_TYPE = "govern.delegation.v1"
DELEGATION_TYPE_V2 = "govern.delegation.v2"
REVOCATION_TYPE = "govern.delegation_revocation.v1"
PAPER_TYPE = "govern.paper_ballot.v1"
PAPER_V2_TYPE = "govern.paper_ballot.v2"
ATTESTATION_TYPE = "govern.paper_attestation.v1"

#: Choices an electronic ballot (or a delegation's instructions) may carry.
BALLOT_CHOICES = frozenset({"agree", "oppose", "abstain"})
#: Choices a paper ballot may carry: a spoilt paper ballot is recorded as ``invalid`` with a reason (R17).
PAPER_CHOICES = BALLOT_CHOICES | {"invalid"}
#: Default largest distance between a ballot's ``issued_at`` and the server's clock when it arrives.
DEFAULT_TOLERANCE = timedelta(minutes=10)
#: Longest invalid-ballot reason accepted (ids: :data:`govern.core.signed.MAX_ID_LENGTH`).
MAX_REASON_LENGTH = 500


_BALLOT_KEYS = frozenset({"type", "community", "meeting", "roll_hash", "voter", "choices", "issued_at", "nonce"})
_DELEGATION_KEYS = frozenset({"type", "community", "meeting", "principal", "proxy", "issued_at", "nonce"})
#: v2 ballots and delegations: the v1 keys plus the agenda they bind.
_BALLOT_KEYS_V2 = _BALLOT_KEYS | {"agenda_hash"}
_DELEGATION_KEYS_V2 = _DELEGATION_KEYS | {"agenda_hash"}
_REVOCATION_KEYS = frozenset(
    {"type", "community", "meeting", "principal", "delegation_hash", "issued_at", "nonce"}
)
_PAPER_KEYS = frozenset(
    {"type", "community", "meeting", "roll_hash", "voter", "choices", "invalid_reasons", "scan_sha256",
     "entered_at", "nonce"}
)
_PAPER_V2_KEYS = _PAPER_KEYS | {"collected_at", "agenda_hash"}
_ATTESTATION_KEYS = frozenset(
    {"type", "community", "meeting", "paper_ballot_hash", "scan_sha256", "attested_at", "nonce"}
)
_ENVELOPE_KEYS = frozenset({"object", "signature", "key_id"})


class RevisionPolicy(StrEnum):
    """R16: may a voter cast again before close? Declared in the notice."""

    #: A second ballot from the same voter is refused (``already_voted``). Beijing practice, the default.
    SINGLE_CAST = "single-cast"
    #: Every ballot is kept; the latest (by ledger position) counts.
    REVISABLE = "revisable-until-close"


class Rejection(StrEnum):
    """Why a ballot (or a delegation, revocation or paper entry) is refused. Nothing is appended."""

    BAD_REQUEST = "bad_request"
    BAD_SIGNATURE = "bad_signature"
    NOT_ELIGIBLE = "not_eligible"
    WINDOW_NOT_OPEN = "window_not_open"
    WINDOW_CLOSED = "window_closed"
    ALREADY_VOTED = "already_voted"
    REPLAY = "replay"
    UNKNOWN_MOTION = "unknown_motion"
    WRONG_MEETING = "wrong_meeting"
    WRONG_ROLL = "wrong_roll"
    STALE_BALLOT = "stale_ballot"
    #: Proxy voting: the proxy already holds ``proxy_cap`` principals.
    PROXY_CAP_EXCEEDED = "proxy_cap_exceeded"
    #: Proxy voting: the delegation was revoked before the proxy's ballot arrived.
    DELEGATION_REVOKED = "delegation_revoked"
    #: Proxy voting: the principal has voted themselves, so the delegation has lapsed.
    DELEGATION_LAPSED = "delegation_lapsed"
    #: Proxy voting: the ballot departs from the principal's instructions.
    INSTRUCTIONS_NOT_FOLLOWED = "instructions_not_followed"
    #: Paper: the attesting committee member is the one who entered the ballot.
    SAME_MEMBER = "same_member"
    #: Paper: a signer is not a committee member.
    NOT_COMMITTEE = "not_committee"
    #: A v2 ballot or delegation names another agenda than the one the meeting's notice fixed.
    WRONG_AGENDA = "wrong_agenda"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a cast-time check: ``ok`` or a rejection ``code`` with an English ``message``."""

    ok: bool
    code: Rejection | None = None
    message: str = ""
    #: Hex SHA-256 of the object's canonical bytes, when it could be computed.
    object_hash: str | None = None

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class MeetingContext:
    """What the server knows about a meeting when a ballot arrives."""

    community: str
    meeting: str
    roll_hash: str
    motion_ids: frozenset[str]
    #: Aware datetimes: the window is ``opens_at <= now < closes_at``.
    opens_at: datetime
    closes_at: datetime
    policy: RevisionPolicy = RevisionPolicy.SINGLE_CAST
    #: Largest accepted ``|issued_at - now|``.
    tolerance: timedelta = DEFAULT_TOLERANCE
    #: The agenda hash the notice fixed: set, only ``govern.ballot.v2`` / ``govern.delegation.v2`` carrying it
    #: are accepted; ``None`` (a meeting published before agendas were bound), only v1.
    agenda_hash: str | None = None
    #: Motions whose agenda entry has ``"kind": "election"``: their choice is checked by
    #: :func:`election_choice_problems`, not against :data:`BALLOT_CHOICES`.
    election_motions: frozenset[str] = frozenset()

    @property
    def version(self) -> int:
        """1 or 2: the version of the ballots and delegations this meeting accepts."""
        return 1 if self.agenda_hash is None else 2


# --------------------------------------------------------------------------- builders (tests, demo)


def build_ballot(
    *,
    community: str,
    meeting: str,
    roll_hash: str,
    voter: str,
    choices: Mapping[str, str],
    issued_at: datetime,
    nonce: str,
    agenda_hash: str | None = None,
) -> dict[str, Any]:
    """A ``govern.ballot.v1`` object (unsigned), or ``govern.ballot.v2`` when ``agenda_hash`` is given.
    Browsers build the same object themselves."""
    obj = {
        "type": BALLOT_TYPE if agenda_hash is None else BALLOT_TYPE_V2,
        "community": community,
        "meeting": meeting,
        "roll_hash": roll_hash,
        "voter": voter,
        "choices": dict(choices),
        "issued_at": format_time(issued_at),
        "nonce": nonce,
    }
    if agenda_hash is not None:
        obj["agenda_hash"] = agenda_hash
    return obj


def build_delegation(
    *,
    community: str,
    meeting: str,
    principal: str,
    proxy: str,
    issued_at: datetime,
    nonce: str,
    instructions: Mapping[str, str] | None = None,
    agenda_hash: str | None = None,
) -> dict[str, Any]:
    """A ``govern.delegation.v1`` object (unsigned), or ``govern.delegation.v2`` when ``agenda_hash`` is given;
    ``instructions`` is left out when ``None``."""
    obj: dict[str, Any] = {
        "type": DELEGATION_TYPE if agenda_hash is None else DELEGATION_TYPE_V2,
        "community": community,
        "meeting": meeting,
        "principal": principal,
        "proxy": proxy,
        "issued_at": format_time(issued_at),
        "nonce": nonce,
    }
    if instructions is not None:
        obj["instructions"] = dict(instructions)
    if agenda_hash is not None:
        obj["agenda_hash"] = agenda_hash
    return obj


def build_revocation(
    *, community: str, meeting: str, principal: str, delegation: Mapping[str, Any], issued_at: datetime, nonce: str
) -> dict[str, Any]:
    """A ``govern.delegation_revocation.v1`` object (unsigned) naming ``delegation`` by its hash."""
    return {
        "type": REVOCATION_TYPE,
        "community": community,
        "meeting": meeting,
        "principal": principal,
        "delegation_hash": object_hash(delegation),
        "issued_at": format_time(issued_at),
        "nonce": nonce,
    }


# --------------------------------------------------------------------------- shape validation


def _key_problems(obj: Any, expected: frozenset[str], optional: frozenset[str] = frozenset()) -> list[str]:
    if not isinstance(obj, dict):
        return ["not_an_object"]
    out = []
    keys = set(obj)
    if expected - keys:
        out.append("missing_keys")
    if keys - expected - optional:
        out.append("unexpected_keys")
    return out


def election_choice_problems(value: Any) -> list[str]:
    """The elections hook: problem codes of the choice on a motion whose agenda entry has ``"kind": "election"``
    (the elections issue defines it as ``{"marks": [...]}``; which ids an election accepts is
    ``govern.core.election.marks_problems``)."""
    return [] if is_marks_shape(value) else ["bad_choice"]


def _choices_problems(choices: Any, allowed: frozenset[str], *, empty_ok: bool = False,
                      election_motions: Container[str] = frozenset()) -> list[str]:
    if not isinstance(choices, dict) or (not choices and not empty_ok):
        return ["bad_choices"]
    if not all(is_id(k) for k in choices):
        return ["bad_motion_id"]
    for motion, value in choices.items():
        if motion in election_motions:
            if election_choice_problems(value) and not (value == "invalid" and "invalid" in allowed):
                return ["bad_choice"]
        elif not ((isinstance(value, str) and value in allowed) or (not election_motions and is_marks_shape(value))):
            return ["bad_choice"]
    return []


def is_marks_shape(value: Any) -> bool:
    """An election motion's choice ``{"marks": ["<candidate id>", ...]}`` (the shape; which ids an election
    accepts is ``govern.core.election.marks_problems``)."""
    return isinstance(value, dict) and set(value) == {"marks"} and isinstance(value["marks"], list) and all(
        isinstance(m, str) for m in value["marks"])


def _common_problems(obj: dict[str, Any], type_tag: str, time_key: str) -> list[str]:
    out = []
    if obj.get("type") != type_tag:
        out.append("bad_type")
    for key in ("community", "meeting"):
        if key in obj and not is_id(obj[key]):
            out.append(f"bad_{key}")
    if time_key in obj and not is_time(obj[time_key]):
        out.append(f"bad_{time_key}")
    if "nonce" in obj and not _is_nonce(obj["nonce"]):
        out.append("bad_nonce")
    return out


def object_version(obj: Any, v1: str, v2: str) -> int | None:
    """1 or 2 when ``obj["type"]`` is the v1 or v2 tag, ``None`` otherwise."""
    tag = obj.get("type") if isinstance(obj, dict) else None
    return 1 if tag == v1 else 2 if tag == v2 else None


def _agenda_problems(obj: dict[str, Any], version: int) -> list[str]:
    if version == 2 and "agenda_hash" in obj and not is_hex64(obj["agenda_hash"]):
        return ["bad_agenda_hash"]
    return []


def validate_ballot_shape(obj: Any, *, version: int | None = None,
                          election_motions: Container[str] = frozenset()) -> list[str]:
    """Problem codes of a ``govern.ballot.v1`` or ``govern.ballot.v2`` object; an empty list means the shape is
    right. ``version``: 1 or 2 to accept only that version (``None``: either, by its ``type``).

    Codes: ``not_an_object``, ``missing_keys``, ``unexpected_keys``, ``bad_type``,
    ``bad_community``, ``bad_meeting``, ``bad_roll_hash``, ``bad_voter``, ``bad_choices``
    (not a non-empty object), ``bad_motion_id``, ``bad_choice``, ``bad_issued_at``, ``bad_nonce``,
    ``bad_agenda_hash`` (v2).
    """
    found = object_version(obj, BALLOT_TYPE, BALLOT_TYPE_V2)
    v = version or found or 1
    out = _key_problems(obj, _BALLOT_KEYS_V2 if v == 2 else _BALLOT_KEYS)
    if out == ["not_an_object"]:
        return out
    out += _common_problems(obj, BALLOT_TYPE_V2 if v == 2 else BALLOT_TYPE, "issued_at")
    out += _agenda_problems(obj, v)
    if "roll_hash" in obj and not is_hex64(obj["roll_hash"]):
        out.append("bad_roll_hash")
    if "voter" in obj and not is_id(obj["voter"]):
        out.append("bad_voter")
    if "choices" in obj:
        out += _choices_problems(obj["choices"], BALLOT_CHOICES, election_motions=election_motions)
    return out


def validate_delegation_shape(obj: Any, *, version: int | None = None) -> list[str]:
    """Problem codes of a ``govern.delegation.v1`` or ``.v2`` object (``instructions`` optional, non-empty if
    present); ``version`` as in :func:`validate_ballot_shape`."""
    found = object_version(obj, DELEGATION_TYPE, DELEGATION_TYPE_V2)
    v = version or found or 1
    out = _key_problems(obj, _DELEGATION_KEYS_V2 if v == 2 else _DELEGATION_KEYS, frozenset({"instructions"}))
    if out == ["not_an_object"]:
        return out
    out += _common_problems(obj, DELEGATION_TYPE_V2 if v == 2 else DELEGATION_TYPE, "issued_at")
    out += _agenda_problems(obj, v)
    for key in ("principal", "proxy"):
        if key in obj and not is_id(obj[key]):
            out.append(f"bad_{key}")
    if "instructions" in obj:
        out += ["bad_instructions" for _ in _choices_problems(obj["instructions"], BALLOT_CHOICES)][:1]
    return out


def validate_revocation_shape(obj: Any) -> list[str]:
    """Problem codes of a ``govern.delegation_revocation.v1`` object."""
    out = _key_problems(obj, _REVOCATION_KEYS)
    if out == ["not_an_object"]:
        return out
    out += _common_problems(obj, REVOCATION_TYPE, "issued_at")
    if "principal" in obj and not is_id(obj["principal"]):
        out.append("bad_principal")
    if "delegation_hash" in obj and not is_hex64(obj["delegation_hash"]):
        out.append("bad_delegation_hash")
    return out


def validate_paper_shape(obj: Any) -> list[str]:
    """Problem codes of a ``govern.paper_ballot.v1`` object, or of a v2 one (``bad_collected_at``, ``bad_agenda_hash``).

    ``invalid_reasons`` must have exactly the motions whose choice is ``invalid``, each with a
    non-empty reason (``bad_invalid_reasons`` otherwise).
    """
    v2 = isinstance(obj, dict) and obj.get("type") == PAPER_V2_TYPE
    out = _key_problems(obj, _PAPER_V2_KEYS if v2 else _PAPER_KEYS)
    if out == ["not_an_object"]:
        return out
    out += _common_problems(obj, PAPER_V2_TYPE if v2 else PAPER_TYPE, "entered_at")
    if v2:
        out += [f"bad_{k}" for k, ok in (("collected_at", is_time), ("agenda_hash", is_hex64)) if k in obj
                and not ok(obj[k])]
    if "roll_hash" in obj and not is_hex64(obj["roll_hash"]):
        out.append("bad_roll_hash")
    if "voter" in obj and not is_id(obj["voter"]):
        out.append("bad_voter")
    if "scan_sha256" in obj and not is_hex64(obj["scan_sha256"]):
        out.append("bad_scan_sha256")
    choices = obj.get("choices")
    if "choices" in obj:
        problems = _choices_problems(choices, PAPER_CHOICES)
        out += problems
        if not problems:
            reasons = obj.get("invalid_reasons")
            wanted = {k for k, v in choices.items() if v == "invalid"}
            if (
                not isinstance(reasons, dict)
                or set(reasons) != wanted
                or not all(isinstance(r, str) and 0 < len(r) <= MAX_REASON_LENGTH for r in reasons.values())
            ):
                out.append("bad_invalid_reasons")
    return out


def validate_attestation_shape(obj: Any) -> list[str]:
    """Problem codes of a ``govern.paper_attestation.v1`` object."""
    out = _key_problems(obj, _ATTESTATION_KEYS)
    if out == ["not_an_object"]:
        return out
    out += _common_problems(obj, ATTESTATION_TYPE, "attested_at")
    for key in ("paper_ballot_hash", "scan_sha256"):
        if key in obj and not is_hex64(obj[key]):
            out.append(f"bad_{key}")
    return out


def validate_envelope_shape(env: Any) -> list[str]:
    """Problem codes of an envelope ``{"object", "signature", "key_id"}`` (not of the object inside)."""
    out = _key_problems(env, _ENVELOPE_KEYS)
    if out == ["not_an_object"]:
        return out
    if not isinstance(env.get("object"), dict):
        out.append("bad_object")
    if not is_public_key(env.get("key_id")):
        out.append("bad_key_id")
    sig = env.get("signature")
    try:
        b64url_decode(sig, length=64)
    except ValueError:
        out.append("bad_signature_encoding")
    return out


# --------------------------------------------------------------------------- cast-time checks


def _reject(code: Rejection, message: str, h: str | None = None) -> CheckResult:
    return CheckResult(False, code, message, h)


def _seen(container: Container[str], value: str) -> bool:
    return value in container


def check_ballot(
    ballot: Any,
    signature: Any,
    *,
    context: MeetingContext,
    public_key: str | None,
    is_eligible: bool,
    seen_nonces: Container[str],
    seen_hashes: Container[str],
    has_voted: bool,
    now: datetime,
) -> CheckResult:
    """Decide whether a cast ballot may be appended to the meeting's ledger.

    ``public_key`` is the key that must have signed it: the voter's active key (the key of the
    account allowed to cast for ``ballot["voter"]``), or, for a proxy ballot, the proxy's
    active key (check the delegation with :func:`check_delegation` too). ``None`` means the
    caster has no active key. ``is_eligible``: the voter is on the meeting's frozen roll.
    ``seen_nonces``/``seen_hashes``: nonces and ballot hashes already in this meeting's
    ledger. ``has_voted``: the voter already has a counting ballot (for ``single-cast``).
    ``now``: the server's aware time of arrival, which becomes the entry's ``received_at``.

    Checks, in this order, the first failure being returned: ``bad_request`` (shape),
    ``wrong_meeting`` (community or meeting), ``wrong_roll``, ``wrong_agenda`` (v2), ``unknown_motion``,
    ``not_eligible`` (not on the roll, or no active key), ``bad_signature``,
    ``window_not_open``, ``window_closed``, ``stale_ballot`` (``|issued_at - now|`` above the
    tolerance), ``replay`` (nonce or hash seen), ``already_voted`` (single-cast only). The
    signature is checked before anything that depends on the ledger's state, so an unsigned
    request learns nothing about it; nothing is appended unless the result is ok.
    """
    problems = validate_ballot_shape(ballot, version=context.version, election_motions=context.election_motions)
    if problems:
        return _reject(Rejection.BAD_REQUEST, "malformed ballot: " + ", ".join(problems))
    try:
        data = canonical_bytes(ballot)
    except Exception:  # shape-checked, so not expected (rfc8785 raises its own types): answered, never raised
        return _reject(Rejection.BAD_REQUEST, "malformed ballot: not canonical JSON")
    h = sha256_hex(data)
    if not (
        hmac.compare_digest(ballot["community"].encode(), context.community.encode())
        and hmac.compare_digest(ballot["meeting"].encode(), context.meeting.encode())
    ):
        return _reject(Rejection.WRONG_MEETING, "the ballot is for another community or meeting", h)
    if not hmac.compare_digest(ballot["roll_hash"], context.roll_hash):
        return _reject(Rejection.WRONG_ROLL, "the ballot names another eligibility roll", h)
    if not _same_agenda(ballot, context):
        return _reject(Rejection.WRONG_AGENDA, "the ballot names another agenda than the notice fixed", h)
    unknown = sorted(set(ballot["choices"]) - set(context.motion_ids))
    if unknown:
        return _reject(Rejection.UNKNOWN_MOTION, "unknown motion(s): " + ", ".join(unknown), h)
    if not is_eligible:
        return _reject(Rejection.NOT_ELIGIBLE, "the voter is not on the frozen roll", h)
    if public_key is None:
        return _reject(Rejection.NOT_ELIGIBLE, "no active key is enrolled for this caster", h)
    if not verify_bytes(public_key, data, signature):
        return _reject(Rejection.BAD_SIGNATURE, "the signature does not verify under the caster's active key", h)
    return check_ballot_state(ballot, h, context=context, seen_nonces=seen_nonces, seen_hashes=seen_hashes,
                              has_voted=has_voted, now=now)


def _same_agenda(obj: Mapping[str, Any], context: MeetingContext) -> bool:
    """A v2 object names the meeting's agenda hash (a v1 object of a v1 meeting has none to compare)."""
    if context.agenda_hash is None:
        return True
    return hmac.compare_digest(str(obj.get("agenda_hash", "")), context.agenda_hash)


def check_ballot_state(
    ballot: Mapping[str, Any],
    h: str,
    *,
    context: MeetingContext,
    seen_nonces: Container[str],
    seen_hashes: Container[str],
    has_voted: bool,
    now: datetime,
) -> CheckResult:
    """The last checks of :func:`check_ballot`, those that depend on the clock and the ledger's state.

    For a ballot that already passed :func:`check_ballot` against the same ``context`` (``h`` its
    hash): a caster re-checks it with this alone under the meeting's lock, against the ledger as
    committed, without verifying the signature twice. Codes: ``window_not_open``,
    ``window_closed``, ``stale_ballot``, ``replay``, ``already_voted``.
    """
    window = _window(context, now)
    if window is not None:
        return CheckResult(False, window[0], window[1], h)
    if abs(parse_time(ballot["issued_at"]) - now) > context.tolerance:
        return _reject(Rejection.STALE_BALLOT, "issued_at is too far from the server's clock", h)
    if _seen(seen_nonces, ballot["nonce"]) or _seen(seen_hashes, h):
        return _reject(Rejection.REPLAY, "this ballot (or its nonce) was already received", h)
    if has_voted and RevisionPolicy(context.policy) is RevisionPolicy.SINGLE_CAST:
        return _reject(Rejection.ALREADY_VOTED, "single-cast meeting: the voter has already voted", h)
    return CheckResult(True, None, "", h)


def _window(context: MeetingContext, now: datetime) -> tuple[Rejection, str] | None:
    if now < context.opens_at:
        return Rejection.WINDOW_NOT_OPEN, "voting has not opened yet"
    if now >= context.closes_at:
        return Rejection.WINDOW_CLOSED, "voting has closed"
    return None


def check_delegation(
    delegation: Any,
    signature: Any,
    *,
    context: MeetingContext,
    principal_key: str | None,
    principal_eligible: bool,
    proxy_principals: Collection[str],
    proxy_cap: int | None,
    revoked_hashes: Container[str],
    principal_has_voted: bool,
    seen_nonces: Container[str],
    now: datetime,
    ballot: Mapping[str, Any] | None = None,
    proxy_account: str | None = None,
) -> CheckResult:
    """Check a ``govern.delegation.v1``, when it is registered and again when the proxy's ballot carries it.

    ``principal_key``: the active key of an account allowed to cast for the principal.
    ``proxy_principals``: principals the proxy already holds through other live (unrevoked,
    unlapsed) delegations in this meeting; with ``proxy_cap`` (``None``: no cap) it enforces R15's cap.
    ``revoked_hashes``: hashes of delegations revoked so far. ``principal_has_voted``: the
    principal cast their own ballot (the delegation has lapsed). ``ballot`` and
    ``proxy_account``, when given (at proxy-cast time), must match ``principal`` / ``proxy``
    and follow the ``instructions``. Codes: ``bad_request``, ``wrong_meeting``,
    ``not_eligible``, ``bad_signature``, ``window_closed``, ``delegation_revoked``,
    ``delegation_lapsed``, ``proxy_cap_exceeded``, ``instructions_not_followed``, ``replay``.
    """
    problems = validate_delegation_shape(delegation, version=context.version)
    if problems:
        return _reject(Rejection.BAD_REQUEST, "malformed delegation: " + ", ".join(problems))
    h = object_hash(delegation)
    if delegation["community"] != context.community or delegation["meeting"] != context.meeting:
        return _reject(Rejection.WRONG_MEETING, "the delegation is for another community or meeting", h)
    if not _same_agenda(delegation, context):
        return _reject(Rejection.WRONG_AGENDA, "the delegation names another agenda than the notice fixed", h)
    if set(delegation.get("instructions", {})) - set(context.motion_ids):
        return _reject(Rejection.UNKNOWN_MOTION, "the instructions name an unknown motion", h)
    if not principal_eligible or principal_key is None:
        return _reject(Rejection.NOT_ELIGIBLE, "the principal is not on the roll or has no active key", h)
    if not verify(principal_key, delegation, signature):
        return _reject(Rejection.BAD_SIGNATURE, "the delegation is not signed by the principal's active key", h)
    if now >= context.closes_at:
        return _reject(Rejection.WINDOW_CLOSED, "voting has closed", h)
    state = check_delegation_state(delegation, h, proxy_principals=proxy_principals, proxy_cap=proxy_cap,
                                   revoked_hashes=revoked_hashes, principal_has_voted=principal_has_voted,
                                   seen_nonces=seen_nonces, at_cast=ballot is not None)
    if not state.ok:
        return state
    if ballot is not None:
        if ballot.get("voter") != delegation["principal"] or (
            proxy_account is not None and proxy_account != delegation["proxy"]
        ):
            return _reject(Rejection.BAD_REQUEST, "the ballot's voter or caster does not match the delegation", h)
        if not instructions_followed(delegation, ballot):
            return _reject(Rejection.INSTRUCTIONS_NOT_FOLLOWED, "the ballot departs from the instructions", h)
    return CheckResult(True, None, "", h)


def check_delegation_state(delegation: Mapping[str, Any], h: str, *, proxy_principals: Collection[str],
                           proxy_cap: int | None, revoked_hashes: Container[str], principal_has_voted: bool,
                           seen_nonces: Container[str] = (), at_cast: bool = True) -> CheckResult:
    """The checks of :func:`check_delegation` that depend on the state: a proxy's cast re-checks a delegation
    that passed :func:`check_delegation` (``h`` its hash) with this alone under the meeting's lock. Codes:
    ``delegation_revoked``, ``delegation_lapsed``, ``replay`` (not ``at_cast``), ``proxy_cap_exceeded``."""
    if _seen(revoked_hashes, h):
        return _reject(Rejection.DELEGATION_REVOKED, "the principal revoked this delegation", h)
    if principal_has_voted:
        return _reject(Rejection.DELEGATION_LAPSED, "the principal has voted: the delegation lapsed", h)
    if not at_cast and _seen(seen_nonces, delegation["nonce"]):
        return _reject(Rejection.REPLAY, "this delegation nonce was already used", h)
    others = set(proxy_principals) - {delegation["principal"]}
    if proxy_cap is not None and len(others) >= proxy_cap:
        return _reject(Rejection.PROXY_CAP_EXCEEDED, f"the proxy already holds {len(others)} principals", h)
    return CheckResult(True, None, "", h)


def instructions_followed(delegation: Mapping[str, Any], ballot: Mapping[str, Any]) -> bool:
    """True if ``ballot`` gives, for every motion the delegation instructs, exactly the instructed choice (an
    election's marks compare as sets: their order is irrelevant)."""
    instructions = delegation.get("instructions") or {}
    choices = ballot.get("choices") or {}
    return all(_same_choice(choices.get(motion), choice) for motion, choice in instructions.items())


def _same_choice(given: Any, instructed: Any) -> bool:
    if isinstance(given, Mapping) and isinstance(instructed, Mapping) and set(given) == set(instructed) == {"marks"} \
            and isinstance(given["marks"], list) and isinstance(instructed["marks"], list):
        return sorted(map(str, given["marks"])) == sorted(map(str, instructed["marks"])) \
            and len(set(map(str, given["marks"]))) == len(given["marks"])
    return given == instructed


def check_revocation(
    revocation: Any,
    signature: Any,
    *,
    context: MeetingContext,
    delegation: Mapping[str, Any],
    principal_key: str | None,
    proxy_has_voted: bool,
) -> CheckResult:
    """Check a ``govern.delegation_revocation.v1`` for ``delegation``.

    It must name the delegation by hash, be for the same principal and meeting, be signed by
    the principal's active key, and arrive before the proxy has voted under the delegation
    (``already_voted`` otherwise: the proxy's ballot stands unless the principal votes).
    """
    problems = validate_revocation_shape(revocation)
    if problems:
        return _reject(Rejection.BAD_REQUEST, "malformed revocation: " + ", ".join(problems))
    h = object_hash(revocation)
    if revocation["community"] != context.community or revocation["meeting"] != context.meeting:
        return _reject(Rejection.WRONG_MEETING, "the revocation is for another community or meeting", h)
    if not hmac.compare_digest(revocation["delegation_hash"], object_hash(delegation)) or revocation[
        "principal"
    ] != delegation.get("principal"):
        return _reject(Rejection.BAD_REQUEST, "the revocation does not name this delegation", h)
    if principal_key is None or not verify(principal_key, revocation, signature):
        return _reject(Rejection.BAD_SIGNATURE, "the revocation is not signed by the principal's active key", h)
    if proxy_has_voted:
        return _reject(Rejection.ALREADY_VOTED, "the proxy has already voted under this delegation", h)
    return CheckResult(True, None, "", h)


def check_attestation(
    paper_ballot: Any,
    entered_signature: Any,
    attestation: Any,
    attested_signature: Any,
    *,
    context: MeetingContext,
    entered_by_key: str | None,
    attested_by_key: str | None,
    entered_by_account: str,
    attested_by_account: str,
    committee: Collection[str],
    is_eligible: bool,
    seen_nonces: Container[str],
    seen_hashes: Container[str],
    has_voted: bool,
) -> CheckResult:
    """Check a paper ballot entered by one committee member and attested by a second, before it is appended.

    Both accounts must be committee members (``not_committee``) and differ (``same_member``);
    each signature must verify under that member's active key (``bad_signature``); the
    attestation must name the paper ballot's hash and scan hash (``bad_request``). Meeting,
    roll, motions, eligibility, replay and single-cast are checked as for electronic ballots.
    The voting window is not checked: paper ballots collected in time may be entered after close.
    """
    problems = validate_paper_shape(paper_ballot)
    if problems:
        return _reject(Rejection.BAD_REQUEST, "malformed paper ballot: " + ", ".join(problems))
    h = object_hash(paper_ballot)
    problems = validate_attestation_shape(attestation)
    if problems:
        return _reject(Rejection.BAD_REQUEST, "malformed attestation: " + ", ".join(problems), h)
    if paper_ballot["community"] != context.community or paper_ballot["meeting"] != context.meeting:
        return _reject(Rejection.WRONG_MEETING, "the paper ballot is for another community or meeting", h)
    if paper_ballot["roll_hash"] != context.roll_hash:
        return _reject(Rejection.WRONG_ROLL, "the paper ballot names another eligibility roll", h)
    if set(paper_ballot["choices"]) - set(context.motion_ids):
        return _reject(Rejection.UNKNOWN_MOTION, "the paper ballot names an unknown motion", h)
    if not is_eligible:
        return _reject(Rejection.NOT_ELIGIBLE, "the voter is not on the frozen roll", h)
    if entered_by_account not in committee or attested_by_account not in committee:
        return _reject(Rejection.NOT_COMMITTEE, "both signers must be committee members", h)
    if entered_by_account == attested_by_account or entered_by_key == attested_by_key:
        return _reject(Rejection.SAME_MEMBER, "the attesting member must differ from the entering member", h)
    if entered_by_key is None or not verify(entered_by_key, paper_ballot, entered_signature):
        return _reject(Rejection.BAD_SIGNATURE, "the entry is not signed by the entering member's active key", h)
    if attested_by_key is None or not verify(attested_by_key, attestation, attested_signature):
        return _reject(Rejection.BAD_SIGNATURE, "the attestation is not signed by the attesting member's key", h)
    if attestation["paper_ballot_hash"] != h or attestation["scan_sha256"] != paper_ballot["scan_sha256"]:
        return _reject(Rejection.BAD_REQUEST, "the attestation does not name this paper ballot and scan", h)
    if attestation["community"] != context.community or attestation["meeting"] != context.meeting:
        return _reject(Rejection.WRONG_MEETING, "the attestation is for another community or meeting", h)
    if _seen(seen_nonces, paper_ballot["nonce"]) or _seen(seen_hashes, h):
        return _reject(Rejection.REPLAY, "this paper ballot was already entered", h)
    if has_voted and RevisionPolicy(context.policy) is RevisionPolicy.SINGLE_CAST:
        return _reject(Rejection.ALREADY_VOTED, "single-cast meeting: the voter has already voted", h)
    return CheckResult(True, None, "", h)
