"""In Chromium: opening a notice sends its read receipt as a POST (the GET itself writes nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govern.extensions import db

pytestmark = pytest.mark.browser


def test_the_notice_page_sends_the_read_receipt(page, live_server, app, factory):
    from govern.notices.models import NoticeReceipt

    cid = factory.community()
    factory.user("ann", community=cid, owner_ref="A")
    factory.user("staff", roles=("property_staff",), community=cid)
    staff = app.test_client()
    staff.post("/login", data={"username": "staff", "password": "correct-horse-battery"})
    staff.post("/c/garden/notices/new", data={"title": "停水通知", "body": "明天停水", "importance": "normal",
                                              "audience": "all", "audience_value": ""},
               content_type="multipart/form-data")

    def viewed() -> list:
        with app.app_context():
            return list(db.session.scalars(select(NoticeReceipt.viewed_at).where(
                NoticeReceipt.viewed_at.is_not(None))))

    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("ann")
    page.get_by_label("密码").fill("correct-horse-battery")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/c/garden/")
    assert viewed() == []
    with page.expect_response(lambda r: r.url.endswith("/notices/1/viewed")) as sent:
        page.goto(live_server + "/c/garden/notices/1")
    assert sent.value.status == 204
    page.locator("form[data-notice-viewed]").wait_for(state="hidden")  # the no-JS button goes away
    assert len(viewed()) == 1
