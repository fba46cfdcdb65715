"""Proof of possession for an owner key (``govern.key.v1``), checked by the server at enrolment and by
``govern verify`` in a record's key list.

The proof is the new key's own Ed25519 signature (base64url, no padding) over the RFC 8785 bytes of::

    {"type": "govern.key.v1", "account": "<account id, decimal>", "public_key": "<base64url>",
     "issued_at": "<RFC 3339 UTC>"}

It shows that whoever enrols the key holds its private half, and binds the key to one account at one
moment: a proof cannot be replayed for another account, and the server refuses one whose ``issued_at``
is more than :data:`PROOF_MAX_SKEW` from its own clock. docs/meetings.md ("Owner keys") and
docs/record-format.md ("Keys").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.core.ballot import format_time, parse_time
from govern.core.keys import check_public_key, public_key_b64, sign, verify

KEY_PROOF_TYPE = "govern.key.v1"
#: How far ``issued_at`` may be from the server's clock at enrolment (either way).
PROOF_MAX_SKEW = timedelta(minutes=10)


def key_proof_object(account: str, public_key: str, issued_at: str) -> dict[str, str]:
    """The object the proof signs; ``account`` is the account id as a decimal string."""
    return {"type": KEY_PROOF_TYPE, "account": account, "public_key": public_key, "issued_at": issued_at}


def key_proof_body(private: Ed25519PrivateKey, account: str, issued_at: datetime) -> dict[str, str]:
    """What a device sends to enrol ``private``'s public key (without the password): ``{"public_key",
    "issued_at", "proof"}``. The browser builds the same body (static/js/keys.js); the server uses this
    only for keys it made itself (the demo) and tests."""
    public, issued = public_key_b64(private), format_time(issued_at)
    proof = sign(private, key_proof_object(account, public, issued))
    return {"public_key": public, "issued_at": issued, "proof": proof}


def key_proof_problem(account: str, public_key: Any, issued_at: Any, proof: Any, *,
                      now: datetime | None = None) -> str | None:
    """Why ``proof`` does not prove possession of ``public_key`` for ``account``; ``None`` when it does.

    Checked in this order: ``"bad_key"`` (not the base64url of 32 bytes), ``"weak_key"`` (small-order,
    non-canonical or not a curve point: :func:`govern.core.keys.check_public_key`), ``"proof_required"``
    (no proof or no ``issued_at``), ``"bad_issued_at"`` (not RFC 3339 UTC), ``"stale_proof"`` (only when
    ``now`` is given: ``issued_at`` more than :data:`PROOF_MAX_SKEW` from ``now``), ``"bad_proof"`` (not
    a strict Ed25519 signature of :func:`key_proof_object` by the key). Never raises.
    """
    why = check_public_key(public_key)
    if why == "malformed":
        return "bad_key"
    if why is not None:
        return "weak_key"
    if proof is None or issued_at is None or proof == "" or issued_at == "":
        return "proof_required"
    try:
        moment = parse_time(issued_at)
    except ValueError:
        return "bad_issued_at"
    if now is not None and abs(moment - now) > PROOF_MAX_SKEW:
        return "stale_proof"
    if not isinstance(proof, str) or not verify(public_key, key_proof_object(account, public_key, issued_at), proof):
        return "bad_proof"
    return None
