"""API tokens: issue, use, revoke, expire; JSON errors."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from govern.accounts.models import ApiToken
from govern.clock import now
from govern.extensions import db
from tests.accounts.conftest import audit_actions
from tests.conftest import TEST_PASSWORD

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _token(client, username="ann", password=TEST_PASSWORD) -> str:
    resp = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["token"]


def _error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.is_json
    err = resp.get_json()["error"]
    assert set(err) >= {"code", "message"} and err["message"]
    if code:
        assert err["code"] == code
    return err


def test_token_issue_201_with_rfc3339_expiry(app, client, factory):
    factory.user("ann")
    resp = client.post("/api/v1/tokens", json={"username": "ann", "password": TEST_PASSWORD})
    assert resp.status_code == 201
    body = resp.get_json()
    assert set(body) == {"token", "expires_at"} and len(body["token"]) > 30
    assert RFC3339.match(body["expires_at"])
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=app.config["API_TOKEN_DAYS"] - 1) < expires - now() <= timedelta(
        days=app.config["API_TOKEN_DAYS"]
    )
    assert "token.issue" in audit_actions(app)
    with app.app_context():  # only the hash is stored
        assert db.session.scalar(select(ApiToken.token_hash)) != body["token"]


def test_token_wrong_password_401_json(client, factory):
    factory.user("ann")
    _error(client.post("/api/v1/tokens", json={"username": "ann", "password": "nope-nope-nope"}), 401,
           "invalid_credentials")


def test_token_missing_fields_400_json(client):
    err = _error(client.post("/api/v1/tokens", json={"username": "ann"}), 400, "bad_request")
    assert "password" in err["message"]


def test_token_non_json_400(client):
    _error(client.post("/api/v1/tokens", data="username=ann&password=x",
                       content_type="application/x-www-form-urlencoded"), 400, "bad_request")
    _error(client.post("/api/v1/tokens", data="{not json", content_type="application/json"), 400)
    _error(client.post("/api/v1/tokens", json=["ann", "x"]), 400)
    _error(client.post("/api/v1/tokens", json={"username": 1, "password": 2}), 400)


def test_me_with_bearer_token(app, client, factory):
    cid = factory.community()
    factory.user("ann", roles=("committee_member",), community=cid, owner_ref="A")
    token = _token(client)
    resp = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["username"] == "ann"
    assert body["communities"] == [
        {"id": cid, "slug": "garden", "name": "测试花园", "roles": ["committee_member", "owner"]}
    ]


def test_me_without_token_401_json(client):
    _error(client.get("/api/v1/me"), 401, "unauthorized")
    _error(client.get("/api/v1/me", headers={"Authorization": "Bearer gv_not-a-real-token"}), 401)
    _error(client.get("/api/v1/me", headers={"Authorization": "Basic YW5uOng="}), 401)


def test_revoke_current_token_then_refused(app, client, factory):
    factory.user("ann")
    token = _token(client)
    other = _token(client)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    _error(api.get("/api/v1/me", headers=headers), 401)
    _error(api.delete("/api/v1/tokens/current", headers=headers), 401)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert "token.revoke" in audit_actions(app)


def test_expired_token_refused(app, client, factory):
    factory.user("ann")
    token = _token(client)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        row.expires_at = now() - timedelta(seconds=1)
        db.session.commit()
    _error(app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_token_of_deactivated_user_refused(app, client, factory):
    from govern.accounts.models import User

    factory.user("ann")
    token = _token(client)
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "ann")).is_active_account = False
        db.session.commit()
    _error(app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_bearer_token_not_accepted_on_pages(app, client, factory):
    factory.user("ann")
    token = _token(client)
    resp = app.test_client().get("/profile", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_session_api_write_without_csrf_header_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    from tests.factories import Factory

    Factory(app).user("ann")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "ann", "password": TEST_PASSWORD, "csrf_token": csrf})
    assert client.get("/api/v1/me").status_code == 200  # reads work with the session
    _error(client.delete("/api/v1/tokens/current"), 400, "csrf")
    # With the header the CSRF check passes; the call then fails because it was not made with a token.
    _error(client.delete("/api/v1/tokens/current", headers={"X-CSRFToken": csrf}), 400, "not_token_auth")


def test_bearer_api_write_needs_no_csrf_when_enabled(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    from tests.factories import Factory

    Factory(app).user("ann")
    client = app.test_client()
    token = _token(client)
    assert client.delete("/api/v1/tokens/current", headers={"Authorization": f"Bearer {token}"}).status_code == 204


def test_api_unknown_path_404_json(client):
    _error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_api_wrong_method_405_json(client):
    _error(client.get("/api/v1/tokens"), 405, "method_not_allowed")


def test_api_errors_in_english_when_asked(client, factory):
    factory.user("ann")
    err = _error(client.post("/api/v1/tokens?lang=en", json={"username": "ann", "password": "bad-bad-bad"}), 401)
    assert err["message"] == "Wrong username or password."


def test_api_forbidden_and_domain_errors_are_json(make_app):
    from flask import abort

    from govern.errors import Forbidden

    app = make_app()

    def forbidden_domain():
        raise Forbidden("forbidden", "no")

    app.add_url_rule("/api/v1/_test/abort403", "t403", lambda: abort(403))
    app.add_url_rule("/api/v1/_test/domain403", "d403", forbidden_domain)
    client = app.test_client()
    _error(client.get("/api/v1/_test/abort403"), 403, "forbidden")
    _error(client.get("/api/v1/_test/domain403"), 403, "forbidden")


def test_openapi_documents_every_accounts_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("accounts_api."):
            path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in spec["paths"].get(path, {}), (method, path)
    assert spec["paths"]["/otp"]["post"]["responses"]["429"] == {"$ref": "#/components/responses/RateLimited"}
    assert "Retry-After" in spec["components"]["responses"]["RateLimited"]["headers"]
