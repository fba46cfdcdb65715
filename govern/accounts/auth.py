"""Session and bearer-token authentication, password hashing."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from flask import current_app, g, has_app_context
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from govern.accounts.models import ApiToken, User
from govern.api import is_bearer_api_request
from govern.clock import now
from govern.extensions import db

#: Werkzeug's scrypt (n=2**15, r=8, p=1): memory-hard, salted.
PASSWORD_METHOD = "scrypt"


def _method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_METHOD) if has_app_context() else PASSWORD_METHOD


@cache
def _dummy_hash(method: str) -> str:
    """A real hash of a random password, checked when the username is unknown so timing does not tell.

    Made on first use (not at import) with the configured method, so both paths cost the same.
    """
    return generate_password_hash(secrets.token_hex(8), method=method)


def hash_password(password: str) -> str:
    """Hash with scrypt; tests may set PASSWORD_HASH_METHOD to a cheaper method to run faster."""
    return generate_password_hash(password, method=_method())


def check_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash (unknown or locked account) spend the same time and say no."""
    if not password_hash:
        check_password_hash(_dummy_hash(_method()), password)
        return False
    return check_password_hash(password_hash, password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def init_login(login_manager) -> None:
    @login_manager.user_loader
    def _load_user(user_id: str):
        # "id.generation" (User.get_id): a session or remember-me cookie from an older generation (before a
        # logout, password change, block or role removal) is refused.
        uid, _, generation = user_id.partition(".")
        if not (uid.isdigit() and generation.isdigit()) or len(user_id) > 40:
            return None
        user = db.session.get(User, int(uid))
        if user is None or not user.is_active or (user.session_generation or 0) != int(generation):
            return None
        return user

    @login_manager.request_loader
    def _load_from_token(request):
        # Bearer tokens are for the JSON API only; pages use the session (and its CSRF protection).
        if not is_bearer_api_request(request):
            return None
        value = request.headers["Authorization"][7:]
        if not value.strip():
            return None
        # One prebuilt query for the live token and its active user: this runs on every API call (ballots
        # included), so it loads the user alone and the token's id, not the token object.
        params = {"digest": token_digest(value.strip()), "now": now()}
        row = db.session.execute(_token_user_statement(), params).first()
        if row is None:
            return None
        g.api_token_auth = True
        g.api_token_id = row[1]
        return row[0]


@cache
def _token_user_statement():
    return select(User, ApiToken.id).join(User, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"), User.is_active_account.is_(True),
    )
