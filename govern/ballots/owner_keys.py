"""Owner keys: enrolment of an account's Ed25519 public key (the private key stays on the device), the
account's active key, and the one check of a signing key against its caller (:func:`check_key_holder`).
Enrolling a new key ends the previous one at the same moment; both are logged, and the owner is told on
every channel (:data:`key_replaced`). docs/meetings.md, "Owner keys"."""

from __future__ import annotations

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from govern import clock
from govern.accounts.models import User
from govern.accounts.services import verify_password
from govern.audit.services import log_action
from govern.ballots.common import refuse
from govern.ballots.models import OwnerKey
from govern.core.ballot import parse_time
from govern.core.keyproof import key_proof_problem
from govern.core.keys import key_fingerprint
from govern.errors import DomainError
from govern.extensions import db


def active_key(user) -> OwnerKey | None:
    """The account's active (unrevoked) key, if any."""
    return db.session.scalar(
        select(OwnerKey).where(OwnerKey.user_id == user.id, OwnerKey.revoked_at.is_(None)).order_by(OwnerKey.id.desc())
    )


def check_key_holder(holder_id: int | None, revoked_at, actor) -> None:
    """The one check of a signing key against the caller: enrolled to ``actor`` (else ``unknown_key``, 400)
    and not revoked (else ``revoked_key``, 403). Callers pass the key's columns however they loaded them
    (the cast reads them in its one-query context; :func:`own_active_key` loads the row)."""
    if holder_id is None or holder_id != actor.id:
        raise refuse("unknown_key", _("This key is not enrolled to your account."))
    if revoked_at is not None:
        raise refuse("revoked_key", _("This key was revoked. Use your current key."))


def own_active_key(actor, key_id) -> OwnerKey:
    """The caller's enrolled, unrevoked key named ``key_id`` (:func:`check_key_holder` decides the refusals)."""
    key = db.session.scalar(select(OwnerKey).where(OwnerKey.public_key == key_id)) if isinstance(key_id, str) else None
    check_key_holder(None if key is None else key.user_id, None if key is None else key.revoked_at, actor)
    return key


def key_history(user) -> list[OwnerKey]:
    """Every key ever enrolled to the account, newest first."""
    return list(db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == user.id).order_by(OwnerKey.id.desc())))


#: Sent inside the enrolling transaction when a new key replaces an active one, with ``user``, ``key`` (the
#: new row) and ``previous`` (the ended rows). ``govern.delivery.key_notice`` announces it to the owner on
#: every channel they have; the signal keeps the casting package below delivery (tests/test_layers.py).
key_replaced = Namespace().signal("govern.key-replaced")

#: Refusal messages of :func:`govern.core.keyproof.key_proof_problem`'s reasons.
_PROOF_ERRORS = {
    "bad_key": lambda: _("This is not an Ed25519 public key (base64url of 32 bytes)."),
    "weak_key": lambda: _("This key is weak (a small-order or non-canonical point): anybody could sign with it. "
                          "Make a new key on your device."),
    "proof_required": lambda: _("Send the proof that your device holds this key (proof and issued_at)."),
    "bad_issued_at": lambda: _("issued_at must be an RFC 3339 UTC time ending in Z."),
    "stale_proof": lambda: _("The proof was made more than 10 minutes from the server's time. "
                             "Check your device's clock and try again."),
    "bad_proof": lambda: _("The proof is not this key's signature over your account and issued_at."),
}


def _check_proof(user, data: dict, require_proof: bool) -> tuple[str | None, object]:
    """``(proof, issued_at)`` after the checks of :func:`key_proof_problem` (raises ``DomainError`` 400)."""
    proof, issued = data.get("proof"), data.get("issued_at")
    absent = proof is None and issued is None
    why = key_proof_problem(str(user.id), data.get("public_key"), issued, proof, now=clock.now())
    if why == "proof_required" and absent and not require_proof:
        return None, None
    if why is not None:
        code = "bad_proof" if why == "bad_issued_at" else why
        raise DomainError(code, _PROOF_ERRORS[why](), status=400)
    return proof, parse_time(issued)


def _lock_account(user) -> None:
    """Serialise enrolments of one account: ``SELECT … FOR UPDATE`` on its user row (PostgreSQL; SQLite
    serialises writers itself). A concurrent enrolment waits here, then sees the key committed before it."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def enroll_key(user, data: dict, *, actor, is_demo: bool = False, check_pw: bool = True,
               require_proof: bool = False) -> OwnerKey:
    """Enrol an Ed25519 public key to ``user``, ending the active key (if any) at the same moment. Logged.

    ``data``: ``{"public_key": <b64url raw 32 bytes>, "issued_at", "proof", "password"}``; the proof of
    possession (:mod:`govern.core.keyproof`) is checked whenever it is sent and required with
    ``require_proof`` (the API always requires it; the demo and tests enrol keys they made themselves).
    Codes: ``unauthorized`` (401, wrong password), ``bad_key``, ``weak_key``, ``proof_required``,
    ``stale_proof``, ``bad_proof`` (400), ``enrolment_conflict`` (409, another enrolment of the account
    won the race; nothing changed).
    At most one key per account is active: the account's row is locked for the enrolment, and the
    partial unique index ``uq_owner_keys_one_active`` refuses a second active key whatever happens.
    """
    if check_pw:
        password = data.get("password")
        if not isinstance(password, str) or not verify_password(user, password):  # the sign-in throttle
            raise DomainError("unauthorized", _("The password is wrong."), status=401)
    public = data.get("public_key")
    proof, issued_at = _check_proof(user, data, require_proof)
    if db.session.scalar(select(OwnerKey.id).where(OwnerKey.public_key == public)) is not None:
        raise DomainError("bad_key", _("This key has already been enrolled. Make a new key on your device."),
                          status=400)
    _lock_account(user)
    moment = clock.now()
    ended = list(db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == user.id, OwnerKey.revoked_at.is_(None))
                                    .execution_options(populate_existing=True)))
    for old in ended:
        # Never before the old key's own start, so validity intervals cannot overlap or run backwards.
        old.revoked_at = max(moment, old.created_at)
        old.revoked_reason = "replaced"
        log_action("key.revoke", actor=actor, obj=old, data={"user": user.id, "key_id": old.public_key,
                                                          "fingerprint": old.fingerprint, "reason": "replaced"})
    moment = max([moment, *(old.revoked_at for old in ended)])
    key = OwnerKey(user_id=user.id, public_key=public, fingerprint=key_fingerprint(public), is_demo=is_demo,
                   created_at=moment, proof=proof, issued_at=issued_at)
    try:
        with db.session.begin_nested():
            db.session.add(key)
            db.session.flush()
    except IntegrityError:
        raise DomainError("enrolment_conflict", _("Another key was enrolled to your account at the same moment. "
                                                  "Check your keys and try again."), status=409) from None
    log_action("key.enroll", actor=actor, obj=key, data={"user": user.id, "key_id": public,
                                                     "fingerprint": key.fingerprint, "demo": is_demo,
                                                     "proof": proof is not None})
    if ended:
        key_replaced.send(user, key=key, previous=ended)
    return key
