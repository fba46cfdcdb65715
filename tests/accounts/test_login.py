"""Login, lockout, rate limiting, logout, security headers and CSRF."""

from __future__ import annotations

import re

import pytest

from govern.accounts import auth as auth_module
from tests.conftest import TEST_PASSWORD


def test_login_correct_password_logs_in(client, auth, factory):
    factory.user("ann")
    resp = auth.login("ann")
    assert resp.status_code == 302
    assert client.get("/profile").status_code == 200


def test_login_next_local_path_followed(client, factory):
    factory.user("ann")
    resp = client.post("/login?next=/profile", data={"username": "ann", "password": TEST_PASSWORD})
    assert resp.headers["Location"] == "/profile"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"])
def test_login_next_foreign_target_goes_home(client, factory, target):
    factory.user("ann")
    resp = client.post("/login", query_string={"next": target}, data={"username": "ann", "password": TEST_PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_login_wrong_password_refused_in_chinese(client, auth, factory):
    factory.user("ann")
    resp = auth.login("ann", "wrong-password")
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_login_unknown_user_same_answer(client, auth):
    resp = auth.login("nobody", "wrong-password")
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)


def test_register_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        client.post("/register", data={"c-code": "AAAA-BBBB-CCCC"})
    assert client.post("/register", data={"c-code": "AAAA-BBBB-CCCC"}).status_code == 429


def test_logout_ends_session(client, auth, factory):
    factory.user("ann")
    auth.login("ann")
    resp = auth.logout()
    assert resp.status_code == 302
    assert client.get("/profile").status_code == 302


def test_logout_get_not_allowed(client):
    assert client.get("/logout").status_code == 405


def test_password_hash_default_is_scrypt(app):
    with app.app_context():
        app.config.pop("PASSWORD_HASH_METHOD")
        hashed = auth_module.hash_password("a-long-enough-secret")
    assert hashed.startswith("scrypt:")
    assert auth_module.check_password(hashed, "a-long-enough-secret")
    assert not auth_module.check_password(hashed, "another-secret")
    assert not auth_module.check_password(None, "anything")


def test_security_headers_present(client):
    resp = client.get("/login")
    h = resp.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["Referrer-Policy"]


def test_session_cookie_httponly_samesite(client, factory):
    factory.user("ann")
    resp = client.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_csrf_enforced_when_enabled(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    from tests.factories import Factory

    Factory(app).user("ann")
    client = app.test_client()
    refused = client.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert refused.status_code == 400
    assert "表单已过期" in refused.get_data(as_text=True) or "过期" in refused.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post("/login", data={"username": "ann", "password": TEST_PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_logout_csrf_enforced_when_enabled(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    from tests.factories import Factory

    Factory(app).user("ann")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "ann", "password": TEST_PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200  # still logged in


def test_login_english_when_asked(client, factory):
    body = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in body
    assert "Log in" in client.get("/login").get_data(as_text=True)  # remembered in the session
