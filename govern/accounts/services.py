"""Account use cases. Each validates, changes state, writes the audit entry, and never commits."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from govern.accounts.auth import check_password, hash_password, token_digest
from govern.accounts.models import ApiToken, ClaimCode, OwnerClaim, Role, RoleGrant, User
from govern.audit.services import record
from govern.clock import now
from govern.errors import Conflict, DomainError, Forbidden, NotFound
from govern.extensions import db
from govern.register.models import Community, Owner, Unit

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
PHONE_RE = re.compile(r"^1\d{10}$")
#: Claim codes avoid look-alike characters (0/O, 1/I/L) so they can be typed from paper.
CLAIM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MIN_PASSWORD = 10


class LoginFailed(DomainError):
    status = 401


# --- passwords and login ---------------------------------------------------------------


def validate_password(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError("weak_password", _("The password must have at least %(n)d characters.", n=MIN_PASSWORD))
    if username and username.lower() in password.lower():
        raise DomainError("weak_password", _("The password must not contain the username."))


def authenticate(username: str, password: str) -> User:
    """Check a password, counting failures; lock the account after too many.

    The caller commits in every case, so that failures are counted.
    """
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    moment = now()
    if user is not None and user.locked_until is not None and user.locked_until > moment:
        check_password(None, password)
        raise LoginFailed(
            "locked", _("Too many failed attempts. This account is locked for a while; try again later.")
        )
    if user is None or not check_password(user.password_hash, password) or not user.is_active:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                user.locked_until = moment + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
                user.failed_logins = 0
                record("account.locked", actor=None, obj=user, data={"username": user.username})
        raise LoginFailed("invalid_credentials", _("Wrong username or password."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = moment
    return user


def create_user(username: str, password: str, *, display_name: str = "", phone: str = "", email: str = "") -> User:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise DomainError(
            "bad_username", _("A username has 3 to 64 letters, digits, dots, hyphens or underscores.")
        )
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("username_taken", _("This username is taken."))
    validate_password(password, username)
    user = User(
        username=username,
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, old: str, new: str) -> None:
    """Replace the password after checking the current one."""
    if not check_password(user.password_hash, old):
        raise DomainError("invalid_credentials", _("The current password is wrong."))
    validate_password(new, user.username)
    user.password_hash = hash_password(new)
    # A changed password ends every API token: a leaked token must not outlive the password change.
    revoked = 0
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now()
        revoked += 1
    record("account.password_changed", actor=user, obj=user, data={"tokens_revoked": revoked})


# --- API tokens ------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    row: ApiToken


def issue_token(user: User) -> IssuedToken:
    """A new bearer token; the plaintext is returned once, only its hash is stored."""
    token = "gv_" + secrets.token_urlsafe(32)
    expires = now() + timedelta(days=current_app.config["API_TOKEN_DAYS"])
    row = ApiToken(user_id=user.id, token_hash=token_digest(token), expires_at=expires)
    db.session.add(row)
    db.session.flush()
    record("token.issue", actor=user, obj=row)
    return IssuedToken(token, expires, row)


def token_issued_within(token_id: int | None, within: timedelta) -> bool:
    """The bearer token ``token_id`` was issued (with the password) no longer than ``within`` ago."""
    token = db.session.get(ApiToken, token_id) if token_id else None
    return token is not None and now() - token.created_at <= within


def revoke_token(token: ApiToken, *, actor: User) -> None:
    if token.user_id != actor.id:
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    if token.revoked_at is None:
        token.revoked_at = now()
        record("token.revoke", actor=actor, obj=token)


# --- roles -------------------------------------------------------------------------------


def grant_role(user: User, role: Role, community: Community | None, *, actor: User) -> RoleGrant:
    """Grant a role; ADMIN is platform-wide (community None), every other role needs a community."""
    role = Role(role)
    if role == Role.ADMIN:
        community = None
    elif community is None:
        raise DomainError("community_required", _("This role belongs to a community."))
    scope = RoleGrant.community_id == community.id if community else RoleGrant.community_id.is_(None)
    existing = db.session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user.id, RoleGrant.role == role, scope, RoleGrant.revoked_at.is_(None)
        )
    )
    if existing is not None:
        raise Conflict("already_granted", _("%(user)s already holds this role.", user=user.username))
    grant = RoleGrant(user_id=user.id, role=role, community_id=community.id if community else None,
                      granted_by_id=actor.id if actor else None)
    db.session.add(grant)
    db.session.flush()
    record(
        "role.grant",
        actor=actor,
        community=community,
        obj=grant,
        data={"user": user.username, "role": role.value},
    )
    _forget()
    return grant


def revoke_role(grant: RoleGrant, *, actor: User) -> None:
    """Revoke a role. Revoking the owner role also unlinks the account from the register's owners,
    so that a mistaken confirmation can be undone and the owner can register again."""
    if grant.revoked_at is not None:
        raise Conflict("already_revoked", _("This role was already revoked."))
    grant.revoked_at = now()
    grant.revoked_by_id = actor.id
    data = {"user": grant.user.username, "role": Role(grant.role).value}
    if Role(grant.role) == Role.OWNER and grant.community_id is not None:
        unlinked = []
        for owner in db.session.scalars(
            select(Owner).where(Owner.user_id == grant.user_id, Owner.community_id == grant.community_id)
        ):
            owner.user_id = None
            owner.confirmed_at = None
            owner.confirmed_by_id = None
            unlinked.append(owner.ref)
        data["unlinked_owners"] = sorted(unlinked)
    db.session.flush()
    record("role.revoke", actor=actor, community=grant.community_id, obj=grant, data=data)
    _forget()


def _forget() -> None:
    from govern.accounts.access import forget_roles

    forget_roles()


# --- claim codes and owner onboarding ----------------------------------------------------


def normalise_claim_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def new_claim_code() -> str:
    raw = "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue_claim_codes(
    community: Community, units: list[Unit], *, sheet_id: int | None = None
) -> list[tuple[Unit, str]]:
    """A fresh one-time code for each unit; any unused earlier code of the unit is revoked."""
    moment = now()
    unit_ids = [u.id for u in units]
    if unit_ids:
        for old in db.session.scalars(
            select(ClaimCode).where(
                ClaimCode.unit_id.in_(unit_ids), ClaimCode.used_at.is_(None), ClaimCode.revoked_at.is_(None)
            )
        ):
            old.revoked_at = moment
    issued = []
    for unit in units:
        code = new_claim_code()
        db.session.add(ClaimCode(unit_id=unit.id, code_hash=token_digest(normalise_claim_code(code)),
                                 sheet_id=sheet_id, issued_at=moment))
        issued.append((unit, code))
    db.session.flush()
    return issued


def find_claim_code(code: str) -> ClaimCode:
    """The live claim code, or a domain error that does not tell a used code from a wrong one."""
    row = db.session.scalar(select(ClaimCode).where(ClaimCode.code_hash == token_digest(normalise_claim_code(code))))
    if row is None or row.revoked_at is not None:
        raise DomainError("bad_claim_code", _("This claim code is not valid. Check it against the printed slip."))
    if row.used_at is not None:
        raise DomainError(
            "used_claim_code",
            _("This claim code has already been used. Ask the owners' committee for a new one."),
        )
    return row


def claimable_owners(unit: Unit) -> list[Owner]:
    """The unit's registered owners that no account has been confirmed for yet."""
    return [o for o in unit.owners if o.user_id is None]


def register_owner(
    *, code: str, owner_id: int, phone: str, username: str, password: str, display_name: str = ""
) -> OwnerClaim:
    """Open an account with a unit's claim code; the claim waits for a committee member's confirmation.

    Everything is checked before anything is written; the code is consumed with a conditional UPDATE so
    that two people racing with the same slip cannot both register.
    """
    claim_code = find_claim_code(code)
    unit = claim_code.unit
    owner = db.session.get(Owner, owner_id) if isinstance(owner_id, int) else None
    if owner is None or owner.id not in {o.id for o in unit.owners}:
        raise DomainError("bad_owner", _("Choose which of the unit's registered owners you are."))
    if owner.user_id is not None:
        raise Conflict("owner_taken", _("This owner already has a confirmed account."))
    phone = re.sub(r"[\s-]", "", phone or "")
    if not PHONE_RE.match(phone):
        raise DomainError("bad_phone", _("Enter an 11-digit mobile number."))
    display_name = (display_name or "").strip()
    if not display_name:
        raise DomainError("name_required", _("Enter your name as it appears on your ID."))
    user = create_user(username, password, display_name=display_name, phone=phone)
    moment = now()
    consumed = db.session.execute(
        update(ClaimCode)
        .where(ClaimCode.id == claim_code.id, ClaimCode.used_at.is_(None), ClaimCode.revoked_at.is_(None))
        .values(used_at=moment)
        .execution_options(synchronize_session=False)
    ).rowcount
    if consumed != 1:
        raise DomainError(
            "used_claim_code",
            _("This claim code has already been used. Ask the owners' committee for a new one."),
        )
    claim_code.used_at = moment
    claim = OwnerClaim(user_id=user.id, unit_id=unit.id, community_id=unit.community_id, owner_id=owner.id, phone=phone)
    db.session.add(claim)
    db.session.flush()
    record(
        "owner.claim",
        actor=user,
        community=unit.community_id,
        obj=claim,
        data={"unit": unit.number, "owner": owner.ref},
    )
    return claim


def confirm_claim(claim: OwnerClaim, *, actor: User) -> None:
    """A committee member has checked the person against the register: link the owner and grant the role."""
    _check_pending(claim, actor)
    owner = claim.owner
    if owner.user_id is not None and owner.user_id != claim.user_id:
        raise Conflict("owner_taken", _("This owner already has a confirmed account."))
    moment = now()
    claim.status = "confirmed"
    claim.decided_at = moment
    claim.decided_by_id = actor.id
    owner.user_id = claim.user_id
    owner.confirmed_at = moment
    owner.confirmed_by_id = actor.id
    community = claim.community
    already = db.session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == claim.user_id,
            RoleGrant.community_id == community.id,
            RoleGrant.role == Role.OWNER,
            RoleGrant.revoked_at.is_(None),
        )
    )
    if already is None:
        db.session.add(RoleGrant(user_id=claim.user_id, community_id=community.id, role=Role.OWNER,
                                 granted_by_id=actor.id))
    db.session.flush()
    record(
        "owner.confirm",
        actor=actor,
        community=community,
        obj=claim,
        data={"user": claim.user.username, "owner": owner.ref, "unit": claim.unit.number},
    )
    _forget()


def reject_claim(claim: OwnerClaim, reason: str, *, actor: User) -> None:
    """The person does not match the register: refuse the claim with a reason the applicant will see."""
    _check_pending(claim, actor)
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Give a reason for the rejection."))
    claim.status = "rejected"
    claim.decided_at = now()
    claim.decided_by_id = actor.id
    claim.reason = reason[:500]
    db.session.flush()
    record(
        "owner.reject",
        actor=actor,
        community=claim.community_id,
        obj=claim,
        data={"user": claim.user.username, "reason": claim.reason},
    )


def _check_pending(claim: OwnerClaim, actor: User) -> None:
    if claim is None:
        raise NotFound("not_found", _("The page you asked for does not exist."))
    if claim.status != "pending":
        raise Conflict("already_decided", _("This registration has already been decided."))
    if claim.user_id == actor.id:
        raise Forbidden("own_claim", _("You cannot confirm your own registration."))


def set_locale(user: User, locale: str) -> None:
    """Remember the user's interface language."""
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError("bad_locale", _("Unknown language."))
    user.locale = locale
