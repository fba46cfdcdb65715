"""API: bearer tokens and the caller's identity."""

from __future__ import annotations

from flask import current_app, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from govern.accounts import otp, services, throttle
from govern.accounts.access import roles_of, user_communities
from govern.accounts.models import ApiToken
from govern.api import api_login_required, json_body, make_blueprint
from govern.errors import DomainError
from govern.extensions import db
from govern.web import keep_writes_on_refusal

bp = make_blueprint("accounts_api", __name__)


def _rfc3339(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _strings(data: dict, *names: str) -> list[str]:
    values = [data.get(n) for n in names]
    if not all(isinstance(v, str) and len(v) <= 200 for v in values):
        raise DomainError("bad_request", _("%(fields)s must be strings.", fields=", ".join(names)))
    return values


def _target_field(data: dict):
    """The "phone" or "email" a code goes to (exactly one of them)."""
    given = [k for k in ("phone", "email") if k in data]
    if len(given) != 1:
        raise DomainError("bad_request", _("Give either phone or email."))
    return _strings(data, given[0])[0]


@bp.post("/tokens")
def create_token():
    """A bearer token for ``{"username", "password"}`` or ``{"phone"|"email", "code"}`` (a one-time code from
    ``POST /otp``), plus ``"totp"`` for accounts with an authenticator: 201 {"token", "expires_at"}.

    Shares the sign-in throttle with the login page: 429 with Retry-After when this account and address must
    wait; 401 ``invalid_credentials`` / ``invalid_code`` / ``otp_required`` / ``totp_required``.
    """
    data = json_body()
    if "code" in data:
        target, code = _target_field(data), _strings(data, "code")[0]
        attempt = throttle.Attempt(otp.throttle_name(target)).begin()
        try:
            user = otp.verify_code("login", target, code)
        except DomainError:
            db.session.rollback()
            attempt.failed()
            raise
        attempt.succeeded()
    else:
        if "username" not in data or "password" not in data:
            raise DomainError("bad_request", _("Missing fields: %(fields)s", fields="username, password"))
        username, password = _strings(data, "username", "password")
        try:
            user = services.authenticate(username, password)
        except (services.LoginFailed, throttle.CodeRequired):
            keep_writes_on_refusal()  # the owner's alert, if this failure started a burst
            raise
    if user.totp_secret:
        totp = data.get("totp")
        if totp is None:
            keep_writes_on_refusal()  # what the password check wrote
            raise DomainError("totp_required", _("Enter the code from your authenticator app."), status=401)
        attempt = throttle.Attempt(user.username).begin()
        if not otp.verify_totp(user, totp):
            attempt.failed(user)
            keep_writes_on_refusal()  # the owner's alert, if this failure started a burst
            raise DomainError("invalid_totp", _("The code does not match. Check the time on your phone and try "
                                                "again."), status=401)
        attempt.succeeded()
    issued = services.issue_token(user)
    return jsonify({"token": issued.token, "expires_at": _rfc3339(issued.expires_at)}), 201


@bp.post("/otp")
def request_otp():
    """Send a 6-digit code for ``{"phone"|"email", "purpose": "login"|"reset"}``: 202, the same answer
    whether or not the phone or e-mail belongs to an account; 429 with Retry-After when asked too often."""
    data = json_body()
    target = _target_field(data)
    purpose = data.get("purpose", "login")
    if purpose not in otp.PURPOSES:
        raise DomainError("bad_request", _("purpose must be login or reset."))
    otp.request_code(purpose, target)
    minutes = current_app.config["OTP_VALID_MINUTES"]
    return jsonify({
        "sent": True,
        "expires_in": minutes * 60,
        "message": _("If this number or e-mail belongs to an account, a 6-digit code is on its way. It is valid "
                     "for %(n)d minutes.", n=minutes),
    }), 202


@bp.post("/password-reset")
def password_reset():
    """Set a new password with a reset code: ``{"phone"|"email", "code", "password"}`` → 204. Every session,
    remember-me cookie and token of the account ends."""
    data = json_body()
    target = _target_field(data)
    code, password = _strings(data, "code", "password")
    services.validate_password(password)  # before the code is used up
    attempt = throttle.Attempt(otp.throttle_name(target)).begin()
    try:
        user = otp.verify_code("reset", target, code)
    except DomainError:
        db.session.rollback()
        attempt.failed()
        raise
    attempt.succeeded()
    services.reset_password(user, password)
    return "", 204


@bp.delete("/tokens/current")
@api_login_required
def revoke_current_token():
    """Revoke the token this request was made with: 204."""
    token = db.session.get(ApiToken, g.api_token_id) if g.get("api_token_id") else None
    if token is None:
        raise DomainError("not_token_auth", _("This request was not made with a token."))
    services.revoke_token(token, actor=current_user)
    return "", 204


@bp.get("/me")
@api_login_required
def me():
    """The caller: username, name and roles per community."""
    return jsonify(
        {
            "id": current_user.id,
            "username": current_user.username,
            "name": current_user.name,
            "communities": [
                {
                    "id": c.id,
                    "slug": c.slug,
                    "name": c.name,
                    "roles": sorted(r.value for r in roles_of(current_user, c)),
                }
                for c in user_communities(current_user)
            ],
        }
    )
