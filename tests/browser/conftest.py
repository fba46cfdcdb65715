"""A live server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


def _free_port() -> int:
    # Below the ephemeral range (32768+), so no outgoing connection can hold it.
    for port in range(20100, 32000, 7):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        context.set_default_timeout(10_000)
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()


@pytest.fixture
def open_meeting(world, monkeypatch):
    """A published meeting, open now by the real clock, with two motions (ordinary and major); its id.

    Uses the test module's ``world`` fixture (tests/meetings/helpers.World or a subclass). The window
    contains the real time and ``govern.clock.now`` follows it, so ballots signed with the browser's
    clock pass the server's tolerance.
    """
    real = datetime.now(UTC).replace(microsecond=0)
    world.clock.set(real - timedelta(days=25))
    mid = world.make_meeting(
        motions=(("选聘新的物业服务企业", "ordinary"), ("使用专项维修资金更换 3 号楼电梯", "major")),
        opens=real - timedelta(hours=1), closes=real + timedelta(days=10),
    )
    monkeypatch.setattr("govern.clock.now", lambda: datetime.now(UTC))
    return mid
