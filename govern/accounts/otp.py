"""One-time codes by SMS or e-mail (sign-in, password reset), TOTP second factor, and account alerts.

Codes: 6 digits from ``secrets``, stored only as HMAC-SHA256(SECRET_KEY, salt:code), single use (a
conditional UPDATE), valid ``OTP_VALID_MINUTES`` (10), at most ``OTP_MAX_TRIES`` (5) tries, a new code
replaces the earlier one. Requests are limited per phone / e-mail (one per ``OTP_RESEND_SECONDS``, at
most ``OTP_PER_TARGET_PER_HOUR``) and per address (``OTP_PER_ADDRESS_PER_HOUR``), whether or not the
phone or e-mail belongs to an account, and the answer is the same either way. Messages go out through
govern/delivery's channels (SMS provider or outbox, SMTP) in a job after commit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from govern import jobs
from govern.accounts import throttle
from govern.accounts.models import OneTimeCode, Role, RoleGrant, User
from govern.audit.services import log_action
from govern.clock import now
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Owner

PURPOSES = ("login", "reset")
CODE_RE = re.compile(r"^\d{6}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")
#: Roles whose accounts get a TOTP second factor (the committee, the property company, the street office).
TOTP_ROLES = (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR, Role.PREPARATORY, Role.PROPERTY_STAFF, Role.AUDITOR,
              Role.ADMIN)


@dataclass(frozen=True)
class Target:
    channel: str  # sms or email
    value: str  # the normalised phone number or e-mail address

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.channel}:{self.value}".encode()).hexdigest()


def bad_code_error() -> DomainError:
    return DomainError("invalid_code", _("The code is wrong or has expired. Request a new code and try again."),
                       status=401)


def parse_target(raw) -> Target:
    """A mainland mobile number (11 digits, +86 allowed) or an e-mail address; anything else is refused."""
    value = raw.strip() if isinstance(raw, str) else ""
    phone = re.sub(r"[\s-]", "", value)
    if phone.startswith("+86"):
        phone = phone[3:]
    if re.fullmatch(r"1\d{10}", phone):
        return Target("sms", phone)
    if EMAIL_RE.match(value) and len(value) <= 200:
        return Target("email", value.lower())
    raise DomainError("bad_target", _("Enter an 11-digit mobile number or an e-mail address."))


def throttle_name(raw) -> str:
    """The throttle's name for a phone / e-mail as typed: its normal form, so that "139 1234 5678",
    "+8613912345678" and "13912345678" share one counter."""
    try:
        target = parse_target(raw)
    except DomainError:
        return raw if isinstance(raw, str) else ""
    return f"{target.channel}:{target.value}"


def _account_for(target: Target) -> User | None:
    """The one active account with this phone / e-mail; None when there is none, or more than one."""
    col = User.phone if target.channel == "sms" else func.lower(User.email)
    users = db.session.scalars(
        select(User).where(col == target.value, User.is_active_account.is_(True)).limit(2)
    ).all()
    return users[0] if len(users) == 1 else None


def _digest(salt: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _retry(start, window: timedelta, moment) -> int:
    return math.ceil((start + window - moment).total_seconds())


def request_code(purpose: str, raw_target, *, address: str | None = None) -> Target:
    """Send a code to ``raw_target`` if it belongs to an account. Same effect on the caller either way.

    Raises :class:`throttle.Throttled` when the phone / e-mail or the address asked too often.
    """
    if purpose not in PURPOSES:
        raise DomainError("bad_purpose", _("Unknown purpose."))
    target = parse_target(raw_target)
    address = address if address is not None else throttle.client_address()
    cfg = current_app.config
    moment = now()
    if throttle.enabled():
        key = f"otp:{target.digest}"
        previous = throttle._rows([key]).get(key)
        resend = timedelta(seconds=cfg["OTP_RESEND_SECONDS"])
        if previous is not None and previous[2] + resend > moment:
            raise throttle.Throttled(_retry(previous[2], resend, moment))
        count, start = throttle._hit(f"otpaddr:{address}", timedelta(hours=1), moment)
        if count > cfg["OTP_PER_ADDRESS_PER_HOUR"]:
            raise throttle.Throttled(_retry(start, timedelta(hours=1), moment))
        count, start = throttle._hit(key, timedelta(hours=1), moment)
        if count > cfg["OTP_PER_TARGET_PER_HOUR"]:
            raise throttle.Throttled(_retry(start, timedelta(hours=1), moment))
    user = _account_for(target)
    if user is None:
        return target
    db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
        .values(used_at=moment)
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    row = OneTimeCode(user_id=user.id, purpose=purpose, channel=target.channel, target_digest=target.digest,
                      salt=salt, code_hash=_digest(salt, code), created_at=moment,
                      expires_at=moment + timedelta(minutes=cfg["OTP_VALID_MINUTES"]), requested_from=address)
    db.session.add(row)
    db.session.flush()
    minutes = cfg["OTP_VALID_MINUTES"]
    with force_locale(user.locale or cfg["BABEL_DEFAULT_LOCALE"]):
        if purpose == "login":
            text = _("govern: your sign-in code is %(code)s, valid for %(n)d minutes. If you did not ask for it, "
                     "ignore this message; never tell anyone the code.", code=code, n=minutes)
            subject = _("Your sign-in code")
        else:
            text = _("govern: your code to set a new password is %(code)s, valid for %(n)d minutes. If you did "
                     "not ask for it, ignore this message; never tell anyone the code.", code=code, n=minutes)
            subject = _("Your password reset code")
    _send(user, target.channel, target.value, subject, text)
    return target


def verify_code(purpose: str, raw_target, code) -> User:
    """The account the code was sent to, or :func:`bad_code_error` (the same for every kind of failure).

    The try is counted, and the code marked used, on their own connection with conditional UPDATEs: a
    rolled-back request still used them up, and two uses cannot both succeed. The caller checks everything
    else (a new password's strength) first.
    """
    try:
        target = parse_target(raw_target)
    except DomainError:
        raise bad_code_error() from None
    code = code.strip() if isinstance(code, str) else ""
    moment = now()
    row = db.session.scalar(
        select(OneTimeCode).where(
            OneTimeCode.target_digest == target.digest, OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > moment,
        ).order_by(OneTimeCode.id.desc()).limit(1)
    )
    if row is None:
        raise bad_code_error()
    max_tries = current_app.config["OTP_MAX_TRIES"]
    with db.engine.begin() as conn:
        counted = conn.execute(
            update(OneTimeCode.__table__)
            .where(OneTimeCode.__table__.c.id == row.id, OneTimeCode.__table__.c.attempts < max_tries)
            .values(attempts=OneTimeCode.__table__.c.attempts + 1)
        ).rowcount
    if counted != 1 or not CODE_RE.match(code) or not hmac.compare_digest(row.code_hash, _digest(row.salt, code)):
        raise bad_code_error()
    with db.engine.begin() as conn:
        used = conn.execute(
            update(OneTimeCode.__table__)
            .where(OneTimeCode.__table__.c.id == row.id, OneTimeCode.__table__.c.used_at.is_(None))
            .values(used_at=moment)
        ).rowcount
    if used != 1:
        raise bad_code_error()
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise bad_code_error()
    return user


# --- sending -------------------------------------------------------------------------------------------


def _community_id(user: User) -> int | None:
    """A community the account belongs to (the SMS outbox files messages per community)."""
    cid = db.session.scalar(
        select(RoleGrant.community_id).where(RoleGrant.user_id == user.id, RoleGrant.revoked_at.is_(None),
                                             RoleGrant.community_id.is_not(None)).order_by(RoleGrant.id).limit(1)
    )
    if cid is None:
        cid = db.session.scalar(select(Owner.community_id).where(Owner.user_id == user.id).limit(1))
    return cid


#: The job that sends one code or alert: ``(channel, address, subject, text, community_id)``. It lives in
#: govern.delivery (which sits above accounts and owns the channels) and is set from there when the app
#: is built (:func:`govern.delivery.jobs.init_app`).
_sender: Callable[[str, str, str, str, int], None] | None = None


def set_sender(func: Callable[[str, str, str, str, int], None]) -> None:
    global _sender
    _sender = func


def _send(user: User, channel: str, address: str, subject: str, text: str) -> None:
    if _sender is None:
        raise RuntimeError("no sender for one-time codes: govern.delivery is not set up")
    jobs.enqueue(_sender, channel, address, subject, text, _community_id(user) or 0, queue="mail")


@throttle.on_burst
def alert_burst(user: User, failures: int) -> None:
    """Tell the account's owner that many wrong passwords were tried (on every channel the account has)."""
    log_action("account.password_attack", actor=None, obj=user, data={"failures": failures})
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Many wrong passwords for your account")
        text = _("govern: someone tried many wrong passwords for your account %(user)s in the last minutes. "
                 "Your account is not locked. If it was not you, change your password; devices that failed "
                 "now need a one-time code to sign in.", user=user.username)
    if user.phone:
        _send(user, "sms", user.phone, subject, text)
    if user.email:
        _send(user, "email", user.email, subject, text)


# --- TOTP (second factor for the committee, the property company and the street office) ----------------


def totp_eligible(user: User) -> bool:
    return db.session.scalar(
        select(RoleGrant.id).where(RoleGrant.user_id == user.id, RoleGrant.revoked_at.is_(None),
                                   RoleGrant.role.in_(list(TOTP_ROLES))).limit(1)
    ) is not None


def new_totp_secret() -> str:
    import pyotp

    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="govern")


def totp_qr_svg(uri: str) -> str:
    import segno

    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")


def _totp_step(secret: str, code, moment) -> int | None:
    """The time step (±1 for clock drift) whose code equals ``code``, else None."""
    import pyotp

    code = code.strip().replace(" ", "") if isinstance(code, str) else ""
    if not CODE_RE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_totp(secret: str, code) -> bool:
    """For enrolment: the code matches the new secret."""
    return _totp_step(secret, code, now()) is not None


def verify_totp(user: User, code) -> bool:
    """The code is right and newer than the last one accepted (no replay); remembers its step."""
    if not user.totp_secret:
        return False
    step = _totp_step(user.totp_secret, code, now())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True
