"""The per-meeting ballot ledger: hash-chained entries, receipts, and which ballot counts.

An entry, as stored (one JSON object per line of ``ledger.jsonl``)::

    {"position": 1,                        # 1, 2, 3 … without gaps
     "kind": "electronic" | "paper" | "caster_change",
     "ballot": {...},                      # govern.ballot.v1, govern.paper_ballot.v1 for paper,
                                           # govern.caster_change.v1 (core.casters) for a caster change
     "ballot_hash": "<hex sha256 of the ballot's canonical bytes>",
     "signature": "<b64url>",              # by the voter, the proxy, or the entering committee member
     "key_id": "<b64url raw public key that made signature>",
     "delegation": {"object": {govern.delegation.v1}, "signature", "key_id"},      # proxy ballots only
     "attestation": {"object": {govern.paper_attestation.v1}, "signature", "key_id"},  # paper only
     "received_at": "2025-03-20T08:00:01Z",  # the server's clock on arrival: the legal time (art. 137)
     "prev_hash": "<chain_hash of the previous entry, GENESIS_HASH for position 1>",
     "chain_hash": "<canonical.chain_hash(prev_hash, entry without chain_hash)>"}

``delegation`` and ``attestation`` are absent (not null) when they do not apply. The payload
that is hashed is the whole entry without ``chain_hash`` (so it includes ``prev_hash``).

Receipt (given to the voter only after the entry is committed)::

    {"ballot_hash", "position", "chain_hash", "server_signature"}

where ``server_signature`` signs ``{"type": "govern.receipt.v1", "meeting", "position",
"ballot_hash", "chain_hash"}``.

Two chains (docs/record-format.md, "Ledger v2: the digest form"): a v1 meeting's ``chain_hash`` is over the
whole entry as above. A v2 meeting's (``Meeting.record_version == 2``) is over the entry in **digest form**
(:func:`digest_form`): every member whose value is a JSON object (the ballot, a delegation, an attestation,
or whatever signed object an entry kind carries) is replaced by ``<member>_hash``, the hex SHA-256 of its
canonical bytes. The public edition's ``ledger.jsonl`` holds exactly the digest form plus ``chain_hash``, so
the chain, and every receipt, verifies without any choice being published.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.core.ballot import RevisionPolicy, ballot_hash, format_time
from govern.core.canonical import GENESIS_HASH, canonical_bytes, chain_hash, sha256_hex
from govern.core.keys import sign, verify

__all__ = [
    "CASTER_CHANGE",
    "ELECTRONIC",
    "PAPER",
    "RECEIPT_TYPE",
    "LedgerEntry",
    "Problem",
    "append_entry",
    "counting_ballots",
    "digest_form",
    "digest_line_problems",
    "entry_chain_hash",
    "make_receipt",
    "receipt_object",
    "revision_violations",
    "verify_chain",
    "verify_receipt",
]

ELECTRONIC = "electronic"
PAPER = "paper"
#: Not a ballot: who may cast for a person changed (``core.casters``); counts nothing.
CASTER_CHANGE = "caster_change"
RECEIPT_TYPE = "govern.receipt.v1"
#: Chain versions: v1 hashes the whole entry, v2 its digest form.
CHAIN_V1 = 1
CHAIN_V2 = 2


def digest_form(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An entry (or its payload) in digest form: each object-valued member ``x`` replaced by ``x_hash``, the hex
    SHA-256 of ``x``'s RFC 8785 bytes; every other member unchanged. Generic over entry kinds: the ballot
    becomes ``ballot_hash`` (the ballot's hash), a delegation envelope ``delegation_hash``, an attestation
    envelope ``attestation_hash``, and any signed object a later entry kind carries likewise."""
    out: dict[str, Any] = {}
    hashed: dict[str, str] = {}
    for key, value in payload.items():
        if isinstance(value, Mapping):
            hashed[f"{key}_hash"] = sha256_hex(canonical_bytes(value))
        else:
            out[key] = value
    out.update(hashed)
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong, named precisely: the file, the ledger position (or ``None``), a code and a message."""

    file: str
    entry: int | None
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """``{"file", "entry", "code", "message"}``."""
        return {"file": self.file, "entry": self.entry, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        where = self.file if self.entry is None else f"{self.file} entry {self.entry}"
        return f"{where}: {self.code}: {self.message}"


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry; see the module docstring for the JSON form."""

    position: int
    kind: str
    ballot: Mapping[str, Any]
    ballot_hash: str
    signature: str
    key_id: str
    received_at: str
    prev_hash: str
    chain_hash: str
    delegation: Mapping[str, Any] | None = None
    attestation: Mapping[str, Any] | None = None
    #: Which chain the entry belongs to (:data:`CHAIN_V1` or :data:`CHAIN_V2`); not part of the JSON form.
    chain: int = CHAIN_V1

    @property
    def voter(self) -> str:
        """The roll person the ballot is for (the principal, for a proxy ballot)."""
        return self.ballot.get("voter", "")

    def payload(self) -> dict[str, Any]:
        """The hashed payload: the JSON form without ``chain_hash``."""
        out: dict[str, Any] = {
            "position": self.position,
            "kind": self.kind,
            "ballot": self.ballot,
            "ballot_hash": self.ballot_hash,
            "signature": self.signature,
            "key_id": self.key_id,
            "received_at": self.received_at,
            "prev_hash": self.prev_hash,
        }
        if self.delegation is not None:
            out["delegation"] = self.delegation
        if self.attestation is not None:
            out["attestation"] = self.attestation
        return out

    def chained(self) -> dict[str, Any]:
        """What ``chain_hash`` is computed over: the payload (v1) or its digest form (v2)."""
        payload = self.payload()
        return digest_form(payload) if self.chain == CHAIN_V2 else payload

    def to_json(self) -> dict[str, Any]:
        """The stored JSON form (payload plus ``chain_hash``)."""
        return {**self.payload(), "chain_hash": self.chain_hash}

    def to_digest_json(self) -> dict[str, Any]:
        """The digest form with ``chain_hash``: a line of the public edition's ledger (v2 chains)."""
        return {**digest_form(self.payload()), "chain_hash": self.chain_hash}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], chain: int = CHAIN_V1) -> LedgerEntry:
        """Read the stored JSON form; ``ValueError`` when a field is missing, unknown or of the wrong type."""
        if not isinstance(obj, Mapping):
            raise ValueError("a ledger entry is a JSON object")
        required = {"position", "kind", "ballot", "ballot_hash", "signature", "key_id", "received_at",
                    "prev_hash", "chain_hash"}
        missing = required - set(obj)
        extra = set(obj) - required - {"delegation", "attestation"}
        if missing or extra:
            raise ValueError(f"ledger entry fields: missing {sorted(missing)}, unexpected {sorted(extra)}")
        if type(obj["position"]) is not int or not isinstance(obj["ballot"], Mapping):
            raise ValueError("position must be an integer and ballot an object")
        for key in ("kind", "ballot_hash", "signature", "key_id", "received_at", "prev_hash", "chain_hash"):
            if not isinstance(obj[key], str):
                raise ValueError(f"{key} must be a string")
        for key in ("delegation", "attestation"):
            if key in obj and not isinstance(obj[key], Mapping):
                raise ValueError(f"{key} must be an object")
        return cls(
            position=obj["position"],
            kind=obj["kind"],
            ballot=obj["ballot"],
            ballot_hash=obj["ballot_hash"],
            signature=obj["signature"],
            key_id=obj["key_id"],
            received_at=obj["received_at"],
            prev_hash=obj["prev_hash"],
            chain_hash=obj["chain_hash"],
            delegation=obj.get("delegation"),
            attestation=obj.get("attestation"),
            chain=chain,
        )


def entry_chain_hash(payload: Mapping[str, Any]) -> str:
    """``chain_hash(payload["prev_hash"], payload)`` for a payload (an entry's JSON form without ``chain_hash``)."""
    return chain_hash(payload["prev_hash"], payload)


def append_entry(
    prev_hash: str,
    position: int,
    *,
    ballot: Mapping[str, Any],
    signature: str,
    key_id: str,
    received_at: datetime,
    kind: str = ELECTRONIC,
    delegation: Mapping[str, Any] | None = None,
    attestation: Mapping[str, Any] | None = None,
    known_ballot_hash: str | None = None,
    chain: int = CHAIN_V1,
) -> LedgerEntry:
    """Build the next entry after ``prev_hash`` (``GENESIS_HASH`` for position 1) and compute its hashes.

    ``known_ballot_hash``: the ballot's hash when the caller has just computed it (``check_ballot``
    returns it), so the ballot is not canonicalised again. ``chain``: :data:`CHAIN_V2` for a meeting with
    ``record_version == 2`` (the hash is over the digest form).

    Pure: the caller checks the ballot first (:func:`govern.core.ballot.check_ballot`),
    serialises appends per meeting (a row lock), stores the entry, commits, and only then
    issues :func:`make_receipt`. ``delegation`` / ``attestation`` are envelopes
    (:func:`govern.core.ballot.envelope`).
    """
    if kind not in (ELECTRONIC, PAPER, CASTER_CHANGE):
        raise ValueError("kind must be 'electronic', 'paper' or 'caster_change'")
    if (kind == PAPER) != (attestation is not None):
        raise ValueError("a paper entry needs an attestation, and only a paper entry has one")
    if kind in (PAPER, CASTER_CHANGE) and delegation is not None:
        raise ValueError("only an electronic ballot carries a delegation")
    if position < 1:
        raise ValueError("positions start at 1")
    draft = LedgerEntry(
        position=position,
        kind=kind,
        ballot=dict(ballot),
        ballot_hash=ballot_hash(ballot) if known_ballot_hash is None else known_ballot_hash,
        signature=signature,
        key_id=key_id,
        received_at=format_time(received_at),
        prev_hash=prev_hash,
        chain_hash="",
        delegation=None if delegation is None else dict(delegation),
        attestation=None if attestation is None else dict(attestation),
        chain=chain,
    )
    return LedgerEntry(**{**draft.__dict__, "chain_hash": entry_chain_hash(draft.chained())})


def verify_chain(entries: Sequence[LedgerEntry], *, file: str = "ledger.jsonl") -> list[Problem]:
    """Every break in the chain, in order: the first broken entry is the first problem.

    Codes: ``position_gap`` (positions are not 1, 2, 3 …), ``chain_broken`` (``prev_hash`` is
    not the previous entry's ``chain_hash``), ``chain_hash_mismatch`` (the stored hash is not
    the hash of the entry's content: the entry was altered), ``ballot_hash_mismatch``. A
    deleted or inserted entry shows as a gap and/or a broken link at the place it happened.
    """
    problems: list[Problem] = []
    prev = GENESIS_HASH
    for index, entry in enumerate(entries, start=1):
        if entry.position != index:
            problems.append(Problem(file, entry.position, "position_gap", f"expected position {index}"))
        if not hmac.compare_digest(entry.prev_hash, prev):
            problems.append(
                Problem(file, entry.position, "chain_broken", "prev_hash is not the previous entry's chain_hash")
            )
        try:
            recomputed = entry_chain_hash(entry.chained())
            bh = ballot_hash(entry.ballot)
        except (TypeError, ValueError) as exc:
            problems.append(Problem(file, entry.position, "bad_entry", f"cannot hash the entry: {exc}"))
        else:
            if not hmac.compare_digest(recomputed, entry.chain_hash):
                problems.append(
                    Problem(file, entry.position, "chain_hash_mismatch", "the entry's content does not match its hash")
                )
            if not hmac.compare_digest(bh, entry.ballot_hash):
                problems.append(
                    Problem(file, entry.position, "ballot_hash_mismatch", "ballot_hash is not the ballot's hash")
                )
        prev = entry.chain_hash
    return problems


#: The members of a digest-form line: always, and those an entry kind may add (``<member>_hash``).
DIGEST_REQUIRED = frozenset({"position", "kind", "ballot_hash", "signature", "key_id", "received_at", "prev_hash",
                             "chain_hash"})


def digest_line_problems(objs: Sequence[Any], *, file: str = "ledger.jsonl") -> list[Problem]:
    """The chain of a public edition's ledger (digest-form lines, v2): positions, links and each line's
    ``chain_hash`` recomputed over the line without it. Codes as :func:`verify_chain`, and ``bad_entry`` for a
    line that is not a digest-form entry (a member missing, or an object where only hashes may stand)."""
    problems: list[Problem] = []
    prev = GENESIS_HASH
    for index, obj in enumerate(objs, start=1):
        if not isinstance(obj, Mapping) or not DIGEST_REQUIRED <= set(obj) or any(
                isinstance(v, Mapping | list) for v in obj.values()) or type(obj.get("position")) is not int:
            problems.append(Problem(file, index, "bad_entry", f"line {index} is not a digest-form ledger entry"))
            prev = ""
            continue
        if obj["position"] != index:
            problems.append(Problem(file, obj["position"], "position_gap", f"line {index} holds position "
                                    f"{obj['position']}"))
        if not isinstance(obj["prev_hash"], str) or not hmac.compare_digest(obj["prev_hash"], prev):
            problems.append(Problem(file, obj["position"], "chain_broken",
                                    "prev_hash is not the previous entry's chain_hash"))
        payload = {k: v for k, v in obj.items() if k != "chain_hash"}
        try:
            ok = hmac.compare_digest(entry_chain_hash(payload), str(obj["chain_hash"]))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(Problem(file, obj["position"], "chain_hash_mismatch",
                                    "the entry's content does not match its hash"))
        prev = str(obj["chain_hash"])
    return problems


def receipt_object(meeting: str, position: int, ballot_hash_hex: str, chain_hash_hex: str) -> dict[str, Any]:
    """The object a receipt's ``server_signature`` signs."""
    return {
        "type": RECEIPT_TYPE,
        "meeting": meeting,
        "position": position,
        "ballot_hash": ballot_hash_hex,
        "chain_hash": chain_hash_hex,
    }


def make_receipt(
    server_private: Ed25519PrivateKey, meeting: str, position: int, ballot_hash: str, chain_hash: str
) -> dict[str, Any]:
    """The voter's receipt ``{"ballot_hash", "position", "chain_hash", "server_signature"}``; issue it after commit."""
    signature = sign(server_private, receipt_object(meeting, position, ballot_hash, chain_hash))
    return {"ballot_hash": ballot_hash, "position": position, "chain_hash": chain_hash, "server_signature": signature}


def verify_receipt(server_public_b64: str, receipt: Any, meeting: str) -> bool:
    """True iff ``receipt`` is a well-formed receipt for ``meeting`` signed by the server key. Never raises."""
    if not isinstance(receipt, Mapping) or set(receipt) != {"ballot_hash", "position", "chain_hash",
                                                            "server_signature"}:
        return False
    position = receipt["position"]
    if type(position) is not int or not all(isinstance(receipt[k], str) for k in ("ballot_hash", "chain_hash")):
        return False
    obj = receipt_object(meeting, position, receipt["ballot_hash"], receipt["chain_hash"])
    return verify(server_public_b64, obj, receipt["server_signature"])


def _is_own(entry: LedgerEntry) -> bool:
    return entry.delegation is None


def counting_ballots(entries: Iterable[LedgerEntry], policy: RevisionPolicy | str) -> dict[str, LedgerEntry]:
    """Which entry counts for each voter (roll person), given entries already found valid.

    * A principal's own ballots (electronic, or paper) supersede any proxy ballot cast for
      them, whenever either was cast: the delegation lapses when the owner votes (R15).
    * ``single-cast``: the first of the voter's own ballots (a second one should never have
      been accepted; :func:`revision_violations` names it); likewise the first proxy ballot.
    * ``revisable-until-close``: the latest by ledger position.

    Caster changes are not ballots and count for nobody.
    """
    policy = RevisionPolicy(policy)
    latest = policy is RevisionPolicy.REVISABLE
    own: dict[str, LedgerEntry] = {}
    proxy: dict[str, LedgerEntry] = {}
    for entry in sorted(entries, key=lambda e: e.position):
        if entry.kind == CASTER_CHANGE:
            continue
        target = own if _is_own(entry) else proxy
        if latest or entry.voter not in target:
            target[entry.voter] = entry
    out = dict(proxy)
    out.update(own)
    return out


def revision_violations(entries: Iterable[LedgerEntry], policy: RevisionPolicy | str) -> list[LedgerEntry]:
    """Under ``single-cast``, every entry that is a second own ballot (or a second proxy ballot) for a voter."""
    if RevisionPolicy(policy) is not RevisionPolicy.SINGLE_CAST:
        return []
    seen: set[tuple[str, bool]] = set()
    out = []
    for entry in sorted(entries, key=lambda e: e.position):
        if entry.kind == CASTER_CHANGE:
            continue
        key = (entry.voter, _is_own(entry))
        if key in seen:
            out.append(entry)
        seen.add(key)
    return out
