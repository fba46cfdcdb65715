"""Ed25519 keys and signatures over canonical JSON, and strict base64url.

Every signature in govern is Ed25519 (RFC 8032) over the RFC 8785 canonical UTF-8 bytes of a
JSON object (:func:`govern.core.canonical.canonical_bytes`). Public keys are the raw 32 bytes,
signatures the raw 64 bytes, both written as base64url **without padding** (RFC 4648 §5).

Decoding is strict: only ``A–Z a–z 0–9 - _``, no ``=``, no whitespace, and the text must be the
one canonical encoding of its bytes (unused trailing bits are zero), so one key or signature
has exactly one spelling and string comparison of keys is sound.

Verification is **strict Ed25519** (docs/signatures.md), the rules libsodium applies:

- the public key A and the signature's R are canonical point encodings (y < p) and neither is
  one of the 14 encodings of the 8 small-order points (:data:`SMALL_ORDER_ENCODINGS`, canonical
  and not, the list libsodium blocks);
- the signature's S is reduced: S < L;
- the cofactorless equation [S]B = R + [k]A holds (OpenSSL, through ``cryptography``, which
  also compares R byte for byte with its own encoding).

The first two are byte comparisons against fixed values, not point arithmetic, so they cost a
fraction of a microsecond beside the signature check. Where a key is *accepted* (enrolment),
:func:`check_public_key` also decodes the point, which costs a field exponentiation.

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
    "SMALL_ORDER_ENCODINGS",
    "b64url_decode",
    "b64url_encode",
    "check_public_key",
    "generate_keypair",
    "is_public_key",
    "key_fingerprint",
    "private_key_from_bytes",
    "private_key_to_bytes",
    "public_key_b64",
    "sign",
    "sign_bytes",
    "signature_problem",
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

#: The field prime p = 2^255 - 19 and the prime order L of the base point (RFC 8032 §5.1).
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_Y_MASK = (1 << 255) - 1
#: y (little-endian, sign bit clear) of the 8 points of order 1, 2, 4 and 8, and the two
#: non-canonical values y = p (= 0) and y = p + 1 (= 1) that still decode to such a point.
_SMALL_ORDER_Y = (
    "0000000000000000000000000000000000000000000000000000000000000000",  # y = 0: the two points of order 4
    "0100000000000000000000000000000000000000000000000000000000000000",  # y = 1: the identity (order 1)
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # two points of order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # the other two of order 8
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p - 1 = -1: order 2
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p: non-canonical y = 0
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p + 1: non-canonical y = 1
)
#: The 14 byte strings that decode to a point of small order (each y above with the sign bit
#: clear and set; with x = 0, as for y = ±1, the set sign bit is itself a non-canonical
#: encoding). libsodium's ``ge25519_has_small_order`` blocks exactly these; so does govern, for
#: public keys and for R.
SMALL_ORDER_ENCODINGS: frozenset[bytes] = frozenset(
    bytes.fromhex(y[:-2]) + bytes([int(y[-2:], 16) | sign]) for y in _SMALL_ORDER_Y for sign in (0, 0x80)
)
#: Edwards curve constant d = -121665/121666 mod p, for decoding points at enrolment only.
_D = -121665 * pow(121666, _P - 2, _P) % _P


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


def check_public_key(text: Any) -> str | None:
    """Why ``text`` may not be enrolled as an Ed25519 public key, or ``None`` when it may.

    Reasons, checked in this order: ``"malformed"`` (not the canonical unpadded base64url of 32
    bytes), ``"small_order"`` (one of :data:`SMALL_ORDER_ENCODINGS`: the all-zero key, the
    identity and the other weak keys under which forged signatures verify), ``"non_canonical"``
    (y ≥ p: another spelling of a point that has a canonical one), ``"not_on_curve"`` (no point
    has this y). The API answers ``malformed`` as a bad key and the other three as a weak key.
    """
    if not isinstance(text, str) or len(text) != PUBLIC_KEY_B64_LENGTH:
        return "malformed"
    try:
        raw = b64url_decode(text, length=32)
    except ValueError:
        return "malformed"
    return _point_problem(raw) or (None if _on_curve(raw) else "not_on_curve")


def is_public_key(text: Any) -> bool:
    """True iff ``text`` is a public key govern accepts: :func:`check_public_key` finds nothing wrong."""
    return _checked_key(text) is None


@lru_cache(maxsize=4096)
def _checked_key_cached(text: str) -> str | None:
    return check_public_key(text)


def _checked_key(text: Any) -> str | None:
    if not isinstance(text, str) or len(text) != PUBLIC_KEY_B64_LENGTH:
        return "malformed"
    return _checked_key_cached(text)


def sign_bytes(private: Ed25519PrivateKey, data: bytes) -> str:
    """Ed25519 signature of ``data``, base64url."""
    return b64url_encode(private.sign(data))


def sign(private: Ed25519PrivateKey, obj: Any) -> str:
    """Ed25519 signature over the RFC 8785 canonical bytes of ``obj``, base64url."""
    return sign_bytes(private, canonical_bytes(obj))


def signature_problem(public_b64: Any, data: bytes, sig_b64: Any) -> str | None:
    """Why ``sig_b64`` is not a strict Ed25519 signature of ``data`` by ``public_b64``; ``None`` if it is.

    Reasons, the first that applies: ``"bad_key"`` (not the base64url of 32 bytes), ``"weak_key"``
    (A is a small-order or non-canonical encoding), ``"bad_signature_encoding"`` (not the
    base64url of 64 bytes), ``"weak_r"`` (R is a small-order or non-canonical encoding),
    ``"s_not_reduced"`` (S ≥ L), ``"invalid"`` ([S]B ≠ R + [k]A, which includes an A or R that
    is no point at all). Never raises.
    """
    key, problem = _public_key(public_b64)
    if key is None:
        return problem
    try:
        signature = b64url_decode(sig_b64, length=64)
    except ValueError:
        return "bad_signature_encoding"
    if _point_problem(signature[:32]) is not None:
        return "weak_r"
    if int.from_bytes(signature[32:], "little") >= _L:
        return "s_not_reduced"
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return "invalid"
    return None


def verify_bytes(public_b64: Any, data: bytes, sig_b64: Any) -> bool:
    """True iff ``sig_b64`` is a valid strict Ed25519 signature of ``data`` by ``public_b64``.

    Never raises on malformed input: a bad key, a bad signature spelling or a wrong length is
    simply ``False``. :func:`signature_problem` says why.
    """
    return signature_problem(public_b64, data, sig_b64) is None


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


def _point_problem(raw: bytes) -> str | None:
    """``"small_order"``, ``"non_canonical"`` or ``None`` for a 32-byte point encoding: byte comparisons only."""
    if raw in SMALL_ORDER_ENCODINGS:
        return "small_order"
    if int.from_bytes(raw, "little") & _Y_MASK >= _P:
        return "non_canonical"
    return None


def _on_curve(raw: bytes) -> bool:
    """Some point has this (canonical) y: (y² - 1) / (d y² + 1) is a square mod p (RFC 8032 §5.1.3)."""
    y = int.from_bytes(raw, "little") & _Y_MASK
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    vx2 = v * x * x % _P
    return vx2 == u or vx2 == _P - u


@lru_cache(maxsize=4096)
def _public_key_cached(text: str) -> tuple[Ed25519PublicKey | None, str | None]:
    try:
        raw = b64url_decode(text, length=32)
    except ValueError:
        return None, "bad_key"
    if _point_problem(raw) is not None:
        return None, "weak_key"
    return Ed25519PublicKey.from_public_bytes(raw), None


def _public_key(text: Any) -> tuple[Ed25519PublicKey | None, str | None]:
    """The key object for verification, after the byte checks only (OpenSSL decodes the point itself)."""
    if not isinstance(text, str) or len(text) != PUBLIC_KEY_B64_LENGTH:
        return None, "bad_key"
    return _public_key_cached(text)
