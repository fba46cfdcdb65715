"""In Chromium: an owner proposes, two owners co-sign, the committee accepts."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def _login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")


def _logout(page):
    page.click("header form button[type=submit]")


def test_propose_cosign_accept(app, factory, live_server, page):
    from govern.extensions import db
    from govern.register.models import Community

    cid = factory.community()
    with app.app_context():
        c = db.session.get(Community, cid)
        c.settings_json = {"cosign_threshold_count": 3}
        db.session.commit()
    factory.user("alice", community=cid, owner_ref="A")
    factory.user("bob", community=cid, owner_ref="B1")
    factory.user("carol", community=cid, owner_ref="C")
    factory.user("chair", roles=("committee_chair",), community=cid)

    _login(page, live_server, "alice")
    page.goto(f"{live_server}/c/garden/proposals/new")
    page.fill("input[name=title]", "更换 3 号楼电梯")
    page.fill("textarea[name=body]", "电梯故障频繁，建议**更换**。")
    page.select_option("select[name=item]", "5")
    page.click("form.card input[type=submit]")
    page.click("button:has-text(\"发起联署\")")
    assert page.locator("h1").inner_text() == "更换 3 号楼电梯"
    url = page.url.split("#")[0]
    _logout(page)

    for who in ("bob", "carol"):
        _login(page, live_server, who)
        page.goto(url)
        page.click("#cosign button[type=submit]")
        assert "联署已记录" in page.content()
        _logout(page)

    _login(page, live_server, "chair")
    page.goto(url)
    assert "业委会审核中" in page.content()
    page.fill("input[name=motion_title]", "关于更换 3 号楼电梯的议案")
    page.click("#review input[type=submit]")
    assert "已采纳为议案" in page.content()
    assert "关于更换 3 号楼电梯的议案" in page.content()
