"""Shared plumbing of the JSON API under /api/v1: authentication, JSON bodies, errors.

A caller authenticates with ``Authorization: Bearer <token>`` (third-party front ends,
tests) or with the browser session. A cookie-authenticated call that changes state must
carry the page's CSRF token in ``X-CSRFToken``; a bearer call needs none.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import BadRequest

from govern.core.signed import format_time
from govern.errors import DomainError
from govern.extensions import csrf
from govern.inputs import field

API_PREFIX = "/api/v1"


def is_bearer_api_request(req) -> bool:
    """An /api/ call that presents a bearer token: it authenticates by the token alone."""
    return req.path.startswith(API_PREFIX + "/") and req.headers.get("Authorization", "")[:7].lower() == "bearer "


class ApiSessionInterface(SecureCookieSessionInterface):
    """The cookie session, except for bearer-token API calls, which neither read nor write it.

    Such a call is authenticated by its token (``govern.accounts.auth``), so decoding and verifying the
    session cookie, and re-signing it or adding ``Vary: Cookie``, is work it does not need (and a session
    cookie that travels with it no longer outranks its token). It gets a fresh, empty session that is never
    saved: a view that writes to it changes nothing.
    """

    def open_session(self, app, request):
        if is_bearer_api_request(request):
            return SecureCookieSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if is_bearer_api_request(request):
            return
        super().save_session(app, session, response)


def api_time(moment) -> str | None:
    """A time in an API answer: RFC 3339 UTC (``govern.core.signed.format_time``), ``None`` for no time."""
    return format_time(moment) if moment else None


def make_blueprint(name: str, import_name: str) -> Blueprint:
    """A feature's API blueprint, mounted under /api/v1 and exempt from form CSRF."""
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    csrf.exempt(bp)
    return bp


def api_login_required(view):
    """Require an authenticated caller; 401 JSON otherwise. Cookie callers need CSRF on writes."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise DomainError("unauthorized", _("Please log in first."), status=401)
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and not g.get("api_token_auth")
            and current_app.config.get("WTF_CSRF_ENABLED", True)
        ):
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except (CSRFError, Exception) as exc:  # validate_csrf raises ValidationError
                raise DomainError("csrf", _("Missing or invalid CSRF token."), status=400) from exc
        return view(*args, **kwargs)

    return wrapper


def parsed_json():
    """The request's JSON (any mimetype), ``None`` when absent or malformed; ``BadInput`` (400) when hostile.

    Depth, number and text limits are enforced by ``govern.inputs.GovernJSONProvider``.
    """
    try:
        return request.get_json(force=True, silent=False)
    except BadRequest as exc:
        cause = exc.__context__
        while cause is not None and not isinstance(cause, DomainError):
            cause = cause.__context__  # Flask wraps Werkzeug's BadRequest, which wraps the parser's error
        if cause is not None:
            raise cause from None
        return None


def json_body(required: tuple[str, ...] = (), types: dict[str, type | tuple[type, ...]] | None = None) -> dict:
    """The request's JSON object, or a 400 ``bad_request`` naming what is wrong.

    ``types`` maps each field the endpoint reads to its JSON type (``govern.inputs.field``): a present,
    non-null value of another type is refused naming the field.
    """
    data = parsed_json()
    if not isinstance(data, dict):
        raise DomainError("bad_request", _("The request body must be a JSON object."), status=400)
    missing = [k for k in required if k not in data]
    if missing:
        raise DomainError(
            "bad_request", _("Missing fields: %(fields)s", fields=", ".join(missing)), status=400
        )
    for name, kind in (types or {}).items():
        field(data, name, kind)
    return data
