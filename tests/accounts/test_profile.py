"""The profile page: roles, registrations, password, language, API tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govern.accounts.auth import check_password
from govern.accounts.models import ApiToken, User
from govern.extensions import db
from tests.accounts.conftest import audit_actions
from tests.conftest import TEST_PASSWORD


def test_profile_shows_roles_per_community(client, auth, factory, garden):
    factory.user("ann", roles=("committee_chair",), community=garden.community_id, owner_ref="C")
    auth.login("ann")
    body = client.get("/profile").get_data(as_text=True)
    assert "测试花园" in body and "业委会主任" in body and "业主" in body


def test_profile_anonymous_redirects_to_login(client):
    resp = client.get("/profile")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_change_password(app, client, auth, factory):
    factory.user("ann")
    auth.login("ann")
    resp = client.post("/profile/password", data={"old": TEST_PASSWORD, "new": "brand-new-secret-1",
                                                   "confirm": "brand-new-secret-1"}, follow_redirects=True)
    assert "密码已修改" in resp.get_data(as_text=True)
    with app.app_context():
        assert check_password(db.session.scalar(select(User.password_hash)), "brand-new-secret-1")
    assert "account.password_changed" in audit_actions(app)


def test_change_password_wrong_old_refused(app, client, auth, factory):
    factory.user("ann")
    auth.login("ann")
    resp = client.post("/profile/password", data={"old": "not-my-password", "new": "brand-new-secret-1",
                                                   "confirm": "brand-new-secret-1"}, follow_redirects=True)
    assert resp.status_code == 200 and "当前密码不正确" in resp.get_data(as_text=True)
    with app.app_context():
        assert check_password(db.session.scalar(select(User.password_hash)), TEST_PASSWORD)


def test_change_password_too_short_refused(app, client, auth, factory):
    factory.user("ann")
    auth.login("ann")
    client.post("/profile/password", data={"old": TEST_PASSWORD, "new": "short", "confirm": "short"})
    with app.app_context():
        assert check_password(db.session.scalar(select(User.password_hash)), TEST_PASSWORD)


def test_change_language_remembered(app, client, auth, factory):
    factory.user("ann")
    auth.login("ann")
    client.post("/profile/language", data={"locale": "en"})
    assert "My account" in client.get("/profile").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.locale)) == "en"
    auth.logout()
    client.get("/?lang=zh_CN")
    auth.login("ann")  # the account's language is restored at login
    assert "My account" in client.get("/profile").get_data(as_text=True)


def test_change_language_unknown_ignored(app, client, auth, factory):
    factory.user("ann")
    auth.login("ann")
    client.post("/profile/language", data={"locale": "xx"})
    with app.app_context():
        assert db.session.scalar(select(User.locale)) == ""


def test_profile_lists_and_revokes_tokens(app, client, auth, factory):
    factory.user("ann")
    token = client.post("/api/v1/tokens", json={"username": "ann", "password": TEST_PASSWORD}).get_json()["token"]
    auth.login("ann")
    body = client.get("/profile").get_data(as_text=True)
    assert "有效" in body and "撤销" in body
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 302
    assert "已撤销" in client.get("/profile").get_data(as_text=True)
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "token.revoke" in audit_actions(app)


def test_revoke_someone_elses_token_404(app, client, auth, factory):
    factory.user("ann")
    factory.user("bob")
    token = client.post("/api/v1/tokens", json={"username": "ann", "password": TEST_PASSWORD}).get_json()["token"]
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    auth.login("bob")
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_change_password_revokes_api_tokens(app, client, auth, factory):
    factory.user("ann")
    token = client.post("/api/v1/tokens", json={"username": "ann", "password": TEST_PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    auth.login("ann")
    client.post("/profile/password", data={"old": TEST_PASSWORD, "new": "brand-new-secret-1",
                                           "confirm": "brand-new-secret-1"})
    auth.logout()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(ApiToken.revoked_at)) is not None


@pytest.mark.parametrize("weak", ["govern2026!", "Wuye-123456", "1234567890", "aaaaaaaaaaaa", "13912345678"])
def test_easy_to_guess_passwords_are_refused(app, client, auth, factory, weak):
    factory.user("ann")
    auth.login("ann")
    resp = client.post("/profile/password", data={"old": TEST_PASSWORD, "new": weak, "confirm": weak},
                       follow_redirects=True)
    assert "太容易被猜到" in resp.get_data(as_text=True)
    with app.app_context():
        assert check_password(db.session.scalar(select(User.password_hash)), TEST_PASSWORD)
