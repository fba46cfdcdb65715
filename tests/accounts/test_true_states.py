"""Pages tell the truth about the user (issue #16): per-user pages are not cached (Back reloads them), a
confirmed owner is not told to register, and the communication links show only pages the user may open."""

from __future__ import annotations

from tests.communication.conftest import login, world  # noqa: F401 - the communication world fixture

NOT_REGISTERED = "您尚未进行业主认证"


def test_pages_of_a_signed_in_user_are_not_stored(app, world):  # noqa: F811
    ann = login(app, "ann")
    for url in ("/c/garden/", "/profile", "/c/garden/notices/", "/c/garden/surveys/"):
        resp = ann.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Cache-Control"] == "no-store", url
    # A redirect after a form, too: nothing a signed-in user is shown may come back from a cache.
    assert ann.post("/profile/language", data={"locale": "zh_CN"}).headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_stay_cacheable(app, world, client):  # noqa: F811
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    static = login(app, "ann").get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_confirmed_owner_without_a_registration_is_shown_as_confirmed(app, world):  # noqa: F811
    html = login(app, "ann").get("/profile").get_data(as_text=True)
    assert NOT_REGISTERED not in html
    assert "已确认" in html and "测试花园" in html and "101" in html
    # An account that is no owner anywhere is still told how to register.
    assert NOT_REGISTERED in login(app, "staff").get("/profile").get_data(as_text=True)


def test_owner_sees_no_dashboard_link_the_committee_does(app, world):  # noqa: F811
    ann, chair = login(app, "ann"), login(app, "chair")
    owner_page = ann.get("/c/garden/notices/").get_data(as_text=True)
    assert "/c/garden/metrics" not in owner_page
    assert ann.get("/c/garden/metrics/").status_code == 403  # the link would have led here
    assert "/c/garden/metrics" in chair.get("/c/garden/notices/").get_data(as_text=True)
    # Every link the owner is shown in the communication menu opens.
    import re

    nav = re.search(r'<nav class="comm-nav".*?</nav>', owner_page, re.S).group(0)
    for href in re.findall(r'href="([^"]+)"', nav):
        assert ann.get(href).status_code == 200, href
