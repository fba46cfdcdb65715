"""Forced TOTP (issue #15, item 3): with REQUIRE_TOTP a committee, property or street-office account without an
authenticator can only enrol one (pages redirect, the API answers 403); owners are not touched."""

from __future__ import annotations

import pyotp

from govern.accounts.models import User
from govern.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import Factory


def _login(client, username):
    resp = client.post("/login", data={"username": username, "password": TEST_PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return resp


def _token(client, username) -> dict:
    resp = client.post("/api/v1/tokens", json={"username": username, "password": TEST_PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def test_privileged_account_must_enrol_first(make_app):
    app = make_app(REQUIRE_TOTP=True)
    factory = Factory(app)
    cid = factory.community()
    factory.user("chair", roles=("committee_chair",), community=cid)
    factory.user("owner", community=cid, owner_ref="A")
    client = app.test_client()
    _login(client, "chair")
    resp = client.get("/profile")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/profile/totp")
    page = client.get("/profile/totp")
    assert page.status_code == 200
    api = client.get("/api/v1/proposals", headers=_token(app.test_client(), "chair"))
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "totp_enrolment_required"
    assert client.get("/api/v1/me", headers=_token(app.test_client(), "chair")).status_code == 200

    with client.session_transaction() as sess:
        secret = sess["totp_new"]
    done = client.post("/profile/totp", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User.totp_secret).where(User.username == "chair"))
    assert client.get("/profile").status_code == 200  # enrolled: the pages open

    owner = app.test_client()
    _login(owner, "owner")
    assert owner.get("/profile").status_code == 200


def test_off_by_default_outside_production(app, client, factory):
    cid = factory.community()
    factory.user("chair", roles=("committee_chair",), community=cid)
    assert app.config["REQUIRE_TOTP"] is False
    _login(client, "chair")
    assert client.get("/profile").status_code == 200
