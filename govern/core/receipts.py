"""Checking a voter's receipt against a meeting's record: ``govern verify --receipt RECEIPT RECORD``.

A receipt is either the bare receipt the API answers (``{"ballot_hash", "position", "chain_hash",
"server_signature"}``, ``docs/ballot-format.md``) or the receipt bundle the ballot page downloads
(``{"type": "govern.receipt-bundle.v1", "meeting", "ballot", "signature", "key_id", "ballot_hash",
"receipt", "server_public_key", …}``). Both, the checks and the answer are in ``docs/record-format.md``
("Checking a receipt").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from govern.core.archive import DuplicateKey, loads_strict
from govern.core.ballot import object_hash
from govern.core.keys import verify
from govern.core.ledger import Problem, verify_receipt
from govern.core.verify import verified

BUNDLE_TYPE = "govern.receipt-bundle.v1"
RECEIPT_KEYS = frozenset({"ballot_hash", "position", "chain_hash", "server_signature"})
_HEX64 = re.compile(r"[0-9a-f]{64}")
#: The file name problems about the receipt itself are reported under.
RECEIPT = "receipt"


class NotAReceipt(Exception):
    """The file is not a receipt: missing, not JSON, or neither a bare receipt nor a receipt bundle."""


@dataclass
class ReceiptCheck:
    """The answer of :func:`check_receipt`; ``ok`` iff included and no problem."""

    included: bool = False
    #: ``None`` on a public edition in digest form, which cannot tell (the auditor edition can).
    counted: bool | None = False
    position: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.included and not self.problems

    def to_json(self) -> dict[str, Any]:
        """``{"included", "counted", "position", "problems"}``."""
        return {"included": self.included, "counted": self.counted, "position": self.position,
                "problems": [p.to_json() for p in self.problems]}


def _bare(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != RECEIPT_KEYS:
        raise NotAReceipt("neither a receipt {ballot_hash, position, chain_hash, server_signature} nor a "
                          f"{BUNDLE_TYPE}")
    if type(obj["position"]) is not int or obj["position"] < 1:
        raise NotAReceipt("position must be a positive integer")
    if not all(isinstance(obj[k], str) and _HEX64.fullmatch(obj[k]) for k in ("ballot_hash", "chain_hash")):
        raise NotAReceipt("ballot_hash and chain_hash must be 64 lower-case hex digits")
    if not isinstance(obj["server_signature"], str):
        raise NotAReceipt("server_signature must be a string")
    return obj


def read_receipt(source: bytes | str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``(bare receipt, bundle or None)`` from a receipt file's bytes or path; :class:`NotAReceipt` otherwise."""
    try:
        data = source if isinstance(source, bytes) else open(source, "rb").read()  # noqa: SIM115
    except OSError as exc:
        raise NotAReceipt(f"cannot read it: {exc.strerror or exc}") from None
    try:
        obj = loads_strict(data)
    except DuplicateKey as exc:
        raise NotAReceipt(f"ambiguous JSON: {exc}") from None
    except ValueError:
        raise NotAReceipt("not JSON") from None
    if isinstance(obj, dict) and obj.get("type") == BUNDLE_TYPE:
        if not isinstance(obj.get("meeting"), str):
            raise NotAReceipt("the receipt bundle names no meeting")
        return _bare(obj.get("receipt")), obj
    return _bare(obj), None


def check_receipt(
    receipt: bytes | str | os.PathLike[str], record: bytes | str | os.PathLike[str], *, workers: int = 2,
    server_key: str | None = None,
) -> ReceiptCheck:
    """Whether the receipt's ballot is in the record's ledger where the receipt says, and counted.

    Raises :class:`NotAReceipt` or :class:`govern.core.archive.NotARecord` (the receipt is read first).
    """
    bare, bundle = read_receipt(receipt)
    v = verified(record, workers=workers, server_key=server_key)
    out = ReceiptCheck()

    def problem(code: str, message: str, file: str = RECEIPT, entry: int | None = None) -> None:
        out.problems.append(Problem(file, entry, code, message))

    meeting, record_key = v.report.meeting, v.manifest_key()
    if bundle is not None:
        check_bundle(bundle, bare, meeting, record_key, problem)
    if not verify_receipt(record_key, bare, meeting or ""):
        problem("receipt_signature_invalid",
                f"the server signature is not the record's server key's over this receipt for meeting {meeting}")
    position = bare["position"]
    entry = next((e for e in v.entries if e.position == position), None)
    if entry is None:
        problem("receipt_not_in_ledger", f"the ledger has no entry at position {position}",
                file="ledger.jsonl")
    elif entry.ballot_hash != bare["ballot_hash"] or entry.chain_hash != bare["chain_hash"]:
        problem("receipt_mismatch", f"the entry at position {position} holds another ballot_hash or chain_hash",
                file="ledger.jsonl", entry=position)
    else:
        out.included, out.position = True, position
        # the digest-form public edition cannot say which ballot counts (it holds no voter): null
        out.counted = None if v.digest_only else any(e is entry for e in v.counted.values())
    if not v.report.valid:
        codes = sorted({p.code for p in v.report.problems})
        problem("record_invalid", "the record itself does not verify (" + ", ".join(codes) + "): run govern verify "
                "on it", file="record")
    return out


def check_bundle(bundle: dict[str, Any], bare: dict[str, Any], meeting: str | None, record_key: Any,
                 problem: Any) -> None:
    """What a receipt bundle adds: the meeting, the server key, and the voter's own ballot and signature."""
    if bundle["meeting"] != meeting:
        problem("receipt_wrong_meeting", f"the receipt is for meeting {bundle['meeting']}, the record for {meeting}")
    if "server_public_key" in bundle and bundle["server_public_key"] != record_key:
        problem("server_key_mismatch", "the ballot page was answered by another server key than the record's")
    if "ballot_hash" in bundle and bundle["ballot_hash"] != bare["ballot_hash"]:
        problem("bundle_ballot_mismatch", "the bundle's ballot_hash is not the receipt's")
    ballot = bundle.get("ballot")
    if ballot is None:
        return
    try:
        hashed = object_hash(ballot)
    except Exception:  # not canonicalisable (floats, huge integers): it cannot be the signed ballot
        hashed = None
    if hashed != bare["ballot_hash"]:
        problem("bundle_ballot_mismatch", "the bundle's ballot does not hash to the receipt's ballot_hash")
    if "signature" in bundle or "key_id" in bundle:
        if not verify(bundle.get("key_id"), ballot, bundle.get("signature")):
            problem("bundle_signature_invalid", "the bundle's signature does not verify over its ballot under key_id")
