"""The new sign-in pages in Chromium on a phone-sized screen (390×844): code sign-in, forgotten password, TOTP.

Screenshots go to ``$GOVERN_SCREENSHOTS`` when it is set (to look at them), else to the test's tmp dir.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from govern.accounts.models import User
from govern.delivery.models import SmsOutbox
from govern.extensions import db
from tests.browser.conftest import live_server, page  # noqa: F401 (fixtures)
from tests.conftest import TEST_PASSWORD
from tests.factories import Factory

pytestmark = pytest.mark.browser

PHONE = "13912345678"


def _shot(page, tmp_path, name: str) -> None:  # noqa: F811
    folder = Path(os.environ.get("GOVERN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name


def _last_code(app) -> str:
    with app.app_context():
        text = db.session.scalar(select(SmsOutbox.text).order_by(SmsOutbox.id.desc()).limit(1))
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_code_sign_in_and_reset_on_a_phone(app, live_server, page, tmp_path):  # noqa: F811
    factory = Factory(app)
    cid = factory.community()
    uid = factory.user("ann", roles=("owner",), community=cid)
    with app.app_context():
        db.session.get(User, uid).phone = PHONE
        db.session.commit()
    page.goto(f"{live_server}/login")
    assert "验证码登录" in page.content() or "用短信或邮件验证码登录" in page.content()
    _shot(page, tmp_path, "login")
    page.get_by_role("link", name="用短信或邮件验证码登录").first.click()
    page.get_by_label("手机号码或电子邮箱").fill("139 1234")
    page.get_by_role("button", name="发送验证码").click()
    assert "请输入 11 位手机号码或电子邮箱地址" in page.content()
    assert page.get_by_label("手机号码或电子邮箱").input_value() == "139 1234"  # kept on error
    _shot(page, tmp_path, "login_code_error")
    page.get_by_label("手机号码或电子邮箱").fill(PHONE)
    page.get_by_role("button", name="发送验证码").click()
    assert "6 位验证码正在发送中" in page.content()
    _shot(page, tmp_path, "login_code_step2")
    page.get_by_label("6 位验证码").fill(_last_code(app))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/profile")
    assert "ann" in page.content()
    # Log out, then reset the password.
    page.context.clear_cookies()
    page.goto(f"{live_server}/forgot")
    _shot(page, tmp_path, "forgot")
    page.get_by_label("手机号码或电子邮箱").fill(PHONE)
    with app.app_context():  # the per-phone resend interval is a minute: let this test move on
        from govern.accounts.models import AuthThrottle

        db.session.execute(AuthThrottle.__table__.delete())
        db.session.commit()
    page.get_by_role("button", name="发送验证码").click()
    page.get_by_label("6 位验证码").fill(_last_code(app))
    page.get_by_label("新密码", exact=True).fill("a-brand-new-secret")
    page.get_by_label("再次输入新密码").fill("a-brand-new-secret-typo")
    page.get_by_role("button", name="设置新密码").click()
    assert "两次输入的密码不一致" in page.content() or "密码不一致" in page.content()
    assert page.get_by_label("手机号码或电子邮箱").input_value() == PHONE
    _shot(page, tmp_path, "forgot_step2_error")
    page.get_by_label("新密码", exact=True).fill("a-brand-new-secret")
    page.get_by_label("再次输入新密码").fill("a-brand-new-secret")
    page.get_by_role("button", name="设置新密码").click()
    page.wait_for_url(f"{live_server}/login")
    assert "新密码已设置" in page.content()


def test_totp_enrolment_and_second_step_on_a_phone(app, live_server, page, tmp_path):  # noqa: F811
    factory = Factory(app)
    cid = factory.community()
    factory.user("mia", roles=("committee_member",), community=cid)
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("mia")
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/profile/totp")
    _shot(page, tmp_path, "totp_enrol")
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("身份验证器应用中的 6 位验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="启用").click()
    page.wait_for_url(f"{live_server}/profile")
    page.context.clear_cookies()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("mia")
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/login/totp")
    page.get_by_label("身份验证器应用中的 6 位验证码").fill("000000")
    page.get_by_role("button", name="确认").click()
    _shot(page, tmp_path, "login_totp_error")
    assert "验证码不正确" in page.content()
