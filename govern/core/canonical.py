"""Canonical JSON (RFC 8785) and the SHA-256 hash chain shared by the audit log and the ledgers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

#: The hash that stands before the first entry of every chain.
GENESIS_HASH = "0" * 64


#: Integers that RFC 8785 (ECMAScript number formatting) writes exactly as Python does.
_SAFE_INT = 2**53 - 1
_fast_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def canonical_bytes(obj: Any) -> bytes:
    """Return the RFC 8785 (JCS) canonical UTF-8 bytes of a JSON-compatible object.

    Floats are refused: every number the system signs is an integer or a string.

    Everything the system signs on its hot paths (ballots, ledger entries, receipts) is ASCII
    text and small integers. For such objects RFC 8785 and Python's sorted, compact JSON are the
    same bytes: ASCII keys sort the same by UTF-16 code units as by code points, both escape
    ``"``, ``\\`` and the control characters alike (``\\b \\t \\n \\f \\r``, otherwise
    ``\\u00xx``) and nothing else, and integers up to 2**53 - 1 print the same. Those objects take
    the C encoder; anything else (non-ASCII text, large integers) takes the ``rfc8785`` package.
    A property test holds the two paths to the same bytes.
    """
    if _plain(obj):
        return _fast_dumps(obj).encode("ascii")  # ASCII in, ASCII out (0x7f stays itself, as in RFC 8785)
    _refuse_floats(obj)
    return rfc8785.dumps(obj)


def _plain(obj: Any) -> bool:
    """True iff ``obj`` holds only ASCII strings (keys too), integers within ±(2**53 - 1), booleans and null."""
    if isinstance(obj, str):
        return obj.isascii()
    if isinstance(obj, dict):
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return all(_plain(v) for v in obj)
    if isinstance(obj, bool) or obj is None:
        return True
    if isinstance(obj, int):
        return -_SAFE_INT <= obj <= _SAFE_INT
    return False


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def chain_hash(prev_hash: str, payload: Any) -> str:
    """Hash of one chain entry: SHA-256 over ``prev_hash`` (hex, ASCII), a newline and the canonical payload.

    Changing any earlier entry changes every later hash, so a verifier that recomputes the
    chain names the first entry whose stored hash differs.
    """
    if len(prev_hash) != 64:
        raise ValueError("prev_hash must be 64 hex characters")
    return sha256_hex(prev_hash.encode("ascii") + b"\n" + canonical_bytes(payload))


def _refuse_floats(obj: Any) -> None:
    if isinstance(obj, float):
        raise TypeError("floats are not allowed in canonical data; use integers or strings")
    if isinstance(obj, dict):
        for value in obj.values():
            _refuse_floats(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _refuse_floats(value)
