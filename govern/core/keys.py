"""Ed25519 keys and signatures over canonical JSON, and strict base64url.

Every signature in govern is Ed25519 (RFC 8032) over the RFC 8785 canonical UTF-8 bytes of a
JSON object (:func:`govern.core.canonical.canonical_bytes`). Public keys are the raw 32 bytes,
signatures the raw 64 bytes, both written as base64url **without padding** (RFC 4648 §5).

Decoding is strict: only ``A–Z a–z 0–9 - _``, no ``=``, no whitespace, and the text must be the
one canonical encoding of its bytes (unused trailing bits are zero), so one key or signature
has exactly one spelling and string comparison of keys is sound.

No file or environment access happens here: loading and storing the server key is the web
application's business (:func:`private_key_to_bytes`, :func:`private_key_from_bytes`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from govern.core.canonical import canonical_bytes

__all__ = [
    "PUBLIC_KEY_B64_LENGTH",
    "SIGNATURE_B64_LENGTH",
    "b64url_decode",
    "b64url_encode",
    "generate_keypair",
    "is_public_key",
    "key_fingerprint",
    "private_key_from_bytes",
    "private_key_to_bytes",
    "public_key_b64",
    "sign",
    "sign_bytes",
    "verify",
    "verify_bytes",
]

#: ``len(b64url_encode(32 bytes))``.
PUBLIC_KEY_B64_LENGTH = 43
#: ``len(b64url_encode(64 bytes))``.
SIGNATURE_B64_LENGTH = 86

_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Allowed last characters when 2 (len % 4 == 2) or 4 (len % 4 == 3) trailing bits are unused: they must be zero.
_LAST_CHAR = {2: frozenset(_ALPHABET[::16]), 3: frozenset(_ALPHABET[::4])}
_TO_STANDARD = str.maketrans("-_", "+/")


def b64url_encode(data: bytes) -> str:
    """Base64url of ``data`` without padding (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, length: int | None = None) -> bytes:
    """Decode unpadded base64url strictly; raise ``ValueError`` on anything but the canonical spelling.

    Refused: a non-string, characters outside the URL-safe alphabet (including ``=``, ``+``,
    ``/`` and whitespace), an impossible length (``len % 4 == 1``), non-zero unused trailing
    bits, and, when ``length`` is given, a decoded length other than ``length`` bytes.
    """
    if not isinstance(text, str):
        raise ValueError("base64url text must be a string")
    rest = len(text) % 4
    if rest == 1 or not _B64URL_RE.fullmatch(text):
        raise ValueError("not unpadded base64url")
    if rest and text[-1] not in _LAST_CHAR[rest]:
        raise ValueError("non-canonical base64url (unused bits set)")
    data = binascii.a2b_base64(text.translate(_TO_STANDARD) + "=" * (-rest % 4))
    if length is not None and len(data) != length:
        raise ValueError(f"expected {length} bytes, got {len(data)}")
    return data


def generate_keypair() -> tuple[Ed25519PrivateKey, str]:
    """A fresh key pair ``(private key, public key base64url)``. For tests, the demo and the server key only:
    owners make their keys on their own device and the private key never reaches the server."""
    private = Ed25519PrivateKey.generate()
    return private, public_key_b64(private)


def private_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    """The private key whose raw 32-byte seed is ``raw`` (RFC 8032 §5.1.5)."""
    if len(raw) != 32:
        raise ValueError("an Ed25519 private key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key_to_bytes(private: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte seed of ``private`` (store it as a secret; see :func:`private_key_from_bytes`)."""
    return private.private_bytes_raw()


def public_key_b64(private: Ed25519PrivateKey) -> str:
    """The base64url raw public key of ``private``."""
    return b64url_encode(private.public_key().public_bytes_raw())


def is_public_key(text: Any) -> bool:
    """True if ``text`` is the canonical base64url spelling of 32 bytes that decode as an Ed25519 point."""
    return _public_key(text) is not None


def sign_bytes(private: Ed25519PrivateKey, data: bytes) -> str:
    """Ed25519 signature of ``data``, base64url."""
    return b64url_encode(private.sign(data))


def sign(private: Ed25519PrivateKey, obj: Any) -> str:
    """Ed25519 signature over the RFC 8785 canonical bytes of ``obj``, base64url."""
    return sign_bytes(private, canonical_bytes(obj))


def verify_bytes(public_b64: Any, data: bytes, sig_b64: Any) -> bool:
    """True iff ``sig_b64`` is a valid Ed25519 signature of ``data`` by ``public_b64``.

    Never raises on malformed input: a bad key, a bad signature spelling or a wrong length is
    simply ``False``.
    """
    key = _public_key(public_b64)
    if key is None:
        return False
    try:
        signature = b64url_decode(sig_b64, length=64)
    except ValueError:
        return False
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def verify(public_b64: Any, obj: Any, sig_b64: Any) -> bool:
    """True iff ``sig_b64`` signs the canonical bytes of ``obj`` under ``public_b64``; never raises.

    An object that cannot be canonicalised (floats, non-JSON values) verifies as ``False``.
    """
    try:
        data = canonical_bytes(obj)
    except (TypeError, ValueError, OverflowError):
        return False
    except Exception:  # rfc8785 raises its own error types for out-of-range integers and bad strings
        return False
    return verify_bytes(public_b64, data, sig_b64)


def key_fingerprint(public_b64: str) -> str:
    """A short human-readable fingerprint: the first 16 hex digits of SHA-256 of the raw key, in groups of four.

    Example: ``"3f2a 9c01 77be 04d5"``. Owners compare it on their device with the one the
    record shows. Raises ``ValueError`` if ``public_b64`` is not a public key spelling.
    """
    raw = b64url_decode(public_b64, length=32)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


@lru_cache(maxsize=4096)
def _public_key_cached(text: str) -> Ed25519PublicKey | None:
    try:
        raw = b64url_decode(text, length=32)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return None


def _public_key(text: Any) -> Ed25519PublicKey | None:
    if not isinstance(text, str) or len(text) != PUBLIC_KEY_B64_LENGTH:
        return None
    return _public_key_cached(text)
