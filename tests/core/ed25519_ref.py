"""Slow, permissive Ed25519 point arithmetic for the tests only (RFC 8032 §5.1, extended coordinates).

The product never does point arithmetic: its strict checks are byte comparisons
(govern.core.keys). These functions let the tests *prove* what those bytes mean: that the fixed
list is exactly the set of encodings of the small-order points, and which property of each
"Taming the many EdDSAs" vector makes it fail or pass.

``decode`` is deliberately lax (accepts y ≥ p and x = 0 with the sign bit set), so that every
spelling of a point can be examined.
"""

from __future__ import annotations

import hashlib

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]  # (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z
IDENTITY: Point = (0, 1, 1, 0)


def add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def neg(p: Point) -> Point:
    return (-p[0] % P, p[1], p[2], -p[3] % P)


def mul(k: int, p: Point) -> Point:
    out = IDENTITY
    while k > 0:
        if k & 1:
            out = add(out, p)
        p = add(p, p)
        k >>= 1
    return out


def equal(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def affine(p: Point) -> tuple[int, int]:
    zi = pow(p[2], P - 2, P)
    return p[0] * zi % P, p[1] * zi % P


def encode(p: Point) -> bytes:
    """The canonical encoding."""
    x, y = affine(p)
    return (y | (x & 1) << 255).to_bytes(32, "little")


def decode(raw: bytes) -> Point | None:
    """Any spelling that names a point (y may be ≥ p; x = 0 may carry the sign bit); ``None`` if none does."""
    n = int.from_bytes(raw, "little")
    sign, y = n >> 255, (n & ((1 << 255) - 1)) % P
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x & 1 != sign:
        x = -x % P
    return (x, y, 1, x * y % P)


BASE = decode(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))


def is_small_order(p: Point) -> bool:
    return equal(mul(8, p), IDENTITY)


def has_large_order_part(p: Point) -> bool:
    return not is_small_order(p)


def is_torsion_free(p: Point) -> bool:
    """Of order L (no small-order component): [L]p is the identity."""
    return equal(mul(L, p), IDENTITY)


def challenge(r: bytes, a: bytes, message: bytes) -> int:
    """k = SHA-512(R ‖ A ‖ M) mod L over the bytes as given."""
    return int.from_bytes(hashlib.sha512(r + a + message).digest(), "little") % L


def equations(a: bytes, signature: bytes, message: bytes) -> tuple[bool, bool]:
    """(cofactorless [S]B = R + [k]A, cofactored [8][S]B = [8]R + [8][k]A), S taken as given (not reduced)."""
    pa, pr = decode(a), decode(signature[:32])
    assert pa is not None and pr is not None
    s = int.from_bytes(signature[32:], "little")
    k = challenge(signature[:32], a, message)
    left, right = mul(s, BASE), add(pr, mul(k, pa))
    return equal(left, right), equal(mul(8, left), mul(8, right))
