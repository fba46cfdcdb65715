"""Owner keys: enrolment of an account's Ed25519 public key (the private key stays on the device), the
account's active key, and the one check of a signing key against its caller (:func:`check_key_holder`).
Enrolling a new key revokes the previous one; both are logged."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.accounts.services import verify_password
from govern.audit.services import record
from govern.ballots.common import refuse
from govern.ballots.models import OwnerKey
from govern.core.keys import is_public_key, key_fingerprint
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


def enroll_key(user, data: dict, *, actor, is_demo: bool = False, check_pw: bool = True) -> OwnerKey:
    """Enrol an Ed25519 public key to ``user``; the previous active key is revoked. Both are logged.

    ``data``: ``{"public_key": <b64url raw 32 bytes>, "password": <the account password>}``.
    Codes: ``unauthorized`` (401, wrong password), ``bad_key`` (400).
    """
    if check_pw:
        password = data.get("password")
        if not isinstance(password, str) or not verify_password(user, password):  # the sign-in throttle
            raise DomainError("unauthorized", _("The password is wrong."), status=401)
    public = data.get("public_key")
    if not is_public_key(public):
        raise DomainError("bad_key", _("This is not an Ed25519 public key (base64url of 32 bytes)."), status=400)
    if db.session.scalar(select(OwnerKey.id).where(OwnerKey.public_key == public)) is not None:
        raise DomainError("bad_key", _("This key has already been enrolled. Make a new key on your device."),
                          status=400)
    moment = clock.now()
    for old in db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == user.id, OwnerKey.revoked_at.is_(None))):
        old.revoked_at = moment
        old.revoked_reason = "replaced"
        record("key.revoke", actor=actor, obj=old, data={"user": user.id, "key_id": old.public_key,
                                                          "fingerprint": old.fingerprint, "reason": "replaced"})
    key = OwnerKey(user_id=user.id, public_key=public, fingerprint=key_fingerprint(public), is_demo=is_demo,
                   created_at=moment)
    db.session.add(key)
    db.session.flush()
    record("key.enroll", actor=actor, obj=key, data={"user": user.id, "key_id": public,
                                                     "fingerprint": key.fingerprint, "demo": is_demo})
    return key
