"""Canonical JSON (RFC 8785) and the SHA-256 hash chain shared by the audit log and the ledgers."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

#: The hash that stands before the first entry of every chain.
GENESIS_HASH = "0" * 64


def canonical_bytes(obj: Any) -> bytes:
    """Return the RFC 8785 (JCS) canonical UTF-8 bytes of a JSON-compatible object.

    Floats are refused: every number the system signs is an integer or a string.
    """
    _refuse_floats(obj)
    return rfc8785.dumps(obj)


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
