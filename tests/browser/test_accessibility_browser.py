"""axe-core on every page of the demo, for each role, in Chinese and (a sample) in English.

The demo (``govern demo``) is loaded once into the test database; for each role the test logs in,
crawls every same-origin page it can reach by links from the home pages (one URL per route shape,
so a list of 40 proposals costs two loads, not 40), injects the vendored axe-core
(static/vendor/axe-core) and fails on any critical or serious violation, naming the page, the rule
and the first elements.

It runs once per CI run: .ci/run's second pass sets DATABASE_URL, and this test skips there (the
pages are the same on PostgreSQL; the database tests run in that pass).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                       reason="runs once per CI run: in the SQLite pass, not again in the PostgreSQL pass"),
]

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "govern-demo"
ROLES = ("owner001", "chair", "property1", "auditor1")
#: Links never followed: they change state, leave the page, or download a file.
SKIP = re.compile(r"/logout|\.(pdf|zip|csv|json|png|svg|txt)(\?|$)|/download|/export|/api/|/static/|[?&]lang="
                  r"|/verify-record|/files/|/photo")
MAX_PAGES_PER_ROLE = 70
#: Pages visited per route shape: two, so that an open and a closed meeting are both seen.
PER_SHAPE = 2


def _shape(url: str) -> str:
    """The route of a URL: ids, unit numbers and hashes collapse; the query is ignored except `tab`."""
    parts = urlsplit(url)
    # A path segment holding a digit is an id, a unit number or a hash: one shape for all.
    path = re.sub(r"/[^/]*\d[^/]*", "/N", parts.path)
    tab = re.search(r"(?:^|&)(tab|status|filter)=[^&]*", parts.query or "")
    return path + ("?" + tab.group(0).lstrip("&") if tab else "")


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not log in"


def _axe(page) -> list[dict]:
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return result


def crawl(page, base: str, start: list[str], *, limit: int = MAX_PAGES_PER_ROLE) -> tuple[list[str], list[str]]:
    """Visit pages reachable from ``start`` (one per route shape); return (visited URLs, failures)."""
    seen: dict[str, int] = {}
    done: set[str] = set()
    queue = [base + s for s in start]
    visited: list[str] = []
    failures: list[str] = []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        shape = _shape(url)
        if url in done or seen.get(shape, 0) >= PER_SHAPE:
            continue
        seen[shape] = seen.get(shape, 0) + 1
        done.add(url)
        resp = page.goto(url)
        if resp is None or resp.status >= 400 or not page.url.startswith(base):
            continue
        if "text/html" not in (resp.headers.get("content-type") or ""):
            continue
        visited.append(url)
        for v in _axe(page):
            failures.append(f"{urlsplit(url).path}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            target = urljoin(page.url, href).split("#")[0]
            if target.startswith(base) and not SKIP.search(urlsplit(target).path + "?" + urlsplit(target).query):
                if target not in done and seen.get(_shape(target), 0) < PER_SHAPE:
                    queue.append(target)
    return visited, failures


@pytest.fixture
def demo_server(app, runner, live_server):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return live_server


def _context(browser_factory, locale):
    return browser_factory(locale)


@pytest.fixture
def browser_factory():
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        contexts = []

        def new_page(locale: str):
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale, bypass_csp=True)
            ctx.set_default_timeout(15_000)
            contexts.append(ctx)
            return ctx.new_page()

        yield new_page
        for ctx in contexts:
            ctx.close()
        browser.close()


def test_every_demo_page_has_no_serious_axe_violation(demo_server, browser_factory):
    base = demo_server
    failures: list[str] = []
    report: list[str] = []
    # Anonymous pages first.
    page = browser_factory("zh-CN")
    visited, found = crawl(page, base, ["/", "/login", "/register", "/no-such-page"], limit=10)
    report.append(f"anonymous: {len(visited)} pages")
    failures += found
    for username in ROLES:
        page = browser_factory("zh-CN")
        _login(page, base, username)
        visited, found = crawl(page, base, ["/", "/c/shifan/", "/profile", "/keys", "/notifications"])
        report.append(f"{username}: {len(visited)} pages")
        failures += [f"[{username}] {f}" for f in found]
        assert len(visited) >= 8, f"{username} reached only {visited}"
    # A sample in English: the owner's and the committee's main pages.
    for username in ("owner001", "chair"):
        page = browser_factory("en")
        page.goto(base + "/?lang=en")
        _login(page, base, username)
        visited, found = crawl(page, base, ["/", "/c/shifan/"], limit=15)
        assert page.evaluate("document.documentElement.lang") == "en"
        report.append(f"{username} (en): {len(visited)} pages")
        failures += [f"[{username}, en] {f}" for f in found]
    assert not failures, "\n".join(report + sorted(set(failures)))
