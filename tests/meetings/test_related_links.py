"""The meeting page links the printable notice, result and minutes, proxies, paper ballots, record and audit —
each only for those who may open it, and each link works."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.meetings.helpers import CLOSES, OPENS, World


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


def _links(client, mid):
    import re

    html = client.get(f"/meetings/{mid}").get_data(as_text=True)
    nav = html.split('id="related-h"', 1)[1].split("</nav>", 1)[0] if 'id="related-h"' in html else ""
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)


def _as(app, name):
    c = app.test_client()
    c.post("/login", data={"username": name, "password": "correct-horse-battery"})
    return c


def test_meeting_page_links_by_role_and_every_link_opens(app, world):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    owner, chair, auditor = _as(app, "a"), _as(app, "chair"), _as(app, "auditor")
    owner_labels = [label for _, label in _links(owner, mid)]
    assert "打印张贴用的会议公告（PDF）" in owner_labels and "委托投票" in owner_labels
    assert "纸质选票" not in owner_labels and "街道办审计" not in owner_labels
    assert "纸质选票" in [label for _, label in _links(chair, mid)]
    assert "街道办审计" in [label for _, label in _links(auditor, mid)]
    for client in (owner, chair, auditor):
        for url, label in _links(client, mid):
            assert client.get(url).status_code in (200, 202), (label, url)


def test_closed_meeting_page_links_result_notice(app, client, world):
    mid = world.make_meeting()
    world.clock.set(CLOSES + timedelta(hours=1))
    world.tick()
    owner = _as(app, "a")
    links = dict((label, url) for url, label in _links(owner, mid))
    assert "表决结果公告（PDF）" in links and "委托投票" not in links
    assert owner.get(links["表决结果公告（PDF）"]).status_code in (200, 202)
