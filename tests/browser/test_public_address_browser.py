"""One public address: the lobby notice's QR code decodes to GOVERN_BASE_URL, and the committee is
warned before printing while that address is a loopback one (no owner's phone could open it)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from govern.extensions import db
from tests.communication.conftest import World, login
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

PUBLIC = "https://govern.example.cn:8443"
ZBARIMG = shutil.which("zbarimg")


@pytest.fixture
def app(make_app, monkeypatch):
    monkeypatch.setenv("GOVERN_BASE_URL", PUBLIC + "/")
    return make_app()


@pytest.fixture
def world(app, factory) -> World:
    cid = factory.community()
    return World(cid, {"ann": factory.user("ann", community=cid, owner_ref="A"),
                       "chair": factory.user("chair", roles=("committee_chair",), community=cid)})


def _notice(app) -> int:
    from govern.notices.models import Notice

    client = login(app, "chair")
    resp = client.post("/c/garden/notices/new", content_type="multipart/form-data",
                       data={"title": "停水通知", "body": "明天 9:00–12:00 停水", "importance": "normal",
                             "audience": "all", "audience_value": ""})
    assert resp.status_code == 302
    with app.app_context():
        return db.session.scalar(select(Notice.id))


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg is missing (make test installs Debian's zbar-tools)")
def test_lobby_notice_qr_code_decodes_to_the_public_address(app, world, live_server, page, tmp_path):
    nid = _notice(app)
    page.goto(live_server + "/login")
    page.locator("#username").fill("chair")
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/c/garden/notices/{nid}")
    assert page.locator("#loopback-warning").count() == 0  # a public address: nothing to warn about
    page.goto(f"{live_server}/c/garden/notices/{nid}/print")
    assert page.locator("#loopback-warning").count() == 0
    assert page.locator(".print-link").inner_text() == f"{PUBLIC}/c/garden/notices/{nid}"
    shot = tmp_path / "qr.png"
    page.locator(".print-qr img").screenshot(path=str(shot))
    decoded = subprocess.run([ZBARIMG, "--raw", "-q", str(shot)], capture_output=True, text=True, check=True)
    assert decoded.stdout.strip() == f"{PUBLIC}/c/garden/notices/{nid}"


def test_committee_is_warned_before_printing_with_a_loopback_address(make_app, monkeypatch):
    monkeypatch.delenv("GOVERN_BASE_URL", raising=False)
    app = make_app()
    from tests.factories import Factory

    f = Factory(app)
    cid = f.community()
    f.user("chair", roles=("committee_chair",), community=cid)
    f.user("ann", community=cid, owner_ref="A")
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"  # what `make run` serves
    nid = _notice(app)
    chair = login(app, "chair")
    for url in (f"/c/garden/notices/{nid}", f"/c/garden/notices/{nid}/print"):
        html = chair.get(url).get_data(as_text=True)
        assert 'id="loopback-warning"' in html, url
        assert re.search(r"打印前请注意.*http://127\.0\.0\.1:5000", html), url
    # Owners reading the notice are not bothered with it.
    assert 'id="loopback-warning"' not in login(app, "ann").get(f"/c/garden/notices/{nid}").get_data(as_text=True)
