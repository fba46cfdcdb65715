"""The primitives of govern's signed objects (docs/ballot-format.md, "Conventions"): times, nonces, ids, hashes
and envelopes. :mod:`govern.core.ballot` builds and checks the objects themselves."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import b64url_encode

#: Bytes of randomness in every nonce.
NONCE_BYTES = 16
#: Longest id (community, meeting, voter, motion, account) accepted.
MAX_ID_LENGTH = 128

_TIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z", re.ASCII)
_HEX64_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with a ``Z`` suffix; microseconds are written only when non-zero. Refuses naive datetimes."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware (UTC) datetime")
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_time(text: Any) -> datetime:
    """Parse ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` into an aware UTC datetime; ``ValueError`` otherwise."""
    if not isinstance(text, str):
        raise ValueError("time must be a string")
    m = _TIME_RE.fullmatch(text)
    if not m:
        raise ValueError("time must be RFC 3339 UTC ending in Z")
    year, month, day, hour, minute, second, frac = m.groups()
    micro = int((frac or "0").ljust(6, "0"))
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=UTC)


def new_nonce(randbytes: Callable[[int], bytes]) -> str:
    """A fresh nonce from ``randbytes`` (pass ``os.urandom`` or ``secrets.token_bytes``; a seeded source in tests)."""
    return b64url_encode(randbytes(NONCE_BYTES))


def object_hash(obj: Any) -> str:
    """Hex SHA-256 of the RFC 8785 canonical bytes of a signed object."""
    return sha256_hex(canonical_bytes(obj))


def ballot_hash(obj: Mapping[str, Any]) -> str:
    """``ballot_hash``: hex SHA-256 of the ballot's canonical bytes (the bytes its signature covers)."""
    return object_hash(obj)


def envelope(obj: Mapping[str, Any], signature: str, key_id: str) -> dict[str, Any]:
    """``{"object", "signature", "key_id"}``: a signed object with its signature and signing public key."""
    return {"object": dict(obj), "signature": signature, "key_id": key_id}


def is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()


def is_hex64(value: Any) -> bool:
    return isinstance(value, str) and _HEX64_RE.fullmatch(value) is not None


def is_time(value: Any) -> bool:
    try:
        parse_time(value)
    except ValueError:
        return False
    return True


#: The canonical unpadded base64url spelling of exactly 16 bytes: 22 characters whose last one
#: carries 2 data bits and 4 zero bits (A, Q, g or w).
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]", re.ASCII)


def is_nonce(value: Any) -> bool:
    return isinstance(value, str) and _NONCE_RE.fullmatch(value) is not None
