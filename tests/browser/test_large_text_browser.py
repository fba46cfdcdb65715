"""Large-text mode (长辈模式): one tap in the header, remembered across pages, applied before first paint."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_large_text_mode_is_one_tap_and_remembered(live_server, page):
    page.goto(live_server + "/")
    toggle = page.locator("#large-text-toggle")
    assert toggle.inner_text() == "长辈模式"
    assert toggle.get_attribute("aria-pressed") == "false"
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle.click()
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= normal * 1.25
    # The next page comes from the server already large: the class is in the HTML, not added by script.
    resp = page.request.get(live_server + "/login")
    assert '<html lang="zh-CN" class="large-text">' in resp.text()
    page.goto(live_server + "/login")
    assert page.locator("#large-text-toggle").get_attribute("aria-pressed") == "true"
    button_height = page.evaluate("document.querySelector('form button[type=submit]').getBoundingClientRect().height")
    assert button_height >= 56
    # One more tap turns it off, and that is remembered too.
    page.locator("#large-text-toggle").click()
    page.goto(live_server + "/")
    assert not page.evaluate("document.documentElement.classList.contains('large-text')")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == normal
