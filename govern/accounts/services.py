"""Account use cases. Each validates, changes state, writes the audit entry, and never commits."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from govern.accounts import committee, otp, throttle
from govern.accounts.access import forget_roles
from govern.accounts.auth import check_password, hash_password, token_digest
from govern.accounts.models import ApiToken, ClaimCode, OwnerClaim, Role, RoleGrant, User
from govern.audit.services import log_action
from govern.clock import now
from govern.errors import Conflict, DomainError, Forbidden, NotFound
from govern.extensions import db
from govern.register.models import Community, Owner, Unit
from govern.register.services import RegisterDependent, register_dependent
from govern.register.signals import owners_changed

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
PHONE_RE = re.compile(r"^1\d{10}$")
#: Claim codes avoid look-alike characters (0/O, 1/I/L) so they can be typed from paper.
CLAIM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MIN_PASSWORD = 10


class LoginFailed(DomainError):
    status = 401


# --- passwords and login ---------------------------------------------------------------


#: Context-specific words (ASVS 6.1.2, docs/security.md): a password that is one of these, give or take
#: digits and punctuation (``govern2026!``, ``Wuye-1234``), is refused.
CONTEXT_WORDS = frozenset({
    "govern", "gongzhi", "password", "passwd", "passw", "mima", "yezhu", "yezhudahui", "yeweihui", "wuye",
    "xiaoqu", "shequ", "jiedao", "admin", "administrator", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl",
    "zxcvbnm", "woaini", "iloveyou", "abc", "abcdef", "abcdefg", "abcdefgh", "abcdefghij", "",
})


def validate_password(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError("weak_password", _("The password must have at least %(n)d characters.", n=MIN_PASSWORD))
    if username and username.lower() in password.lower():
        raise DomainError("weak_password", _("The password must not contain the username."))
    lowered = password.lower()
    if (re.sub(r"[\W\d_]+", "", lowered) in CONTEXT_WORDS or len(set(lowered)) <= 2
            or lowered in "01234567890123456789" or lowered in "98765432109876543210"):
        raise DomainError("weak_password", _("This password is too easy to guess. Use a few unrelated words or "
                                             "a password manager."))


def authenticate(username: str, password: str) -> User:
    """Check a password through the sign-in throttle (govern/accounts/throttle.py).

    Unknown usernames, blocked accounts and wrong passwords get the same answer after the same work (a
    dummy hash). Raises :class:`throttle.Throttled` (429) before any check when this account and address,
    or this address, must wait; :class:`throttle.CodeRequired` when the account is under a burst of
    failures and this address has failed for it too, whatever the password. Throttle counters are
    committed on their own; the caller commits the rest (alerts, ``last_login_at``).
    """
    username = username.strip()
    attempt = throttle.Attempt(username).begin()
    user = db.session.scalar(select(User).where(User.username == username))
    live = user is not None and user.is_active
    if not check_password(user.password_hash if live else None, password):
        attempt.failed(user)
        if attempt.needs_code:
            raise throttle.CodeRequired()
        raise LoginFailed("invalid_credentials", _("Wrong username or password."))
    if attempt.needs_code:
        raise throttle.CodeRequired()
    attempt.succeeded()
    user.last_login_at = now()
    return user


def verify_password(user: User, password: str) -> bool:
    """Check a signed-in account's password (password change, key enrolment, re-authentication) through the
    same throttle as sign-in; raises :class:`throttle.Throttled` while this account and address must wait."""
    attempt = throttle.Attempt(user.username).begin()
    if not isinstance(password, str) or not check_password(user.password_hash, password):
        attempt.failed(user)
        return False
    attempt.succeeded()
    return True


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
    if not verify_password(user, old):
        raise DomainError("invalid_credentials", _("The current password is wrong."))
    validate_password(new, user.username)
    user.password_hash = hash_password(new)
    revoked = _end_access(user)
    log_action("account.password_changed", actor=user, obj=user, data={"tokens_revoked": revoked})


def reset_password(user: User, new: str) -> None:
    """Set a new password after a one-time code proved the phone or e-mail (otp.verify_code)."""
    validate_password(new, user.username)
    user.password_hash = hash_password(new)
    revoked = _end_access(user)
    log_action("account.password_reset", actor=user, obj=user, data={"tokens_revoked": revoked})


def _end_access(user: User) -> int:
    """End every session, remember-me cookie and API token of the account; return the tokens revoked.

    A leaked cookie or token must not outlive a password change.
    """
    user.end_sessions()
    revoked = 0
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now()
        revoked += 1
    return revoked


def set_blocked(user: User, blocked: bool, *, actor: User) -> None:
    """An administrator blocks (or unblocks) an account: a block ends its sessions and tokens at once."""
    if actor is not None and user.id == actor.id:
        raise Forbidden("own_account", _("You cannot block your own account."))
    if user.is_active_account == (not blocked):
        return
    user.is_active_account = not blocked
    revoked = _end_access(user) if blocked else 0
    log_action("account.block" if blocked else "account.unblock", actor=actor, obj=user,
           data={"user": user.username, "tokens_revoked": revoked})


# --- TOTP second factor ------------------------------------------------------------------------


def enable_totp(user: User, secret: str, code: str) -> None:
    if not otp.totp_eligible(user):
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    if not secret or not otp.check_totp(secret, code):
        raise DomainError("invalid_code", _("The code does not match. Check the time on your phone and try again."))
    user.totp_secret = secret
    user.totp_last_step = None
    otp.verify_totp(user, code)  # the enrolment code cannot be replayed at sign-in
    log_action("account.totp_enabled", actor=user, obj=user)


def remove_totp(user: User, *, actor: User) -> None:
    """An administrator removes a lost authenticator (after checking who asks, outside the app)."""
    if not user.totp_secret:
        return
    user.totp_secret = None
    user.totp_last_step = None
    user.end_sessions()
    log_action("account.totp_removed", actor=actor, obj=user, data={"user": user.username})


def disable_totp(user: User, password: str) -> None:
    if not verify_password(user, password):
        raise DomainError("invalid_credentials", _("The current password is wrong."))
    user.totp_secret = None
    user.totp_last_step = None
    log_action("account.totp_disabled", actor=user, obj=user)


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
    log_action("token.issue", actor=user, obj=row)
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
        log_action("token.revoke", actor=actor, obj=token)


# --- roles -------------------------------------------------------------------------------


#: Roles whose grant or revocation changes who may cast for a roll person (govern.register.signals).
CASTER_ROLES = frozenset({Role.OWNER, Role.DEVELOPER_REP})


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
    log_action(
        "role.grant",
        actor=actor,
        community=community,
        obj=grant,
        data={"user": user.username, "role": role.value},
    )
    if role in (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR):
        committee.on_committee_grant(grant, actor=actor)  # R30: the member's term starts
    forget_roles()
    if role in CASTER_ROLES and community is not None:
        owners_changed.send(grant_role, community_id=community.id, actor=actor)
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
    # A removed role ends the account's sessions: pages opened with the role must be signed into again.
    grant.user.end_sessions()
    db.session.flush()
    log_action("role.revoke", actor=actor, community=grant.community_id, obj=grant, data=data)
    forget_roles()
    if Role(grant.role) in CASTER_ROLES and grant.community_id is not None:
        owners_changed.send(revoke_role, community_id=grant.community_id, actor=actor)


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
    log_action(
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
    log_action(
        "owner.confirm",
        actor=actor,
        community=community,
        obj=claim,
        data={"user": claim.user.username, "owner": owner.ref, "unit": claim.unit.number},
    )
    forget_roles()
    owners_changed.send(confirm_claim, community_id=community.id, actor=actor)


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
    log_action(
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


# --- the register import respects claim codes and owner claims ------------------------------------


def _units_claimed(unit_ids: list[int]) -> set[int]:
    return set(db.session.scalars(select(OwnerClaim.unit_id).where(OwnerClaim.unit_id.in_(unit_ids)).distinct()))


def _drop_claim_codes(unit: Unit) -> None:
    for code in db.session.scalars(select(ClaimCode).where(ClaimCode.unit_id == unit.id)):
        db.session.delete(code)


def _owner_claimed(owner: Owner) -> bool:
    return db.session.scalar(select(OwnerClaim.id).where(OwnerClaim.owner_id == owner.id).limit(1)) is not None


register_dependent(RegisterDependent(units_in_use=_units_claimed, drop_unit=_drop_claim_codes,
                                     owner_in_use=_owner_claimed))
