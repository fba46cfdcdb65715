"""Sessions end (issue #15, item 2): logout, a password change, an administrator's block and a role removal end
every session and remember-me cookie of the account, copies included."""

from __future__ import annotations

from sqlalchemy import select

from govern.accounts.models import RoleGrant, User
from govern.extensions import db
from tests.accounts.conftest import audit_actions
from tests.conftest import TEST_PASSWORD


def _signed_in(app, username="ann", remember=False):
    client = app.test_client()
    data = {"username": username, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def _copy(app, client, *names):
    """A second browser holding copies of ``client``'s cookies ``names`` (a stolen cookie)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def test_session_cookie_copied_before_logout_is_refused_after(app, factory):
    factory.user("ann")
    client = _signed_in(app)
    thief = _copy(app, client, "session")
    assert thief.get("/profile").status_code == 200
    client.post("/logout")
    assert thief.get("/profile").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401


def test_logout_ends_the_other_devices_too(app, factory):
    factory.user("ann")
    phone, laptop = _signed_in(app), _signed_in(app)
    phone.post("/logout")
    assert laptop.get("/profile").status_code == 302
    assert _signed_in(app).get("/profile").status_code == 200  # signing in again works


def test_remember_me_cookie_copied_before_password_change_is_refused_after(app, factory):
    factory.user("ann")
    client = _signed_in(app, remember=True)
    thief = _copy(app, client, "remember_token")  # no session: Flask-Login restores it from the cookie
    assert thief.get("/profile").status_code == 200
    session_copy = _copy(app, client, "session")
    resp = client.post("/profile/password", data={"old": TEST_PASSWORD, "new": "brand-new-secret-1",
                                                   "confirm": "brand-new-secret-1"})
    assert resp.status_code == 302
    assert client.get("/profile").status_code == 200  # the device that changed it stays signed in
    assert app.test_client().get("/profile").status_code == 302
    fresh_thief = _copy(app, thief, "remember_token")
    assert fresh_thief.get("/profile").status_code == 302
    assert session_copy.get("/profile").status_code == 302


def test_block_ends_sessions_and_tokens(app, factory):
    factory.user("ann")
    factory.user("root", roles=("admin",))
    client = _signed_in(app)
    token = app.test_client().post("/api/v1/tokens", json={"username": "ann", "password": TEST_PASSWORD})
    bearer = {"Authorization": "Bearer " + token.get_json()["token"]}
    admin = _signed_in(app, "root")
    page = admin.get("/admin/accounts?q=ann")
    assert page.status_code == 200 and "停用" in page.get_data(as_text=True)
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == "ann"))
    assert admin.post(f"/admin/accounts/{uid}/block", data={"blocked": "y"}).status_code == 302
    assert client.get("/profile").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert app.test_client().post("/login", data={"username": "ann", "password": TEST_PASSWORD}).status_code == 401
    assert "account.block" in audit_actions(app)
    # Unblocking lets the owner sign in again (the old sessions stay ended).
    assert admin.post(f"/admin/accounts/{uid}/block", data={}).status_code == 302
    assert client.get("/profile").status_code == 302
    assert _signed_in(app).get("/profile").status_code == 200


def test_only_admins_block(app, factory):
    factory.user("ann")
    uid = factory.user("bob")
    client = _signed_in(app)
    assert client.get("/admin/accounts").status_code == 403
    assert client.post(f"/admin/accounts/{uid}/block", data={"blocked": "y"}).status_code == 403


def test_role_removal_ends_the_sessions(app, factory):
    cid = factory.community()
    factory.user("chair", roles=("admin",))
    factory.user("mia", roles=("committee_member",), community=cid)
    mia = _signed_in(app, "mia")
    assert mia.get("/profile").status_code == 200
    chair = _signed_in(app, "chair")
    with app.app_context():
        grant_id = db.session.scalar(select(RoleGrant.id).join(User, RoleGrant.user_id == User.id)
                                     .where(User.username == "mia"))
    assert chair.post(f"/c/garden/roles/{grant_id}/revoke").status_code == 302
    assert mia.get("/profile").status_code == 302
    assert chair.get("/profile").status_code == 200  # the one who removed it is not touched


def test_a_malformed_session_id_is_refused(app, factory):
    uid = factory.user("ann")
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(uid)  # the pre-generation format
        sess["_fresh"] = True
    assert client.get("/profile").status_code == 302
