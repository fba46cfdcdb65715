"""A tap on a PDF link says at once that the PDF is being made (issue #16: progress on long work).

Without a worker the first rendering runs inside the request for a few seconds; the page must not look dead.
The test stops the navigation itself (a listener on window, which runs after the page's own listener on
document), so it can read the page as it looks the moment after the tap.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ADD_LINKS = """() => {
  for (const [id, href] of [['pdf-link', '/meetings/1/result.pdf'], ['other-link', '/login']]) {
    const a = document.createElement('a'); a.id = id; a.href = href; a.textContent = id; document.body.append(a);
  }
  window.addEventListener('click', (e) => e.preventDefault());  // stay on this page after the tap
}"""
NOTE = """() => { const n = document.getElementById('pdf-wait');
  return {hidden: n.hidden, role: n.getAttribute('role'), text: n.innerText,
          height: n.getBoundingClientRect().height}; }"""


def test_tap_on_a_pdf_link_shows_the_wait_note_and_coming_back_hides_it(page, live_server):
    page.goto(live_server + "/")
    page.evaluate(ADD_LINKS)
    assert page.evaluate(NOTE)["hidden"] is True
    page.locator("#other-link").click()
    assert page.evaluate(NOTE)["hidden"] is True  # not for other links
    page.locator("#pdf-link").click()
    shown = page.evaluate(NOTE)
    assert shown["hidden"] is False and shown["height"] > 0 and shown["role"] == "status"
    assert "正在生成 PDF" in shown["text"]
    # Back to this page from the browser's cache (pageshow): the note is gone.
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert page.evaluate(NOTE)["hidden"] is True
