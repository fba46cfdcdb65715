"""Notices: publication, audience, attachments, read receipts and acknowledgements."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from govern.extensions import db
from tests.communication.conftest import PDF, PNG, login


def _publish(client, **data):
    form = {"title": "停水通知", "body": "**明天** 9:00–12:00 停水", "importance": "normal", "audience": "all",
            "audience_value": ""}
    form.update(data)
    return client.post("/c/garden/notices/new", data=form, content_type="multipart/form-data")


def test_publish_notice_all_owners_freezes_four_recipients(app, world):
    from govern.notices.models import Notice, NoticeReceipt

    resp = _publish(login(app, "staff"))
    assert resp.status_code == 302
    with app.app_context():
        notice = db.session.scalar(select(Notice))
        assert notice.recipient_count == 4 and notice.issuer == "property"
        users = set(db.session.scalars(select(NoticeReceipt.user_id).where(NoticeReceipt.notice_id == notice.id)))
        assert users == {world.users[n] for n in ("ann", "bob1", "bob2", "cat")}


def test_publish_notice_building_audience_reaches_its_owners_only(app, world):
    from govern.notices.models import NoticeReceipt

    assert _publish(login(app, "chair"), audience="building", audience_value="2").status_code == 302
    with app.app_context():
        users = set(db.session.scalars(select(NoticeReceipt.user_id)))
        assert users == {world.users["bob1"], world.users["bob2"]}


def test_publish_notice_role_audience_and_unknown_building_refused(app, world):
    from govern.notices.models import Notice, NoticeReceipt

    client = login(app, "chair")
    assert _publish(client, audience="building", audience_value="9").status_code == 400
    assert _publish(client, audience="role", audience_value="property_staff").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Notice)).issuer == "committee"
        assert set(db.session.scalars(select(NoticeReceipt.user_id))) == {world.users["staff"], world.users["staff2"]}


def test_markdown_body_rendered_safely(app, world):
    client = login(app, "staff")
    _publish(client, body="<script>alert(1)</script> [x](javascript:alert(1)) **ok**")
    page = login(app, "ann").get("/c/garden/notices/1").get_data(as_text=True)
    assert "<strong>ok</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;" in page


def test_attachment_checked_by_magic_bytes_size_and_hashed(app, world):
    app.config["COMMUNICATION_MAX_UPLOAD_BYTES"] = 1024
    client = login(app, "staff")
    fake = _publish(client, attachments=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "plan.pdf"))
    assert fake.status_code == 415
    big = _publish(client, attachments=(io.BytesIO(PDF + b"0" * 2048), "plan.pdf"))
    assert big.status_code == 413
    ok = _publish(client, attachments=[(io.BytesIO(PDF), "plan.pdf"), (io.BytesIO(PNG), "map.png")])
    assert ok.status_code == 302
    from govern.notices.models import NoticeAttachment

    with app.app_context():
        atts = list(db.session.scalars(select(NoticeAttachment).order_by(NoticeAttachment.id)))
        assert [a.sha256 for a in atts] == [hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PNG).hexdigest()]
        assert [a.content_type for a in atts] == ["application/pdf", "image/png"]
        att_id = atts[0].id
    got = login(app, "ann").get(f"/c/garden/notices/1/attachments/{att_id}")
    assert got.status_code == 200 and got.data == PDF


def test_read_receipt_first_view_only(app, world, clock):
    from datetime import timedelta

    from govern.notices.models import NoticeReceipt

    _publish(login(app, "staff"))
    ann = login(app, "ann")
    clock.advance(timedelta(hours=1))
    page = ann.get("/c/garden/notices/1").get_data(as_text=True)
    assert "/c/garden/notices/1/viewed" in page and "js/notice-viewed.js" in page  # the page sends the receipt
    with app.app_context():  # showing the page (a GET) records nothing
        assert db.session.scalar(select(NoticeReceipt).where(NoticeReceipt.viewed_at.is_not(None))) is None
    first = clock.advance(timedelta(hours=1))
    resp = ann.post("/c/garden/notices/1/viewed", headers={"Accept": "application/json"})
    assert resp.status_code == 204
    clock.advance(timedelta(hours=1))
    assert ann.post("/c/garden/notices/1/viewed").status_code == 302  # the no-JS button: back to the notice
    assert "/c/garden/notices/1/viewed" not in ann.get("/c/garden/notices/1").get_data(as_text=True)
    login(app, "chair").post("/c/garden/notices/1/viewed")  # not a recipient: no receipt
    with app.app_context():
        rows = list(db.session.scalars(select(NoticeReceipt).where(NoticeReceipt.viewed_at.is_not(None))))
        assert [(r.user_id, r.viewed_at) for r in rows] == [(world.users["ann"], first)]


def test_acknowledge_important_notice_once_and_only_by_recipients(app, world):
    from govern.notices.models import NoticeReceipt

    _publish(login(app, "staff"), importance="important")
    ann = login(app, "ann")
    page = ann.get("/c/garden/notices/1").get_data(as_text=True)
    assert "我已阅读" in page
    assert ann.post("/c/garden/notices/1/acknowledge").status_code == 302
    with app.app_context():
        first = db.session.scalar(select(NoticeReceipt.acknowledged_at).where(
            NoticeReceipt.user_id == world.users["ann"]))
    assert ann.post("/c/garden/notices/1/acknowledge").status_code == 302
    with app.app_context():
        again = db.session.scalar(select(NoticeReceipt.acknowledged_at).where(
            NoticeReceipt.user_id == world.users["ann"]))
    assert first is not None and again == first
    assert login(app, "chair").post("/c/garden/notices/1/acknowledge").status_code == 403


def test_acknowledge_normal_notice_is_a_conflict(app, world):
    _publish(login(app, "staff"))
    assert login(app, "ann").post("/c/garden/notices/1/acknowledge").status_code == 409


def test_home_panel_lists_notice_unread(app, world):
    _publish(login(app, "staff"), importance="important", title="电梯检修")
    page = login(app, "ann").get("/c/garden/").get_data(as_text=True)
    assert "电梯检修" in page and "未读" in page


def test_receipts_page_counts_and_print_page_has_qr(app, world):
    _publish(login(app, "staff"), importance="important")
    login(app, "ann").post("/c/garden/notices/1/acknowledge")
    page = login(app, "staff").get("/c/garden/notices/1/receipts").get_data(as_text=True)
    assert "ann" in page
    printed = login(app, "cat").get("/c/garden/notices/1/print").get_data(as_text=True)
    assert "data:image/svg+xml" in printed
