"""API: bearer tokens and the caller's identity."""

from __future__ import annotations

from flask import current_app, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from govern import jobs
from govern.accounts import services
from govern.accounts.access import roles_of, user_communities
from govern.accounts.models import ApiToken
from govern.api import api_login_required, json_body, make_blueprint
from govern.errors import DomainError
from govern.extensions import db, limiter

bp = make_blueprint("accounts_api", __name__)


def _rfc3339(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def create_token():
    """Exchange a username and password for a bearer token: 201 {"token", "expires_at"}."""
    data = json_body(required=("username", "password"), types={"username": str, "password": str})
    username, password = data["username"], data["password"]
    if not isinstance(username, str) or not isinstance(password, str):
        raise DomainError("bad_request", _("username and password must be strings."))
    try:
        user = services.authenticate(username, password)
    except services.LoginFailed:
        jobs.commit()  # keep the failure count
        raise
    issued = services.issue_token(user)
    jobs.commit()
    return jsonify({"token": issued.token, "expires_at": _rfc3339(issued.expires_at)}), 201


@bp.delete("/tokens/current")
@api_login_required
def revoke_current_token():
    """Revoke the token this request was made with: 204."""
    token = db.session.get(ApiToken, g.api_token_id) if g.get("api_token_id") else None
    if token is None:
        raise DomainError("not_token_auth", _("This request was not made with a token."))
    services.revoke_token(token, actor=current_user)
    jobs.commit()
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
