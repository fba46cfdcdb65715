"""The sign-in throttle (issue #15, item 1): per (account, address) pair with growing waits, a per-address
ceiling high enough for a NAT, alerts on bursts, the same answer for unknown users, trusted proxies only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.accounts.models import AuthThrottle, User
from govern.accounts.proxies import TrustedProxies, parse_networks
from govern.clock import now
from govern.delivery.models import SmsOutbox
from govern.extensions import db
from tests.accounts.conftest import audit_actions, count
from tests.conftest import TEST_PASSWORD


def _from(addr: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": addr}}


def _login(client, username, password=TEST_PASSWORD, addr="127.0.0.1", **headers):
    return client.post("/login", data={"username": username, "password": password}, headers=headers, **_from(addr))


def _token(client, username, password=TEST_PASSWORD, addr="127.0.0.1", **headers):
    return client.post("/api/v1/tokens", json={"username": username, "password": password}, headers=headers,
                       **_from(addr))


@pytest.fixture
def later(monkeypatch):
    """Move the throttle's clock forward: ``later(seconds)``."""
    offset = [timedelta(0)]

    def moved():
        return now() + offset[0]

    monkeypatch.setattr("govern.accounts.throttle.now", moved)
    monkeypatch.setattr("govern.accounts.services.now", moved)

    def advance(seconds: float) -> None:
        offset[0] += timedelta(seconds=seconds)

    return advance


def test_forty_sign_ins_in_a_minute_from_one_address(app, factory):
    """A whole community behind one carrier NAT: 40 owners sign in on the page and get 40 tokens."""
    for i in range(40):
        factory.user(f"owner{i:02d}")
    for i in range(40):
        client = app.test_client()
        resp = _login(client, f"owner{i:02d}", addr="100.64.0.1")
        assert resp.status_code == 302, i
        assert client.get("/profile", **_from("100.64.0.1")).status_code == 200
    for i in range(40):
        assert _token(app.test_client(), f"owner{i:02d}", addr="100.64.0.1").status_code == 201, i


def test_wrong_passwords_from_another_address_never_block_the_owner(app, client, factory):
    factory.user("ann")
    answers = [_login(app.test_client(), "ann", f"guess-{i}", addr="127.0.0.2").status_code for i in range(20)]
    assert answers[:3] == [401, 401, 401] and answers[3] == 401 and 429 in answers
    api = [_token(app.test_client(), "ann", "guess-x", addr="127.0.0.2").status_code for _ in range(3)]
    assert api == [429, 429, 429]
    # The owner, on her own phone, signs in at once, on the page and through the API.
    assert _login(client, "ann", addr="127.0.0.1").status_code == 302
    assert _token(app.test_client(), "ann", addr="127.0.0.1").status_code == 201


def test_pair_waits_grow_and_are_answered_at_once(app, client, factory, later):
    factory.user("ann")
    for _ in range(3):  # the first failures are free
        assert _login(client, "ann", "wrong-password").status_code == 401
    assert _login(client, "ann", "wrong-password").status_code == 401  # the 4th failure starts a wait
    refused = _login(client, "ann", TEST_PASSWORD)  # even the right password waits: this pair is guessing
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert "请等待 5 秒" in refused.get_data(as_text=True)
    later(6)
    assert _login(client, "ann", "wrong-password").status_code == 401
    assert _token(client, "ann", "wrong-password").headers["Retry-After"] == "10"  # the API shares the pair
    later(11)
    assert _login(client, "ann", "wrong-password").status_code == 401
    body = _token(client, "ann", "wrong").get_json()
    assert body["error"]["code"] == "rate_limited" and body["error"]["details"]["retry_after"] == 20
    later(21)
    assert _login(client, "ann").status_code == 302  # a success clears the pair
    with app.app_context():
        assert db.session.scalar(select(AuthThrottle).where(AuthThrottle.key.like("pair:%"))) is None


def test_unknown_user_and_wrong_password_get_the_same_answer(app, factory):
    factory.user("ann")
    known = [_login(app.test_client(), "ann", "wrong-password", addr="10.1.1.1") for _ in range(5)]
    unknown = [_login(app.test_client(), "nobody", "wrong-password", addr="10.1.1.1") for _ in range(5)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401, 401, 401, 401, 429]

    def text(r):
        return re.sub(r'name="csrf_token"[^>]*|(value|content)="[^"]*"', "", r.get_data(as_text=True))

    assert text(known[0]).replace("ann", "X") == text(unknown[0]).replace("nobody", "X")
    assert "用户名或密码错误" in text(known[0]) and "锁定" not in text(known[0])
    k = _token(app.test_client(), "ann", "wrong-password", addr="10.1.1.2").get_json()
    u = _token(app.test_client(), "nobody", "wrong-password", addr="10.1.1.2").get_json()
    assert k == u and k["error"]["code"] == "invalid_credentials"


def test_blocked_account_gets_the_wrong_password_answer(app, factory):
    factory.user("ann")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "ann")).is_active_account = False
        db.session.commit()
    assert _token(app.test_client(), "ann").get_json()["error"]["code"] == "invalid_credentials"


def test_address_ceiling_is_a_429_with_retry_after(make_app, factory):
    app = make_app(AUTH_ADDRESS_PER_MINUTE=5)
    for i in range(5):
        assert _token(app.test_client(), f"x{i}", "y", addr="10.9.9.9").status_code == 401
    resp = _token(app.test_client(), "x", "y", addr="10.9.9.9")
    assert resp.status_code == 429 and 1 <= int(resp.headers["Retry-After"]) <= 60
    assert _login(app.test_client(), "x", "y", addr="10.9.9.9").status_code == 429
    assert _token(app.test_client(), "x", "y", addr="10.9.9.8").status_code == 401  # others are not touched


def test_default_ceiling_is_documented_and_above_a_nat(app):
    assert app.config["AUTH_ADDRESS_PER_MINUTE"] >= 200


def test_burst_alerts_the_owner_and_asks_failed_addresses_for_a_code(make_app):
    app = make_app(AUTH_ACCOUNT_BURST=6)
    from tests.factories import Factory

    factory = Factory(app)
    cid = factory.community()
    uid = factory.user("ann", roles=("owner",), community=cid)
    with app.app_context():
        db.session.get(User, uid).phone = "13900000001"
        db.session.commit()
    for i in range(6):  # six addresses, one wrong password each
        assert _login(app.test_client(), "ann", "wrong-password", addr=f"198.51.100.{i}").status_code == 401
    assert "account.password_attack" in audit_actions(app)
    assert count(app, SmsOutbox, SmsOutbox.phone == "13900000001") == 1
    # An address that failed must use a code now, whatever the password; the answer does not tell which.
    for password in (TEST_PASSWORD, "wrong-password"):
        resp = _login(app.test_client(), "ann", password, addr="198.51.100.1")
        assert resp.status_code == 401 and "一次性验证码" in resp.get_data(as_text=True)
    err = _token(app.test_client(), "ann", addr="198.51.100.2").get_json()["error"]
    assert err["code"] == "otp_required"
    # The owner's own device, which never failed, signs in with the right password.
    assert _login(app.test_client(), "ann", addr="192.0.2.77").status_code == 302
    # One alert per burst.
    _login(app.test_client(), "ann", "wrong-password", addr="198.51.100.9")
    assert count(app, SmsOutbox, SmsOutbox.phone == "13900000001") == 1


def test_password_change_shares_the_throttle(app, client, auth, factory):
    factory.user("ann")
    auth.login("ann")
    codes = [client.post("/profile/password", data={"old": f"not-it-{i}", "new": "brand-new-secret-1",
                                                     "confirm": "brand-new-secret-1"}).status_code for i in range(5)]
    assert codes[-1] == 429


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(make_app, factory):
    app = make_app()
    from tests.factories import Factory

    Factory(app).user("ann")
    # Not trusted: a client cannot pick a fresh address per guess.
    for i in range(4):
        _login(app.test_client(), "ann", "wrong-password", addr="10.0.0.5", **{"X-Forwarded-For": f"1.2.3.{i}"})
    assert _login(app.test_client(), "ann", addr="10.0.0.5", **{"X-Forwarded-For": "1.2.3.99"}).status_code == 429


def test_trusted_proxy_forwarded_for_keys_the_client(make_app):
    app = make_app(TRUSTED_PROXIES="10.0.0.0/8")
    from tests.factories import Factory

    Factory(app).user("ann")
    for _ in range(4):
        _login(app.test_client(), "ann", "wrong-password", addr="10.0.0.5", **{"X-Forwarded-For": "203.0.113.9"})
    blocked = _login(app.test_client(), "ann", addr="10.0.0.5", **{"X-Forwarded-For": "203.0.113.9"})
    assert blocked.status_code == 429
    ok = _login(app.test_client(), "ann", addr="10.0.0.5", **{"X-Forwarded-For": "6.6.6.6, 203.0.113.10"})
    assert ok.status_code == 302  # the client is the first untrusted hop from the right, not the spoofed left


def test_trusted_proxies_walk_from_the_right():
    mw = TrustedProxies(None, parse_networks("127.0.0.1, 10.0.0.0/8"))
    assert mw.client_of("127.0.0.1", "203.0.113.5, 10.1.2.3") == "203.0.113.5"
    assert mw.client_of("127.0.0.1", "evil, 203.0.113.5") == "203.0.113.5"
    assert mw.client_of("192.0.2.1", "203.0.113.5") == "192.0.2.1"
    assert mw.client_of("127.0.0.1", "") == "127.0.0.1"
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/8, not-an-address")


def test_key_enrolment_password_shares_the_throttle(app, factory):
    """POST /api/v1/keys asks for the password: a token holder cannot guess it without limit."""
    factory.user("ann")
    client = app.test_client()
    token = _token(client, "ann").get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    public = "A" * 43
    answers = [client.post("/api/v1/keys", json={"public_key": public, "password": f"guess-{i}"},
                           headers=auth).status_code for i in range(6)]
    assert answers[:4] == [401] * 4 and answers[4:] == [429, 429]
    # The login of the same account from the same address waits too (one throttle).
    assert _login(app.test_client(), "ann").status_code == 429


def test_forty_demo_owners_get_tokens_from_one_address(app, runner):
    """Issue #15, done when: 40 demo owners get tokens from one address within a minute."""
    from govern.demo import DEMO_PASSWORD, OWNER_ACCOUNTS

    assert runner.invoke(args=["demo"]).exit_code == 0
    assert OWNER_ACCOUNTS >= 40
    started = now()
    for i in range(1, 41):
        resp = _token(app.test_client(), f"owner{i:03d}", DEMO_PASSWORD, addr="100.64.1.1")
        assert resp.status_code == 201, (i, resp.get_json())
    assert now() - started < timedelta(minutes=1)
