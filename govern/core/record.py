"""The verifiable record of a meeting: building the archive, the public edition, and verifying it.

The archive (a zip) and every field in it are described in ``docs/record-format.md``. In short::

    manifest.json    format, community, meeting, edition, interim, created_at, server_key, files {name: sha256}
    manifest.sig     base64url Ed25519 signature of the manifest's canonical bytes by server_key
    meeting.json     the meeting: motions (matter class), window, revision and invalid-ballot policies, settings
    roll.json        the frozen roll (govern.core.roll); identities redacted in the public edition
    keys.json        key enrolments and revocations with times; committee members and auditors
    delegations.json delegations as registered, with their revocations
    ledger.jsonl     the ledger, one entry per line (govern.core.ledger)
    result.json      per motion: the signed tally, committee countersignatures, auditor certifications
                     (absent from an interim record)

:func:`verify_record` trusts nothing in the archive but the mathematics: it recomputes every
hash, checks every signature and every binding of a key to an account and of an account to a
roll person at the time it was used, replays the revision policy and the proxy rules, and
recomputes each motion's result with :func:`govern.core.rules.tally`. It lists **every**
problem it finds.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import multiprocessing
import os
import re
import threading
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.core.ballot import (
    ATTESTATION_TYPE,
    RevisionPolicy,
    format_time,
    instructions_followed,
    object_hash,
    parse_time,
    validate_attestation_shape,
    validate_ballot_shape,
    validate_delegation_shape,
    validate_envelope_shape,
    validate_paper_shape,
    validate_revocation_shape,
)
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import public_key_b64, sign, verify, verify_bytes
from govern.core.ledger import ELECTRONIC, PAPER, LedgerEntry, Problem, counting_ballots, revision_violations
from govern.core.roll import ROLL_TYPE, Roll, RollPerson, roll_from_json, roll_hash, roll_problems, roll_to_json
from govern.core.rules import DeemedConsent, DeemedVariant, InvalidPolicy, Matter, Vote, tally

__all__ = [
    "AUDITOR",
    "BALLOT_KINDS",
    "CERTIFICATION_TYPE",
    "CERTIFICATION_VERDICTS",
    "COUNTERSIGNATURE_TYPE",
    "FORMAT",
    "PUBLIC",
    "RESULT_TYPE",
    "KeyBook",
    "NotARecord",
    "Report",
    "ballot_kind",
    "build_record",
    "compute_results",
    "motion_ballots",
    "pseudonymise",
    "read_record",
    "result_object",
    "sign_results",
    "verify_record",
    "write_record",
]

FORMAT = "govern.record.v1"
AUDITOR = "auditor"
PUBLIC = "public"
MEETING_TYPE = "govern.meeting.v1"
KEYS_TYPE = "govern.keys.v1"
DELEGATIONS_TYPE = "govern.delegations.v1"
RESULTS_TYPE = "govern.results.v1"
RESULT_TYPE = "govern.result.v1"
COUNTERSIGNATURE_TYPE = "govern.countersignature.v1"
CERTIFICATION_TYPE = "govern.certification.v1"
#: A certification's ``verdict`` (R28) and the key of the verify report listing its signers.
CERTIFICATION_VERDICTS = {
    "certify": "certified_by",
    "object": "objected_by",
    "order_correction": "correction_ordered_by",
    "revoke": "revoked_by",
}

MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
REQUIRED_FILES = ("meeting.json", "roll.json", "keys.json", "delegations.json", "ledger.jsonl")
RESULT_FILE = "result.json"
#: Zip entries carry this fixed timestamp so that the same content gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: A proxy ballot: an electronic ballot cast by the principal's proxy under a delegation (R15).
PROXY = "proxy"
#: The counts by kind in a signed result (``"ballots"``). Disjoint: every counted ballot is exactly one of
#: them, so on each motion they add up to the ballots that carry a mark on it.
BALLOT_KINDS = (ELECTRONIC, PAPER, PROXY)
#: Below this many ledger entries verification stays in one process (starting workers costs more).
PARALLEL_THRESHOLD = 2000


class NotARecord(Exception):
    """The file is not a govern record at all: missing, not a zip, no manifest, or another format."""


# --------------------------------------------------------------------------- packing


def _json_bytes(obj: Any) -> bytes:
    """Stored JSON files are canonical (RFC 8785) UTF-8, so their hashes are reproducible."""
    return canonical_bytes(obj)


def write_record(
    files: Mapping[str, bytes],
    *,
    server_private: Ed25519PrivateKey,
    community: str,
    meeting: str,
    edition: str,
    interim: bool,
    created_at: datetime,
) -> bytes:
    """Zip ``files`` with a signed manifest listing each file's SHA-256. Deterministic for equal input."""
    if edition not in (AUDITOR, PUBLIC):
        raise ValueError("edition must be 'auditor' or 'public'")
    manifest = {
        "format": FORMAT,
        "community": community,
        "meeting": meeting,
        "edition": edition,
        "interim": interim,
        "created_at": format_time(created_at),
        "server_key": public_key_b64(server_private),
        "files": {name: sha256_hex(data) for name, data in sorted(files.items())},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        members = [(MANIFEST, _json_bytes(manifest)), (MANIFEST_SIG, sign(server_private, manifest).encode())]
        members += sorted(files.items())
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()


def read_record(source: bytes | str | os.PathLike[str]) -> dict[str, bytes]:
    """Every member of a record archive by name; raises :class:`NotARecord` when it is not one."""
    try:
        if isinstance(source, bytes | bytearray):
            zf = zipfile.ZipFile(io.BytesIO(source))
        else:
            zf = zipfile.ZipFile(source)
    except FileNotFoundError as exc:
        raise NotARecord(f"no such file: {source}") from exc
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotARecord(f"not a zip archive: {exc}") from exc
    with zf:
        names = zf.namelist()
        if MANIFEST not in names:
            raise NotARecord("no manifest.json: not a govern record")
        try:
            files = {name: zf.read(name) for name in names if not name.endswith("/")}
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
            raise NotARecord(f"unreadable zip archive: {exc}") from exc
    try:
        manifest = json.loads(files[MANIFEST])
    except ValueError as exc:
        raise NotARecord("manifest.json is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise NotARecord(f"manifest.json does not declare format {FORMAT}")
    return files


# --------------------------------------------------------------------------- results


def ballot_kind(entry: LedgerEntry) -> str:
    """How a counted ballot reached the ledger: ``"paper"`` (entered and attested by two committee
    members), ``"proxy"`` (signed by the principal's proxy; the entry carries the delegation) or
    ``"electronic"`` (signed by a caster of the voter on their own device)."""
    if entry.kind == PAPER:
        return PAPER
    return PROXY if entry.delegation is not None else ELECTRONIC


def motion_ballots(counted: Mapping[str, LedgerEntry], motion_id: str, voters: Any = None) -> dict[str, int]:
    """The signed result's ``"ballots"`` for one motion: ``{"electronic": n, "paper": n, "proxy": n}``.

    Counts the counting ballots (``voter -> entry``, :func:`govern.core.ledger.counting_ballots`) that
    carry a mark on ``motion_id`` (agree, oppose, abstain, or an invalid paper mark), by
    :func:`ballot_kind`; a ballot that leaves the motion out is not counted on it. ``voters``: when
    given, only voters in it count (the roll's persons, as in the tally). The three numbers add up to
    ``agree + oppose + abstain + invalid`` persons of the motion's tally.
    """
    out = dict.fromkeys(BALLOT_KINDS, 0)
    for voter, entry in counted.items():
        if voters is not None and voter not in voters:
            continue
        if motion_id in entry.ballot.get("choices", {}):
            out[ballot_kind(entry)] += 1
    return out


def result_object(
    *, meeting: Mapping[str, Any], motion: Mapping[str, Any], roll_hash_hex: str, entries: Sequence[LedgerEntry],
    tally_json: Mapping[str, Any], ballots: Mapping[str, int],
) -> dict[str, Any]:
    """The ``govern.result.v1`` object the server signs for one motion after close.

    It pins the ledger (``ledger_length`` and ``ledger_head``, the last entry's chain hash), so
    dropping or adding entries after the result was signed is detected, and carries the counted
    ballots on the motion by kind (``ballots``, :func:`motion_ballots`), so every signature covers them.
    """
    return {
        "type": RESULT_TYPE,
        "community": meeting["community"],
        "meeting": meeting["meeting"],
        "motion": motion["id"],
        "title": motion.get("title", ""),
        "roll_hash": roll_hash_hex,
        "ledger_length": len(entries),
        "ledger_head": entries[-1].chain_hash if entries else "0" * 64,
        "ballots": dict(ballots),
        "tally": dict(tally_json),
    }


def compute_results(
    meeting: Mapping[str, Any], roll: Roll, counted: Mapping[str, LedgerEntry]
) -> dict[str, dict[str, Any]]:
    """Tally every motion of ``meeting`` over the counting ballots (``voter -> entry``) with ``rules.tally``.

    Returns ``motion id -> TallyResult.to_json()``. A voter who gives no choice on a motion
    does not take part in it. Raises ``ValueError`` from the rules on impossible input.
    """
    out: dict[str, dict[str, Any]] = {}
    clause = meeting.get("deemed_consent")
    deemed = None if clause is None else DeemedConsent(DeemedVariant(clause))
    invalid_policy = InvalidPolicy(meeting.get("invalid_policy", InvalidPolicy.AS_ABSTAIN.value))
    voters = []
    for voter in sorted(counted):
        person = roll.person(voter)
        if person is not None:
            voters.append((voter, person.area, counted[voter].ballot.get("choices", {})))
    for motion in meeting["motions"]:
        mid = motion["id"]
        votes = [Vote(voter, area, choices[mid]) for voter, area, choices in voters if mid in choices]
        matter = Matter(motion["matter"])
        interested = motion.get("interested_persons") if matter is Matter.UNANIMOUS_INTERESTED else None
        result = tally(
            total_area=roll.total_area,
            total_persons=roll.total_persons,
            votes=votes,
            matter=matter,
            invalid_policy=invalid_policy,
            interested_persons=interested,
            deemed_consent=None if matter is Matter.UNANIMOUS_INTERESTED else deemed,
        )
        out[mid] = result.to_json()
    return out


def sign_results(
    *,
    meeting: Mapping[str, Any],
    roll: Roll,
    entries: Sequence[LedgerEntry],
    server_private: Ed25519PrivateKey,
) -> list[dict[str, Any]]:
    """The server's part of ``result.json``: for each motion the result object and its signature.

    Countersignatures and certifications are appended later by committee members and auditors
    (each an envelope of a ``govern.countersignature.v1`` / ``govern.certification.v1`` object
    naming :func:`govern.core.ballot.object_hash` of the result object).
    """
    policy = RevisionPolicy(meeting["revision_policy"])
    counted = counting_ballots(entries, policy)
    tallies = compute_results(meeting, roll, counted)
    persons = {p.person for p in roll.persons}
    out = []
    for motion in meeting["motions"]:
        obj = result_object(meeting=meeting, motion=motion, roll_hash_hex=roll_hash(roll), entries=entries,
                            tally_json=tallies[motion["id"]], ballots=motion_ballots(counted, motion["id"], persons))
        out.append({"result": obj, "server_signature": sign(server_private, obj), "countersignatures": [],
                    "certifications": []})
    return out


# --------------------------------------------------------------------------- building


def build_record(
    *,
    meeting: Mapping[str, Any],
    roll: Roll,
    keys: Mapping[str, Any],
    delegations: Sequence[Mapping[str, Any]],
    ledger: Iterable[LedgerEntry | Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]] | None,
    server_private: Ed25519PrivateKey,
    created_at: datetime,
    interim: bool = False,
    public: bool = False,
) -> bytes:
    """The record archive as zip bytes (deterministic: sorted members, fixed timestamps, canonical JSON).

    ``meeting``: the ``meeting.json`` object. ``keys``: the ``keys.json`` object.
    ``delegations``: the items of ``delegations.json``. ``results``: the items of
    ``result.json`` (:func:`sign_results` plus countersignatures and certifications); ``None``
    for an interim record. ``public=True`` writes the public edition (see :func:`pseudonymise`).
    """
    if interim != (results is None):
        raise ValueError("an interim record has no results, and a final record needs them")
    lines = []
    for entry in ledger:
        obj = entry.to_json() if isinstance(entry, LedgerEntry) else dict(entry)
        lines.append(_json_bytes(obj) + b"\n")
    files = {
        "meeting.json": _json_bytes(dict(meeting)),
        "roll.json": _json_bytes(roll_to_json(roll, public=public)),
        "keys.json": _json_bytes(dict(keys)),
        "delegations.json": _json_bytes({"type": DELEGATIONS_TYPE, "delegations": [dict(d) for d in delegations]}),
        "ledger.jsonl": b"".join(lines),
    }
    if results is not None:
        files[RESULT_FILE] = _json_bytes({"type": RESULTS_TYPE, "motions": [dict(r) for r in results]})
    return write_record(
        files, server_private=server_private, community=meeting["community"], meeting=meeting["meeting"],
        edition=PUBLIC if public else AUDITOR, interim=interim, created_at=created_at,
    )


def pseudonymise(
    record: bytes | str | os.PathLike[str], *, server_private: Ed25519PrivateKey, created_at: datetime
) -> bytes:
    """The public edition of an auditor record: every roll identity replaced by its salted digest.

    Voters already appear only under their per-meeting roll pseudonyms (``voter`` in every
    signed ballot is the roll's person id, see :func:`govern.core.roll.person_pseudonym`), so
    nothing signed changes and every signature, the chain, the key bindings, the proxy rules
    and the tally still verify. What is removed: which owners and which units (house numbers,
    unit areas, area sources) make up each person. The roll hash is computed over the digest
    form, so it is unchanged. The manifest is rewritten and re-signed with the server key.
    """
    files = read_record(record)
    manifest = json.loads(files[MANIFEST])
    roll = roll_from_json(json.loads(files["roll.json"]))
    out = {name: data for name, data in files.items() if name not in (MANIFEST, MANIFEST_SIG)}
    out["roll.json"] = _json_bytes(roll_to_json(roll, public=True))
    return write_record(
        out, server_private=server_private, community=manifest["community"], meeting=manifest["meeting"],
        edition=PUBLIC, interim=bool(manifest.get("interim")), created_at=created_at,
    )


# --------------------------------------------------------------------------- keys


class _Enrolment:
    __slots__ = ("account", "key", "enrolled_at", "revoked_at")

    def __init__(self, account: str, key: str, enrolled_at: datetime, revoked_at: datetime | None) -> None:
        self.account, self.key, self.enrolled_at, self.revoked_at = account, key, enrolled_at, revoked_at

    def active(self, at: datetime) -> bool:
        return self.enrolled_at <= at and (self.revoked_at is None or at < self.revoked_at)


class KeyBook:
    """Key enrolments from ``keys.json``: who held which key, from when, until when."""

    def __init__(self, enrolments: Iterable[_Enrolment], committee: Iterable[str], auditors: Iterable[str]) -> None:
        self.by_key: dict[str, list[_Enrolment]] = defaultdict(list)
        self.by_account: dict[str, list[_Enrolment]] = defaultdict(list)
        for e in enrolments:
            self.by_key[e.key].append(e)
            self.by_account[e.account].append(e)
        self.committee = frozenset(committee)
        self.auditors = frozenset(auditors)

    def holder(self, key: str, at: datetime) -> tuple[str | None, str]:
        """``(account, "")`` if ``key`` was active at ``at``; else ``(None, "key_revoked" | "key_not_enrolled")``."""
        enrolments = self.by_key.get(key, [])
        for e in enrolments:
            if e.active(at):
                return e.account, ""
        if any(e.enrolled_at <= at for e in enrolments):
            return None, "key_revoked"
        return None, "key_not_enrolled"

    def active_key(self, account: str, at: datetime) -> str | None:
        """The account's active key at ``at``."""
        for e in self.by_account.get(account, []):
            if e.active(at):
                return e.key
        return None


def _parse_keys(obj: Any, problems: list[Problem]) -> KeyBook:
    file = "keys.json"
    enrolments: list[_Enrolment] = []
    if not isinstance(obj, dict) or obj.get("type") != KEYS_TYPE:
        problems.append(Problem(file, None, "bad_file", "keys.json is not a govern.keys.v1 object"))
        return KeyBook([], [], [])
    for i, item in enumerate(obj.get("enrolments") or []):
        try:
            enrolled = parse_time(item["enrolled_at"])
            revoked = None if item.get("revoked_at") is None else parse_time(item["revoked_at"])
            if not isinstance(item["account"], str) or not isinstance(item["public_key"], str):
                raise TypeError
            enrolments.append(_Enrolment(item["account"], item["public_key"], enrolled, revoked))
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(file, None, "bad_enrolment", f"enrolment #{i + 1} is malformed"))
    book = KeyBook(enrolments, obj.get("committee") or [], obj.get("auditors") or [])
    for key, items in book.by_key.items():
        if len({e.account for e in items}) > 1:
            problems.append(Problem(file, None, "key_shared", f"key {key} is enrolled to several accounts"))
    for account, items in book.by_account.items():
        spans = sorted(items, key=lambda e: e.enrolled_at)
        for a, b in zip(spans, spans[1:], strict=False):
            if a.revoked_at is None or a.revoked_at > b.enrolled_at:
                problems.append(
                    Problem(file, None, "key_overlap", f"account {account} has two active keys at {b.enrolled_at}")
                )
    return book


# --------------------------------------------------------------------------- the report


@dataclass
class Report:
    """What :func:`verify_record` found. ``valid`` iff there is no problem."""

    meeting: str | None = None
    community: str | None = None
    edition: str | None = None
    interim: bool = False
    ballots: int = 0
    counted: int = 0
    #: Counted ballots by kind: ``{"electronic": n, "paper": n}`` (proxy ballots are electronic).
    counted_by_kind: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    motions: list[dict[str, Any]] = field(default_factory=list)
    #: Checks that this edition cannot make (the public edition cannot see roll identities).
    unchecked: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """No problem was found."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The summary printed by ``govern verify``."""
        out: dict[str, Any] = {
            "valid": self.valid,
            "meeting": self.meeting,
            "community": self.community,
            "edition": self.edition,
            "interim": self.interim,
            "ballots": self.ballots,
            "counted": self.counted,
            "counted_by_kind": self.counted_by_kind,
            "motions": self.motions,
            "unchecked": self.unchecked,
        }
        if self.problems:
            out["problems"] = [p.to_json() for p in self.problems]
        return out


# --------------------------------------------------------------------------- crypto pass (parallel)

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode
#: JCS writes integers exactly only within the IEEE 754 safe range; rfc8785 refuses larger ones.
_MAX_INT_DIGITS = 15


class _NotCanonicalisable(ValueError):
    pass


def _needs_slow_path(data: bytes) -> bool:
    """True when JSON text may hold non-BMP characters (raw UTF-8, or escaped as surrogates).

    For those, code-point key order (Python) and UTF-16 key order (RFC 8785) may differ, so
    rfc8785 itself must canonicalise. Cheap for the usual ASCII text without escapes.
    """
    if not data.isascii() and max(data) >= 0xF0:
        return True
    return b"\\u" in data and _SURROGATE_ESCAPE.search(data) is not None


def _no_float(text: str) -> Any:
    raise _NotCanonicalisable(f"a non-integer number {text!r}: floats are never signed")


def _safe_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS and len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _NotCanonicalisable(f"integer {text} is out of the signed range")
    return int(text)


def _strict_loads(line: bytes) -> Any:
    """``json.loads`` that refuses floats, NaN/Infinity and integers beyond 15 digits (never signed)."""
    return json.loads(line, parse_float=_no_float, parse_int=_safe_int, parse_constant=_no_float)


def _fast_canonical(obj: Any) -> bytes:
    """RFC 8785 bytes of JSON parsed by :func:`_strict_loads` from text without non-BMP characters.

    For such values (str keys, strings without lone surrogates, integers below 2**53, no
    floats) JCS is exactly sorted-key compact JSON with only ``"``, ``\\`` and control
    characters escaped, which the C encoder produces; ``tests/core/test_record.py`` checks the
    equivalence against :func:`govern.core.canonical.canonical_bytes` property-wise.
    """
    return _DUMPS(obj).encode("utf-8")


def _crypto_batch(lines: Sequence[bytes]) -> list[tuple[bool, bool, bool, bool | None, bool | None]]:
    """The expensive, stateless part of checking ledger lines: hashes and signatures.

    Returns per line ``(ballot_hash ok, chain_hash ok, signature ok, delegation signature ok or
    None, attestation signature ok or None)``; a line that does not parse gives all ``False``
    (the sequential pass names it).
    """
    out: list[Any] = []
    for line in lines:
        try:
            if _needs_slow_path(line):
                obj = json.loads(line)
                canon = canonical_bytes
            else:
                obj = _strict_loads(line)
                canon = _fast_canonical
            entry = LedgerEntry.from_json(obj)
            ballot_bytes = canon(entry.ballot)
            payload = entry.payload()
            payload_bytes = canon(payload)
        except Exception:  # anything unparseable or uncanonicalisable is reported by the sequential pass
            out.append((False, False, False, None, None))
            continue
        prev = entry.prev_hash.encode("ascii", "replace")
        chain_ok = len(prev) == 64 and sha256_hex(prev + b"\n" + payload_bytes) == entry.chain_hash
        sig_ok = verify_bytes(entry.key_id, ballot_bytes, entry.signature)
        deleg_ok = att_ok = None
        if entry.delegation is not None:
            d = entry.delegation
            deleg_ok = verify(d.get("key_id"), d.get("object"), d.get("signature"))
        if entry.attestation is not None:
            a = entry.attestation
            att_ok = verify(a.get("key_id"), a.get("object"), a.get("signature"))
        out.append((sha256_hex(ballot_bytes) == entry.ballot_hash, chain_ok, sig_ok, deleg_ok, att_ok))
    return out


#: A roll's persons as the sequential pass needs them: (person, area, casters, keys).
_LightPerson = tuple[str, int, tuple[str, ...], tuple[str, ...]]
_RollDigest = tuple[str | None, list[tuple[str, str]], bool, tuple[str, str, str, int, int, list[_LightPerson]] | None]

_ROLL_KEYS = frozenset({"type", "community", "meeting", "scope", "frozen_at", "total_area", "total_persons", "persons"})
_PERSON_KEYS = frozenset({"person", "area", "weight", "buildings", "casters", "keys", "identity"})
_PUBLIC_PERSON_KEYS = frozenset(_PERSON_KEYS - {"identity"} | {"identity_digest"})
_IDENTITY_KEYS = frozenset({"salt", "owners", "units"})
_UNIT_KEYS = frozenset({"unit", "building", "area", "area_source"})
_STR_ONLY = frozenset({str})


class _NotExact(Exception):
    """The roll is not in its exact documented shape: use the general (slower) path."""


def _str_tuple(value: Any) -> tuple[str, ...]:
    if type(value) is not list or not set(map(type, value)) <= _STR_ONLY:
        raise _NotExact
    return tuple(value)


def _roll_fast(obj: Any) -> _RollDigest:
    """:func:`_roll_digest` for a roll in exactly its documented shape, straight from the parsed JSON.

    Gives the same hash and problems as ``roll_hash(roll_from_json(obj))`` and
    ``roll_problems(...)`` (tests compare them) without building the roll's objects; raises
    :class:`_NotExact` on any deviation so that the general path decides.
    """
    if type(obj) is not dict or obj.keys() != _ROLL_KEYS or obj["type"] != ROLL_TYPE:
        raise _NotExact
    scope = obj["scope"]
    if type(scope) is not dict:
        raise _NotExact
    if scope == {"kind": "community"}:
        scope_buildings = None
    elif scope.keys() == {"kind", "buildings"} and scope["kind"] == "buildings":
        scope_buildings = set(_str_tuple(scope["buildings"]))
    else:
        raise _NotExact
    for key in ("community", "meeting", "frozen_at"):
        if type(obj[key]) is not str:
            raise _NotExact
    if type(obj["total_area"]) is not int or type(obj["total_persons"]) is not int or type(obj["persons"]) is not list:
        raise _NotExact
    form_persons = []
    light: list[_LightPerson] = []
    problems: list[tuple[str, str]] = []
    later: list[tuple[str, str]] = []
    seen_units: dict[str, str] = {}
    public = False
    total = 0
    for p in obj["persons"]:
        if type(p) is not dict:
            raise _NotExact
        keys = p.keys()
        pid, area, weight = p.get("person"), p.get("area"), p.get("weight")
        if type(pid) is not str or type(area) is not int or type(weight) is not int:
            raise _NotExact
        buildings = _str_tuple(p.get("buildings"))
        casters, pkeys = _str_tuple(p.get("casters")), _str_tuple(p.get("keys"))
        if keys == _PERSON_KEYS:
            ident = p["identity"]
            if type(ident) is not dict or ident.keys() != _IDENTITY_KEYS or type(ident["salt"]) is not str:
                raise _NotExact
            _str_tuple(ident["owners"])
            units = ident["units"]
            if type(units) is not list:
                raise _NotExact
            unit_area = 0
            unit_buildings = set()
            for u in units:
                if type(u) is not dict or u.keys() != _UNIT_KEYS or type(u["area"]) is not int:
                    raise _NotExact
                if type(u["unit"]) is not str or type(u["building"]) is not str or type(u["area_source"]) is not str:
                    raise _NotExact
                unit_area += u["area"]
                unit_buildings.add(u["building"])
            digest = sha256_hex(_fast_canonical(ident))
            if unit_area != area or sorted(unit_buildings) != list(buildings):
                later.append(("roll_area_mismatch", f"person {pid}: area or buildings differ from the units"))
            for u in units:
                if u["unit"] in seen_units:
                    later.append(("roll_unit_twice", f"unit {u['unit']} belongs to {seen_units[u['unit']]} and {pid}"))
                seen_units[u["unit"]] = pid
            form = dict(p)
            del form["identity"]
            form["identity_digest"] = digest
        elif keys == _PUBLIC_PERSON_KEYS and type(p["identity_digest"]) is str:
            public = True
            form = p
        else:
            raise _NotExact
        form_persons.append(form)
        light.append((pid, area, casters, pkeys))
        total += area
        if weight != 1:
            problems.append(("roll_weight", f"person {pid} has headcount weight {weight}, not 1"))
        if area <= 0:
            problems.append(("roll_area_mismatch", f"person {pid} has a non-positive area"))
        if scope_buildings is not None and not set(buildings) <= scope_buildings:
            problems.append(("roll_scope", f"person {pid} has a building outside the scope"))
    ids = [p[0] for p in light]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        problems.insert(0, ("roll_order", "persons must be sorted by id and unique"))
    if total != obj["total_area"] or len(light) != obj["total_persons"]:
        problems.append(("roll_totals_mismatch", "total_area/total_persons are not the sums over the persons"))
    digest_form = {**obj, "persons": form_persons}
    head = (obj["community"], obj["meeting"], obj["frozen_at"], obj["total_area"], obj["total_persons"], light)
    return sha256_hex(_fast_canonical(digest_form)), problems + later, public, head


@contextlib.contextmanager
def _gc_paused() -> Any:
    """Pause the cyclic garbage collector while hundreds of thousands of acyclic objects are made.

    Its repeated scans of the growing heap cost about a quarter of a large verification;
    reference counting still frees everything, and the collector is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _roll_digest(raw: bytes) -> _RollDigest:
    """Read ``roll.json``'s bytes fully: ``(roll hash, consistency problems, is public edition, light roll)``.

    The hash is ``None`` when the roll cannot be read or canonicalised (the main pass names the
    problem). Runs in a worker for large records: the roll is the second most expensive file.
    """
    with _gc_paused():
        return _roll_digest_inner(raw)


def _roll_digest_inner(raw: bytes) -> _RollDigest:
    try:
        if not _needs_slow_path(raw):
            try:
                return _roll_fast(_strict_loads(raw))
            except _NotExact:
                pass
        roll = roll_from_json(json.loads(raw))
        digest = roll_hash(roll)
    except Exception:  # malformed JSON, floats, out-of-range integers: the main pass names the problem
        return None, [], False, None
    light = [(p.person, p.area, p.casters, p.keys) for p in roll.persons]
    head = (roll.community, roll.meeting, roll.frozen_at, roll.total_area, roll.total_persons, light)
    return digest, roll_problems(roll), roll.is_public, head


def _light_roll(head: tuple[str, str, str, int, int, list[_LightPerson]]) -> Roll:
    """The roll as the sequential checks need it (ids, areas, casters, keys; totals), from :func:`_roll_digest`."""
    community, meeting, frozen_at, total_area, total_persons, light = head
    persons = tuple(
        RollPerson(person=pid, area=area, casters=casters, keys=keys, buildings=())
        for pid, area, casters, keys in light
    )
    return Roll(community, meeting, frozen_at, persons, total_area, total_persons)


#: Data handed to forked workers by inheritance instead of pickling (see :class:`_CryptoPass`).
_SHARED: dict[str, tuple[list[bytes], bytes | None]] = {}
#: ``None``: fork when this process has a single thread (cheapest), else spawn. Tests force either.
START_METHOD: str | None = None


def _shared_batch(token: str, start: int, end: int) -> list[Any]:
    return _crypto_batch(_SHARED[token][0][start:end])


def _shared_roll(token: str) -> _RollDigest:
    return _roll_digest(_SHARED[token][1] or b"")


def _start_method() -> str:
    if START_METHOD is not None:
        return START_METHOD
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


class _CryptoPass:
    """Hashing and signature checks of the ledger (and the roll's hash and consistency), in worker processes.

    Ed25519 verification releases the GIL, but the JSON work around it does not, and the
    sequential checks run meanwhile in this process: worker processes keep both cores busy.
    Forked workers inherit the ledger lines (nothing is pickled); spawned ones, used when this
    process runs other threads, receive their batches. When this process has finished its own
    checks it takes batches still waiting in the queue (from the back) and does them itself,
    so no core idles at the end.
    """

    def __init__(self, lines: list[bytes], roll_raw: bytes | None, workers: int) -> None:
        self.lines = lines
        self.roll_raw = roll_raw
        self.pool: ProcessPoolExecutor | None = None
        self.ranges: list[tuple[int, int]] = []
        self.futures: list[Any] = []
        self.roll_future: Any = None
        self.token = ""
        if workers > 1 and len(lines) >= PARALLEL_THRESHOLD:
            size = max(256, len(lines) // (workers * 16))
            self.ranges = [(i, min(i + size, len(lines))) for i in range(0, len(lines), size)]
            method = _start_method()
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
            if method == "fork":
                self.token = f"{os.getpid()}-{id(self)}"
                _SHARED[self.token] = (lines, roll_raw)
                if roll_raw is not None:
                    self.roll_future = self.pool.submit(_shared_roll, self.token)
                self.futures = [self.pool.submit(_shared_batch, self.token, a, b) for a, b in self.ranges]
            else:
                if roll_raw is not None:
                    self.roll_future = self.pool.submit(_roll_digest, roll_raw)
                self.futures = [self.pool.submit(_crypto_batch, lines[a:b]) for a, b in self.ranges]

    def close(self) -> None:
        """Stop the workers and drop the shared data."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        _SHARED.pop(self.token, None)

    def roll_digest(self) -> _RollDigest:
        """:func:`_roll_digest` of ``roll.json``."""
        if self.roll_future is not None:
            return self.roll_future.result()
        return _roll_digest(self.roll_raw or b"")

    def results(self) -> list[tuple[bool, bool, bool, bool | None, bool | None]]:
        """Per ledger line, in order: ``(ballot_hash, chain_hash, signature, delegation, attestation)`` ok flags."""
        if self.pool is None:
            return _crypto_batch(self.lines)
        done: dict[int, list[Any]] = {}
        stealing = True
        while stealing:
            stealing = False
            for i in range(len(self.futures) - 1, -1, -1):
                if i not in done and self.futures[i].cancel():
                    a, b = self.ranges[i]
                    done[i] = _crypto_batch(self.lines[a:b])
                    stealing = True
                    break
        try:
            return [item for i, f in enumerate(self.futures) for item in (done[i] if i in done else f.result())]
        finally:
            self.close()


# --------------------------------------------------------------------------- verification


def _result_fields(res: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """``(ledger length, ledger head, tally)`` of a result object in either shape.

    The core's shape (:func:`result_object`) has ``ledger_length``, ``ledger_head`` and ``tally``;
    the app's result document (``docs/meetings.md``) has ``ledger: {"length", "head"}`` and ``result``.
    """
    if "ledger" in res:
        ledger = res["ledger"]
        if not isinstance(ledger, dict):
            raise ValueError("ledger must be an object")
        return ledger.get("length"), ledger.get("head"), res.get("result")
    return res.get("ledger_length"), res.get("ledger_head"), res.get("tally")


def _same_counts(signed: Any, expected: Mapping[str, int]) -> bool:
    """``signed`` is exactly the counts ``expected``: the same kinds, each an integer (not a boolean) equal to it."""
    return (
        isinstance(signed, dict)
        and set(signed) == set(expected)
        and all(type(signed[k]) is int and signed[k] == v for k, v in expected.items())
    )


def _counts_text(counts: Any) -> str:
    """``electronic 2, paper 1, proxy 0`` (or the JSON of whatever malformed value was signed)."""
    if isinstance(counts, dict) and set(counts) == set(BALLOT_KINDS):
        return ", ".join(f"{k} {counts[k]}" for k in BALLOT_KINDS)
    return json.dumps(counts, ensure_ascii=False, sort_keys=True)


class _Verifier:
    def __init__(self, files: dict[str, bytes], workers: int, server_key: str | None = None) -> None:
        self.files = files
        self.server_key = server_key
        self.workers = workers
        self.report = Report()
        self.problems = self.report.problems

    def problem(self, file: str, entry: int | None, code: str, message: str) -> None:
        self.problems.append(Problem(file, entry, code, message))

    # ---- manifest
    def check_manifest(self) -> dict[str, Any]:
        manifest = json.loads(self.files[MANIFEST])
        r = self.report
        r.meeting, r.community = manifest.get("meeting"), manifest.get("community")
        r.edition, r.interim = manifest.get("edition"), bool(manifest.get("interim"))
        if r.edition not in (AUDITOR, PUBLIC):
            self.problem(MANIFEST, None, "bad_manifest", "edition must be 'auditor' or 'public'")
        listed = manifest.get("files")
        if not isinstance(listed, dict):
            self.problem(MANIFEST, None, "bad_manifest", "files must map names to SHA-256")
            listed = {}
        if self.server_key is not None and manifest.get("server_key") != self.server_key:
            self.problem(MANIFEST, None, "server_key_mismatch",
                         "the record is signed by another server key than the one expected")
        sig = self.files.get(MANIFEST_SIG, b"").decode("ascii", "replace").strip()
        if not verify(manifest.get("server_key"), manifest, sig):
            self.problem(MANIFEST_SIG, None, "manifest_signature_invalid",
                         "the manifest is not signed by the server key it names")
        for name, digest in sorted(listed.items()):
            data = self.files.get(name)
            if data is None:
                self.problem(name, None, "file_missing", "listed in the manifest but absent")
            elif sha256_hex(data) != digest:
                self.problem(name, None, "file_hash_mismatch", "the file's SHA-256 differs from the manifest")
        for name in sorted(set(self.files) - set(listed) - {MANIFEST, MANIFEST_SIG}):
            self.problem(name, None, "file_unlisted", "present in the archive but not in the manifest")
        wanted = list(REQUIRED_FILES) + ([] if r.interim else [RESULT_FILE])
        for name in wanted:
            if name not in self.files and name not in listed:
                self.problem(name, None, "file_missing", "required file absent")
        if r.interim and RESULT_FILE in self.files:
            self.problem(RESULT_FILE, None, "unexpected_result", "an interim record carries no result")
        return manifest

    def load_json(self, name: str) -> Any:
        data = self.files.get(name)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            self.problem(name, None, "bad_json", "not valid JSON")
            return None

    # ---- the run
    def run(self) -> Report:
        data = self.files.get("ledger.jsonl")
        lines = [] if data is None else [line for line in data.split(b"\n") if line.strip()]
        # start the hashing and signature checks first: they run in workers while the rest is checked here
        self.crypto = _CryptoPass(lines, self.files.get("roll.json"), self.workers)
        try:
            return self._run()
        finally:
            self.crypto.close()

    def _run(self) -> Report:
        manifest = self.check_manifest()
        meeting = self.load_json("meeting.json")
        if not self.check_meeting(meeting, manifest):
            return self.report
        self.meeting = meeting
        self.window = (parse_time(meeting["opens_at"]), parse_time(meeting["closes_at"]))
        self.tolerance = timedelta(seconds=meeting["clock_tolerance_seconds"])
        self.policy = RevisionPolicy(meeting["revision_policy"])
        self.motion_ids = {m["id"] for m in meeting["motions"]}
        self.roll = self.check_roll()
        self.keys = _parse_keys(self.load_json("keys.json"), self.problems)
        if self.roll is not None:
            self.check_roll_keys()
        self.delegations = self.check_delegations(self.load_json("delegations.json"))
        entries, valid = self.check_ledger()
        counted = counting_ballots(valid, self.policy)
        self.report.ballots = len(entries)
        self.report.counted = len(counted)
        kinds = [e.kind for e in counted.values()]
        self.report.counted_by_kind = {ELECTRONIC: kinds.count(ELECTRONIC), PAPER: kinds.count(PAPER)}
        if self.roll is not None:
            self.check_results(entries, counted)
        return self.report

    def check_meeting(self, meeting: Any, manifest: Mapping[str, Any]) -> bool:
        file = "meeting.json"
        try:
            if not isinstance(meeting, dict) or meeting.get("type") != MEETING_TYPE:
                raise ValueError("not a govern.meeting.v1 object")
            parse_time(meeting["opens_at"])
            parse_time(meeting["closes_at"])
            RevisionPolicy(meeting["revision_policy"])
            InvalidPolicy(meeting["invalid_policy"])
            if type(meeting["clock_tolerance_seconds"]) is not int:
                raise ValueError("clock_tolerance_seconds must be an integer")
            if meeting.get("proxy_cap") is not None and type(meeting["proxy_cap"]) is not int:
                raise ValueError("proxy_cap must be an integer or null")
            for m in meeting["motions"]:
                if not isinstance(m["id"], str):
                    raise ValueError("motion ids are strings")
                Matter(m["matter"])
        except (KeyError, TypeError, ValueError) as exc:
            if meeting is not None:
                self.problem(file, None, "bad_file", f"meeting.json is malformed: {exc}")
            return False
        if meeting.get("meeting") != manifest.get("meeting") or meeting.get("community") != manifest.get(
            "community"
        ):
            self.problem(file, None, "wrong_meeting", "meeting.json is for another meeting than the manifest")
        return True

    def check_roll(self) -> Roll | None:
        file = "roll.json"
        if file not in self.files:
            return None
        computed, problems, is_public, head = self.crypto.roll_digest()
        if computed is None or head is None:
            self.problem(file, None, "bad_file", "roll.json is malformed or cannot be canonicalised")
            return None
        roll = _light_roll(head)
        if computed != self.meeting["roll_hash"]:
            self.problem(file, None, "roll_hash_mismatch", "the roll's hash is not the meeting's published roll hash")
        if roll.meeting != self.meeting["meeting"] or roll.community != self.meeting["community"]:
            self.problem(file, None, "wrong_meeting", "the roll is for another meeting")
        for code, message in problems:
            self.problem(file, None, code, message)
        if is_public:
            self.report.unchecked.append(
                "roll identities: the public edition shows each person's area and a salted digest of its owners "
                "and units, so the composition of each area cannot be checked"
            )
        return roll

    def check_roll_keys(self) -> None:
        try:
            frozen = parse_time(self.roll.frozen_at)
        except ValueError:
            self.problem("roll.json", None, "bad_file", "frozen_at is not an RFC 3339 UTC time")
            return
        for p in self.roll.persons:
            expected = sorted(k for a in p.casters if (k := self.keys.active_key(a, frozen)) is not None)
            if sorted(p.keys) != expected:
                self.problem("roll.json", None, "roll_key_mismatch",
                             f"person {p.person}: the keys frozen in the roll are not its casters' keys at freeze")

    # ---- delegations
    def check_delegations(self, obj: Any) -> dict[str, dict[str, Any]]:
        """delegation hash -> {"object", "received_at", "revoked_at"} for well-signed delegations."""
        file = "delegations.json"
        out: dict[str, dict[str, Any]] = {}
        if obj is None:
            return out
        if not isinstance(obj, dict) or obj.get("type") != DELEGATIONS_TYPE or not isinstance(
            obj.get("delegations"), list
        ):
            self.problem(file, None, "bad_file", "delegations.json is not a govern.delegations.v1 object")
            return out
        for i, item in enumerate(obj["delegations"], start=1):
            where = f"delegation #{i}"
            try:
                env = item["delegation"]
                received = parse_time(item["received_at"])
                if validate_envelope_shape(env) or validate_delegation_shape(env["object"]):
                    raise ValueError("malformed delegation")
            except (KeyError, TypeError, ValueError):
                self.problem(file, None, "bad_delegation", f"{where} is malformed")
                continue
            d = env["object"]
            h = object_hash(d)
            if not verify(env["key_id"], d, env["signature"]):
                self.problem(file, None, "delegation_bad_signature", f"{where}: the signature does not verify")
                continue
            if not self.signed_for_person(env["key_id"], d["principal"], received):
                self.problem(file, None, "delegation_key_not_enrolled",
                             f"{where}: not signed by a key of an account that may cast for {d['principal']}")
                continue
            if d["meeting"] != self.meeting["meeting"] or d["community"] != self.meeting["community"]:
                self.problem(file, None, "wrong_meeting", f"{where} is for another meeting")
                continue
            revoked_at = None
            if item.get("revocation") is not None:
                rev = item["revocation"]
                try:
                    rtime = parse_time(item["revoked_at"])
                    if validate_envelope_shape(rev) or validate_revocation_shape(rev["object"]):
                        raise ValueError
                except (KeyError, TypeError, ValueError):
                    self.problem(file, None, "bad_revocation", f"{where}: the revocation is malformed")
                else:
                    r = rev["object"]
                    if not verify(rev["key_id"], r, rev["signature"]):
                        self.problem(file, None, "revocation_bad_signature", f"{where}: revocation signature")
                    elif r["delegation_hash"] != h or r["principal"] != d["principal"]:
                        self.problem(file, None, "bad_revocation", f"{where}: the revocation names another delegation")
                    elif not self.signed_for_person(rev["key_id"], d["principal"], rtime):
                        self.problem(file, None, "revocation_key_not_enrolled",
                                     f"{where}: revocation not signed by the principal's key")
                    else:
                        revoked_at = rtime
            out[h] = {"object": d, "received_at": received, "revoked_at": revoked_at}
        return out

    def signed_for_person(self, key: str, person_id: str, at: datetime) -> bool:
        """The key was active at ``at`` for an account allowed to cast for ``person_id``."""
        person = self.roll.person(person_id) if self.roll is not None else None
        account, _ = self.keys.holder(key, at)
        return person is not None and account is not None and account in person.casters

    # ---- ledger
    def check_ledger(self) -> tuple[list[LedgerEntry], list[LedgerEntry]]:
        file = "ledger.jsonl"
        if "ledger.jsonl" not in self.files:
            return [], []
        start = len(self.problems)
        entries: list[LedgerEntry] = []
        seen_nonces: dict[str, int] = {}
        seen_hashes: dict[str, int] = {}
        proxies: dict[str, list[str]] = defaultdict(list)
        cap = self.meeting.get("proxy_cap")
        prev = "0" * 64
        bad: set[int] = set()
        index_of: dict[int, int] = {}
        for index, line in enumerate(self.crypto.lines, start=1):
            try:
                entry = LedgerEntry.from_json(json.loads(line))
            except ValueError as exc:
                self.problem(file, index, "bad_entry", f"line {index} is not a ledger entry: {exc}")
                prev = ""
                continue
            pos = entry.position
            index_of[index] = len(entries)
            entries.append(entry)
            before = len(self.problems)
            if pos != index:
                self.problem(file, pos, "position_gap", f"line {index} holds position {pos}")
            if entry.prev_hash != prev:
                self.problem(file, pos, "chain_broken", "prev_hash is not the previous entry's chain_hash")
            prev = entry.chain_hash
            self.check_entry(entry, seen_nonces, seen_hashes, proxies, cap)
            if len(self.problems) != before:
                bad.add(index_of[index])
        # merge the hashes and signatures checked in the worker processes
        for index, (ballot_ok, chain_ok, sig_ok, deleg_ok, att_ok) in enumerate(self.crypto.results(), start=1):
            if index not in index_of:
                continue
            i = index_of[index]
            entry = entries[i]
            failures = []
            if not chain_ok:
                failures.append(("chain_hash_mismatch", "the entry's content does not match its chain_hash"))
            if not ballot_ok:
                failures.append(("ballot_hash_mismatch", "ballot_hash is not the hash of the ballot"))
            if not sig_ok:
                failures.append(("bad_signature", "the ballot's signature does not verify under key_id"))
            if deleg_ok is False:
                failures.append(("delegation_bad_signature", "the delegation's signature does not verify"))
            if att_ok is False:
                failures.append(("paper_bad_attestation", "the attestation's signature does not verify"))
            for code, message in failures:
                self.problem(file, entry.position, code, message)
                bad.add(i)
        valid = [e for i, e in enumerate(entries) if i not in bad]
        for entry in revision_violations(valid, self.policy):
            self.problem(file, entry.position, "revision_policy_violated",
                         f"single-cast meeting: a second ballot for {entry.voter} was accepted")
        if self.policy is RevisionPolicy.SINGLE_CAST:
            violations = {e.position for e in revision_violations(valid, self.policy)}
            valid = [e for e in valid if e.position not in violations]
        self.problems[start:] = sorted(self.problems[start:], key=lambda p: p.entry or 0)
        return entries, valid

    def check_entry(
        self,
        entry: LedgerEntry,
        seen_nonces: dict[str, int],
        seen_hashes: dict[str, int],
        proxies: dict[str, list[str]],
        cap: int | None,
    ) -> bool:
        file, pos = "ledger.jsonl", entry.position
        before = len(self.problems)
        b = entry.ballot
        try:
            received = parse_time(entry.received_at)
        except ValueError:
            self.problem(file, pos, "bad_entry", "received_at is not an RFC 3339 UTC time")
            return False
        if entry.kind == ELECTRONIC:
            shape = validate_ballot_shape(b)
        elif entry.kind == PAPER:
            shape = validate_paper_shape(b)
        else:
            self.problem(file, pos, "bad_entry", f"unknown kind {entry.kind!r}")
            return False
        if shape:
            self.problem(file, pos, "bad_ballot_shape", "malformed ballot: " + ", ".join(shape))
            return False
        if b["community"] != self.meeting["community"] or b["meeting"] != self.meeting["meeting"]:
            self.problem(file, pos, "wrong_meeting", "the ballot is for another community or meeting")
        if b["roll_hash"] != self.meeting["roll_hash"]:
            self.problem(file, pos, "wrong_roll", "the ballot names another roll")
        if set(b["choices"]) - self.motion_ids:
            self.problem(file, pos, "unknown_motion", "the ballot names a motion not in the meeting")
        person = self.roll.person(b["voter"]) if self.roll is not None else None
        if person is None:
            self.problem(file, pos, "not_eligible", f"voter {b['voter']} is not on the roll")
        for seen, value, what in ((seen_nonces, b["nonce"], "nonce"), (seen_hashes, entry.ballot_hash, "ballot")):
            if value in seen:
                self.problem(file, pos, "replay", f"the same {what} was already recorded at position {seen[value]}")
            else:
                seen[value] = pos
        if entry.kind == PAPER:
            self.check_paper(entry, received)
        else:
            opens, closes = self.window
            if not opens <= received < closes:
                self.problem(file, pos, "outside_window", "received outside the voting window")
            if abs(parse_time(b["issued_at"]) - received) > self.tolerance:
                self.problem(file, pos, "stale_ballot", "issued_at is too far from received_at")
            if entry.delegation is None:
                if person is not None:
                    self.check_caster_key(entry, received, person.casters, "voter")
            else:
                self.check_proxy(entry, received, proxies, cap)
        return len(self.problems) == before

    def check_caster_key(self, entry: LedgerEntry, at: datetime, accounts: Iterable[str], who: str) -> None:
        account, why = self.keys.holder(entry.key_id, at)
        if account is None:
            detail = "was revoked before" if why == "key_revoked" else "was not enrolled at"
            self.problem("ledger.jsonl", entry.position, why, f"the signing key {detail} casting time")
        elif account not in set(accounts):
            self.problem("ledger.jsonl", entry.position, "key_not_enrolled",
                         f"the signing key belongs to account {account}, which may not cast for this {who}")

    def check_proxy(self, entry: LedgerEntry, at: datetime, proxies: dict[str, list[str]], cap: int | None) -> None:
        file, pos = "ledger.jsonl", entry.position
        env = entry.delegation
        if validate_envelope_shape(env) or validate_delegation_shape(env.get("object")):
            self.problem(file, pos, "bad_delegation", "the carried delegation is malformed")
            return
        d = env["object"]
        h = object_hash(d)
        registered = self.delegations.get(h)
        if registered is None or registered["received_at"] > at:
            self.problem(file, pos, "delegation_unregistered",
                         "the delegation is not a valid delegation in delegations.json registered before this ballot")
        elif registered["revoked_at"] is not None and registered["revoked_at"] <= at:
            self.problem(file, pos, "delegation_revoked", "the delegation was revoked before this ballot")
        if d["principal"] != entry.voter:
            self.problem(file, pos, "bad_delegation", "the delegation's principal is not the ballot's voter")
        self.check_caster_key(entry, at, [d["proxy"]], "proxy")
        if not instructions_followed(d, entry.ballot):
            self.problem(file, pos, "instructions_not_followed", "the ballot departs from the principal's instructions")
        held = proxies[d["proxy"]]
        if d["principal"] not in held:
            held.append(d["principal"])
            if cap is not None and len(held) > cap:
                self.problem(file, pos, "proxy_cap_exceeded",
                             f"proxy {d['proxy']} votes for {len(held)} principals; the cap is {cap}")

    def check_paper(self, entry: LedgerEntry, at: datetime) -> None:
        file, pos = "ledger.jsonl", entry.position
        if entry.delegation is not None:
            self.problem(file, pos, "bad_entry", "a paper ballot carries no delegation")
        env = entry.attestation
        if env is None or validate_envelope_shape(env) or validate_attestation_shape(env.get("object")):
            self.problem(file, pos, "paper_bad_attestation", "the paper ballot has no well-formed attestation")
            return
        a = env["object"]
        if a.get("type") != ATTESTATION_TYPE:
            self.problem(file, pos, "paper_bad_attestation", "the attestation is not a paper attestation")
        if a["paper_ballot_hash"] != entry.ballot_hash or a["scan_sha256"] != entry.ballot["scan_sha256"]:
            self.problem(file, pos, "paper_attestation_mismatch", "the attestation names another ballot or scan")
        entered, why1 = self.keys.holder(entry.key_id, at)
        attested, why2 = self.keys.holder(env["key_id"], at)
        for account, why, role in ((entered, why1, "entering"), (attested, why2, "attesting")):
            if account is None:
                self.problem(file, pos, why, f"the {role} member's key was not active when the entry was made")
            elif account not in self.keys.committee:
                self.problem(file, pos, "paper_not_committee", f"the {role} account {account} is not on the committee")
        if entry.key_id == env["key_id"] or (entered is not None and entered == attested):
            self.problem(file, pos, "paper_same_member", "entered and attested by the same committee member")

    # ---- results
    def check_results(self, entries: list[LedgerEntry], counted: Mapping[str, LedgerEntry]) -> None:
        try:
            recomputed = compute_results(self.meeting, self.roll, counted)
        except ValueError as exc:
            self.problem("ledger.jsonl", None, "tally_impossible", f"the counted ballots cannot be tallied: {exc}")
            return
        titles = {m["id"]: m.get("title", "") for m in self.meeting["motions"]}
        persons = {voter for voter in counted if self.roll.person(voter) is not None}
        kinds = {mid: motion_ballots(counted, mid, persons) for mid in recomputed}
        signed: dict[str, Mapping[str, Any]] = {}
        if not self.report.interim:
            signed = self.check_result_file(entries, kinds)
        for mid, tally_json in recomputed.items():
            item = {"id": mid, "title": titles[mid], **tally_json, "ballots": kinds[mid]}
            if mid in signed:
                item.update({k: v for k, v in signed[mid].items() if k != "tally"})
            self.report.motions.append(item)
            if not self.report.interim:
                stored = signed.get(mid, {}).get("tally")
                if stored is None:
                    self.problem(RESULT_FILE, None, "result_missing", f"no signed result for motion {mid}")
                elif stored != tally_json:
                    self.problem(RESULT_FILE, None, "result_mismatch",
                                 f"motion {mid}: the signed result differs from the recomputed tally")

    def check_result_file(
        self, entries: list[LedgerEntry], kinds: Mapping[str, Mapping[str, int]]
    ) -> dict[str, dict[str, Any]]:
        """Signatures, ledger pin and counts by kind of every signed result; ``kinds``: the recomputed
        ``ballots`` per motion (:func:`motion_ballots`)."""
        file = RESULT_FILE
        obj = self.load_json(file)
        out: dict[str, dict[str, Any]] = {}
        if obj is None:
            return out
        if not isinstance(obj, dict) or obj.get("type") != RESULTS_TYPE or not isinstance(obj.get("motions"), list):
            self.problem(file, None, "bad_file", "result.json is not a govern.results.v1 object")
            return out
        server_key = json.loads(self.files[MANIFEST]).get("server_key")
        head = entries[-1].chain_hash if entries else "0" * 64
        motions = {m["id"]: m for m in self.meeting["motions"]}
        for item in obj["motions"]:
            try:
                res = item["result"]
                mid = res["motion"]
                if res.get("type") != RESULT_TYPE or not isinstance(mid, str):
                    raise ValueError
                length, ledger_head, tally_json = _result_fields(res)
            except (KeyError, TypeError, ValueError, AttributeError):
                self.problem(file, None, "bad_file", "a result item is malformed")
                continue
            if not verify(server_key, res, item.get("server_signature")):
                self.problem(file, None, "result_signature_invalid", f"motion {mid}: the server's signature fails")
            if res.get("meeting") != self.meeting["meeting"] or res.get("roll_hash") != self.meeting["roll_hash"]:
                self.problem(file, None, "wrong_meeting", f"motion {mid}: the result is for another meeting or roll")
            elif "ledger" in res and not self.app_result_matches(res, motions.get(mid)):
                self.problem(file, None, "wrong_meeting",
                             f"motion {mid}: the result names another community, motion, window or policy")
            if length != len(entries) or ledger_head != head:
                self.problem(file, None, "result_ledger_mismatch",
                             f"motion {mid}: the result was signed over a different ledger")
            expected = kinds.get(mid)
            if expected is not None and not _same_counts(res.get("ballots"), expected):
                if "ballots" not in res:
                    detail = "the signed result carries no counts by kind"
                else:
                    detail = (f"the signed counts by kind {_counts_text(res['ballots'])} differ from the counted "
                              f"ballots {_counts_text(expected)}")
                self.problem(file, None, "result_counts_mismatch", f"motion {mid}: {detail}")
            rh = object_hash(res)
            summary: dict[str, list[str]] = {"countersigned_by": [], "certified_by": [], "objected_by": [],
                                             "correction_ordered_by": [], "revoked_by": []}
            self.check_endorsements(mid, rh, item.get("countersignatures"), summary, counter=True, result=res)
            self.check_endorsements(mid, rh, item.get("certifications"), summary, counter=False)
            out[mid] = {"tally": tally_json, **summary}
        return out

    def app_result_matches(self, res: Mapping[str, Any], motion: Mapping[str, Any] | None) -> bool:
        """The app's result document (docs/meetings.md) also names the community, matter, close and policy."""
        return (
            motion is not None
            and res.get("community") == self.meeting["community"]
            and res.get("matter") == motion.get("matter")
            and res.get("closes_at") == self.meeting["closes_at"]
            and res.get("revision_policy") == self.meeting["revision_policy"]
        )

    def check_endorsements(
        self, mid: str, result_hash: str, envelopes: Any, summary: dict[str, list[str]], *, counter: bool,
        result: Mapping[str, Any] | None = None,
    ) -> None:
        """Countersignatures (committee) or certifications (auditors) of one motion's result.

        A countersignature is an envelope of a ``govern.countersignature.v1`` object, or a *direct*
        countersignature ``{"key_id", "signature", "signed_at"}``: a signature over the result
        object itself (what the app's committee members sign), ``signed_at`` being the server's
        time of receipt. A certification is an envelope of a ``govern.certification.v1`` object.
        """
        file = RESULT_FILE
        code = "countersignature_invalid" if counter else "certification_invalid"
        tag = COUNTERSIGNATURE_TYPE if counter else CERTIFICATION_TYPE
        allowed = self.keys.committee if counter else self.keys.auditors
        signers: set[str] = set()
        for env in envelopes or []:
            try:
                if counter and isinstance(env, dict) and set(env) == {"key_id", "signature", "signed_at"}:
                    o, at = result, parse_time(env["signed_at"])
                    if o is None or not isinstance(env["key_id"], str) or not isinstance(env["signature"], str):
                        raise ValueError
                    o = {**o, "result_hash": result_hash}  # signed over the result itself
                    signed = result
                else:
                    if validate_envelope_shape(env):
                        raise ValueError
                    o = signed = env["object"]
                    at = parse_time(o["signed_at"])
                    if o.get("type") != tag or o.get("motion") != mid or o.get("meeting") != self.meeting["meeting"]:
                        raise ValueError
                if not counter and (o.get("verdict") not in CERTIFICATION_VERDICTS
                                    or not isinstance(o.get("reason"), str)):
                    raise ValueError
            except (KeyError, TypeError, ValueError):
                self.problem(file, None, code, f"motion {mid}: a malformed {tag}")
                continue
            account, _ = self.keys.holder(env["key_id"], at)
            if not verify(env["key_id"], signed, env["signature"]):
                self.problem(file, None, code, f"motion {mid}: a {tag} signature does not verify")
            elif o.get("result_hash") != result_hash:
                self.problem(file, None, code, f"motion {mid}: a {tag} names another result")
            elif account is None or account not in allowed:
                role = "a committee member" if counter else "an auditor"
                self.problem(file, None, code, f"motion {mid}: a {tag} is not by {role}'s active key")
            elif account in signers:
                self.problem(file, None, code, f"motion {mid}: account {account} signed twice")
            else:
                signers.add(account)
                key = "countersigned_by" if counter else CERTIFICATION_VERDICTS[o["verdict"]]
                summary[key].append(account)


def verify_record(
    source: bytes | str | os.PathLike[str], *, workers: int = 2, server_key: str | None = None
) -> Report:
    """Verify a record archive and report **every** problem (``Report.valid`` iff none).

    ``source``: the zip's bytes or a path. ``workers``: threads for the hashing and signature
    pass (worker processes; ``1`` keeps everything in this process). ``server_key``: the
    server's public key as the community published it; when given, a record signed by any
    other key fails with ``server_key_mismatch`` (otherwise the manifest's key is used). Raises
    :class:`NotARecord` when ``source`` is not a record at all; any other defect, however
    gross, is reported as a problem. Checks are listed in ``docs/record-format.md``.
    """
    files = read_record(source)
    with _gc_paused():
        return _Verifier(files, workers, server_key).run()
