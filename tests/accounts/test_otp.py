"""One-time codes (issue #15, item 3): sign-in and password reset by a 6-digit code through the SMS outbox and a
real local SMTP server; TOTP for committee, property and street-office accounts."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pyotp
import pytest
from sqlalchemy import func, select

from govern.accounts.auth import check_password
from govern.accounts.models import OneTimeCode, User
from govern.clock import now
from govern.delivery.models import SmsOutbox
from govern.extensions import db
from tests.accounts.conftest import audit_actions, count
from tests.conftest import TEST_PASSWORD
from tests.factories import Factory

PHONE = "13912345678"
SENT = "6 位验证码正在发送中"


def _sms_codes(app, phone=PHONE) -> list[str]:
    with app.app_context():
        texts = db.session.scalars(select(SmsOutbox.text).where(SmsOutbox.phone == phone).order_by(SmsOutbox.id))
        return [re.search(r"\b(\d{6})\b", t).group(1) for t in texts]


@pytest.fixture
def owner(app):
    factory = Factory(app)
    cid = factory.community()
    uid = factory.user("ann", roles=("owner",), community=cid)
    with app.app_context():
        user = db.session.get(User, uid)
        user.phone, user.email = PHONE, "ann@example.org"
        db.session.commit()
    return uid


@pytest.fixture
def later(monkeypatch):
    offset = [timedelta(0)]

    def moved():
        return now() + offset[0]

    for mod in ("throttle", "otp", "services"):
        monkeypatch.setattr(f"govern.accounts.{mod}.now", moved)

    def advance(seconds: float) -> None:
        offset[0] += timedelta(seconds=seconds)

    return advance


# --- SMS, pages -----------------------------------------------------------------------------------------


def test_sign_in_with_an_sms_code_on_the_page(app, client, owner):
    ask = client.post("/login/code", data={"r-target": "139 1234 5678"})
    assert ask.status_code == 200 and SENT in ask.get_data(as_text=True)
    assert 'value="139 1234 5678"' in ask.get_data(as_text=True)  # the next step keeps what was typed
    [code] = _sms_codes(app)
    with app.app_context():
        row = db.session.scalar(select(OneTimeCode))
        assert code not in (row.code_hash, row.salt) and len(row.code_hash) == 64  # hashed at rest
        assert row.expires_at - row.created_at <= timedelta(minutes=10)
    resp = client.post("/login/code", data={"target": "13912345678", "code": code})
    assert resp.status_code == 302
    assert client.get("/profile").status_code == 200
    # Single use.
    other = app.test_client()
    again = other.post("/login/code", data={"target": PHONE, "code": code})
    assert again.status_code == 401 and "验证码错误或已过期" in again.get_data(as_text=True)


def test_the_same_answer_for_an_unknown_number(app, client, owner):
    known = client.post("/login/code", data={"r-target": PHONE})
    unknown = app.test_client().post("/login/code", data={"r-target": "13800000000"})
    assert known.status_code == unknown.status_code == 200
    assert SENT in unknown.get_data(as_text=True)
    assert _sms_codes(app, "13800000000") == []
    assert count(app, SmsOutbox) == 1


def test_a_bad_number_is_a_clear_error_and_keeps_the_input(client):
    resp = client.post("/login/code", data={"r-target": "12ab"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请输入 11 位手机号码或电子邮箱地址" in body and 'value="12ab"' in body


def test_five_tries_at_most(app, client, owner):
    client.post("/login/code", data={"r-target": PHONE})
    [code] = _sms_codes(app)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for i in range(5):  # from five addresses, so that the pair throttle does not stop them first
        resp = app.test_client().post("/login/code", data={"target": PHONE, "code": wrong},
                                      environ_base={"REMOTE_ADDR": f"10.6.6.{i}"})
        assert resp.status_code == 401
    resp = client.post("/api/v1/tokens", json={"phone": PHONE, "code": code}, environ_base={"REMOTE_ADDR": "10.7.7.7"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_code"


def test_codes_expire_after_ten_minutes(app, client, owner, later):
    client.post("/login/code", data={"r-target": PHONE})
    [code] = _sms_codes(app)
    later(10 * 60 + 1)
    assert client.post("/login/code", data={"target": PHONE, "code": code}).status_code == 401


def test_a_new_code_replaces_the_old_one(app, client, owner, later):
    client.post("/login/code", data={"r-target": PHONE})
    later(61)
    client.post("/login/code", data={"r-target": PHONE})
    first, second = _sms_codes(app)
    assert client.post("/login/code", data={"target": PHONE, "code": first}).status_code == 401
    assert client.post("/login/code", data={"target": PHONE, "code": second}).status_code == 302


def test_code_requests_are_limited_per_phone_and_per_address(make_app, later):
    app = make_app(OTP_PER_ADDRESS_PER_HOUR=3)
    client = app.test_client()
    assert client.post("/api/v1/otp", json={"phone": PHONE}).status_code == 202
    again = client.post("/api/v1/otp", json={"phone": PHONE})  # within a minute
    assert again.status_code == 429 and 1 <= int(again.headers["Retry-After"]) <= 60
    for n in ("13800000001", "13800000002"):
        assert client.post("/api/v1/otp", json={"phone": n}).status_code == 202
    over = client.post("/api/v1/otp", json={"phone": "13800000003"})
    assert over.status_code == 429 and over.get_json()["error"]["code"] == "rate_limited"
    other = app.test_client().post("/api/v1/otp", json={"phone": "13800000003"},
                                   environ_base={"REMOTE_ADDR": "10.3.3.3"})
    assert other.status_code == 202


def test_per_phone_hourly_limit(app, owner, later):
    codes = []
    for i in range(6):
        resp = app.test_client().post("/api/v1/otp", json={"phone": PHONE},
                                      environ_base={"REMOTE_ADDR": f"10.4.4.{i}"})
        codes.append(resp.status_code)
        later(61)
    assert codes == [202] * 5 + [429]


# --- reset by e-mail through a real SMTP server -------------------------------------------------------


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def _mailed_code(inbox) -> str:
    body = inbox.messages[-1].get_body(("plain",)).get_content()
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_forgot_password_by_e_mail_end_to_end(make_app, smtp_server):
    port, inbox = smtp_server
    app = make_app(GOVERN_SMTP_HOST="127.0.0.1", GOVERN_SMTP_PORT=port, GOVERN_SMTP_TLS="none")
    factory = Factory(app)
    cid = factory.community()
    uid = factory.user("ann", roles=("owner",), community=cid)
    with app.app_context():
        db.session.get(User, uid).email = "Ann@Example.org"
        db.session.commit()
    old_session = app.test_client()
    old_session.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    client = app.test_client()
    page = client.get("/forgot")
    assert page.status_code == 200 and "忘记密码" in page.get_data(as_text=True)
    assert client.post("/forgot", data={"r-target": "ann@example.org"}).status_code == 200
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "ann@example.org"
    assert "重置密码验证码" in inbox.messages[0]["Subject"]
    code = _mailed_code(inbox)
    weak = client.post("/forgot", data={"target": "ann@example.org", "code": code, "new": "short", "confirm": "short"})
    assert weak.status_code == 400 and 'value="ann@example.org"' in weak.get_data(as_text=True)
    done = client.post("/forgot", data={"target": "ann@example.org", "code": code, "new": "a-brand-new-secret",
                                        "confirm": "a-brand-new-secret"})
    assert done.status_code == 302
    with app.app_context():
        assert check_password(db.session.get(User, uid).password_hash, "a-brand-new-secret")
    assert "account.password_reset" in audit_actions(app)
    assert old_session.get("/profile").status_code == 302  # every earlier session ended
    assert client.post("/login", data={"username": "ann", "password": "a-brand-new-secret"}).status_code == 302
    # Unknown address: the same answer, no e-mail.
    assert SENT in app.test_client().post("/forgot", data={"r-target": "nobody@example.org"}).get_data(as_text=True)
    assert len(inbox.messages) == 1


def test_otp_sign_in_by_e_mail_through_the_api(make_app, smtp_server):
    port, inbox = smtp_server
    app = make_app(GOVERN_SMTP_HOST="127.0.0.1", GOVERN_SMTP_PORT=port, GOVERN_SMTP_TLS="none")
    uid = Factory(app).user("ann")
    with app.app_context():
        db.session.get(User, uid).email = "ann@example.org"
        db.session.commit()
    client = app.test_client()
    resp = client.post("/api/v1/otp", json={"email": "ann@example.org", "purpose": "login"})
    assert resp.status_code == 202 and resp.get_json()["expires_in"] == 600
    token = client.post("/api/v1/tokens", json={"email": "ann@example.org", "code": _mailed_code(inbox)})
    assert token.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + token.get_json()["token"]})
    assert me.get_json()["username"] == "ann"


# --- API with the SMS outbox ----------------------------------------------------------------------------


def test_api_sign_in_and_reset_by_sms(app, client, owner, later):
    unknown = client.post("/api/v1/otp", json={"phone": "13800000000"}).get_json()
    known = app.test_client().post("/api/v1/otp", json={"phone": PHONE}, environ_base={"REMOTE_ADDR": "10.5.5.5"})
    assert known.get_json() == unknown
    [code] = _sms_codes(app)
    resp = client.post("/api/v1/tokens", json={"phone": PHONE, "code": code})
    assert resp.status_code == 201 and resp.get_json()["token"].startswith("gv_")
    # Reset: the code for "login" does not reset; a reset code does.
    later(61)
    assert app.test_client().post("/api/v1/otp", json={"phone": PHONE, "purpose": "reset"},
                                  environ_base={"REMOTE_ADDR": "10.5.5.6"}).status_code == 202
    reset_code = _sms_codes(app)[-1]
    bad = client.post("/api/v1/password-reset", json={"phone": PHONE, "code": reset_code, "password": "short"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "weak_password"
    ok = client.post("/api/v1/password-reset", json={"phone": PHONE, "code": reset_code,
                                                     "password": "a-brand-new-secret"})
    assert ok.status_code == 204
    # The token issued before the reset is revoked.
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + resp.get_json()["token"]}).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "ann", "password": "a-brand-new-secret"}).status_code == 201


@pytest.mark.parametrize("body", [
    {"phone": PHONE, "email": "a@b.cn"}, {}, {"phone": 13912345678}, {"phone": ["x"]},
    {"phone": PHONE, "purpose": "other"}, {"phone": "x" * 500},
])
def test_api_otp_bad_input_is_400(client, body):
    resp = client.post("/api/v1/otp", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] in ("bad_request", "bad_target")


def test_api_token_with_a_wrong_code_is_401(client, owner):
    resp = client.post("/api/v1/tokens", json={"phone": PHONE, "code": "000000"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_code"
    assert client.post("/api/v1/tokens", json={"phone": PHONE, "code": 123456}).status_code == 400


# --- TOTP -------------------------------------------------------------------------------------------------


def _enrol(app, client) -> str:
    page = client.get("/profile/totp")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in body
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', body).group(1)
    wrong = client.post("/profile/totp", data={"code": "000000"})
    assert wrong.status_code == 400
    assert client.post("/profile/totp", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    return secret


def test_totp_enrolment_and_sign_in(app, client, factory):
    cid = factory.community()
    factory.user("mia", roles=("committee_member",), community=cid)
    client.post("/login", data={"username": "mia", "password": TEST_PASSWORD})
    assert "身份验证器" in client.get("/profile").get_data(as_text=True)
    secret = _enrol(app, client)
    assert "account.totp_enabled" in audit_actions(app)
    # Sign-in now asks for the code.
    fresh = app.test_client()
    step1 = fresh.post("/login", data={"username": "mia", "password": TEST_PASSWORD})
    assert step1.headers["Location"] == "/login/totp"
    assert fresh.get("/profile").status_code == 302  # not signed in yet
    assert fresh.post("/login/totp", data={"code": "123456"}).status_code == 401
    totp = pyotp.TOTP(secret)
    code = totp.at(now() + timedelta(seconds=30))  # the next step: the enrolment used this one
    assert fresh.post("/login/totp", data={"code": code}).status_code == 302
    assert fresh.get("/profile").status_code == 200
    # The same code cannot be replayed.
    replay = app.test_client()
    replay.post("/login", data={"username": "mia", "password": TEST_PASSWORD})
    assert replay.post("/login/totp", data={"code": code}).status_code == 401


def test_totp_is_required_by_the_api(app, client, factory):
    cid = factory.community()
    factory.user("mia", roles=("property_staff",), community=cid)
    client.post("/login", data={"username": "mia", "password": TEST_PASSWORD})
    secret = _enrol(app, client)
    api = app.test_client()
    missing = api.post("/api/v1/tokens", json={"username": "mia", "password": TEST_PASSWORD})
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "totp_required"
    code = pyotp.TOTP(secret).at(now() + timedelta(seconds=30))
    ok = api.post("/api/v1/tokens", json={"username": "mia", "password": TEST_PASSWORD, "totp": code})
    assert ok.status_code == 201


def test_owners_are_not_offered_totp(client, factory, owner):
    client.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert client.get("/profile/totp").status_code == 403


def test_totp_can_be_removed_with_the_password(app, client, factory):
    cid = factory.community()
    factory.user("mia", roles=("auditor",), community=cid)
    client.post("/login", data={"username": "mia", "password": TEST_PASSWORD})
    _enrol(app, client)
    client.post("/profile/totp/disable", data={"password": "not-the-password"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.totp_secret.is_not(None))) == 1
    assert client.post("/profile/totp/disable", data={"password": TEST_PASSWORD}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.totp_secret.is_not(None))) == 0


def test_an_admin_removes_a_lost_authenticator(app, client, factory):
    cid = factory.community()
    uid = factory.user("mia", roles=("committee_chair",), community=cid)
    factory.user("root", roles=("admin",))
    client.post("/login", data={"username": "mia", "password": TEST_PASSWORD})
    _enrol(app, client)
    admin = app.test_client()
    admin.post("/login", data={"username": "root", "password": TEST_PASSWORD})
    assert "移除身份验证器" in admin.get("/admin/accounts?q=mia").get_data(as_text=True)
    assert admin.post(f"/admin/accounts/{uid}/totp-reset").status_code == 302
    assert "account.totp_removed" in audit_actions(app)
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "mia", "password": TEST_PASSWORD}).headers["Location"] == "/"


def test_spelling_a_number_differently_does_not_escape_the_throttle(app, client, owner):
    client.post("/login/code", data={"r-target": PHONE})
    [code] = _sms_codes(app)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    spellings = ["13912345678", "139 1234 5678", "+8613912345678", "139-1234-5678", "+86 139 1234 5678"]
    answers = [client.post("/login/code", data={"target": s, "code": wrong}).status_code for s in spellings]
    assert answers == [401, 401, 401, 401, 429]
