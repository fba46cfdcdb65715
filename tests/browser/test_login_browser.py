"""In Chromium, on a phone-sized screen: log in, see Chinese, switch to English."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("GOVERN_SCREENSHOTS")


def test_login_chinese_then_english(page, live_server, factory, tmp_path):
    cid = factory.community()
    factory.user("owner1", community=cid, owner_ref="C")
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名").fill("owner1")
    page.get_by_label("密码").fill("correct-horse-battery")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/c/garden/")
    assert page.get_by_role("heading", name="测试花园").is_visible()
    assert page.get_by_role("heading", name="业主大会会议").is_visible()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "home-zh.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Owners' assemblies").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    # The choice sticks for the next page.
    page.goto(live_server + "/profile")
    assert page.get_by_role("button", name="Log out").is_visible()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "home-en.png"), full_page=True)


def test_wrong_password_shows_chinese_error(page, live_server, factory):
    cid = factory.community()
    factory.user("owner1", community=cid, owner_ref="C")
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("owner1")
    page.get_by_label("密码").fill("wrong-password-123")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").is_visible()
