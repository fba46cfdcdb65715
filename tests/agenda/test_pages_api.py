"""Pages and API: XSS payloads rendered inert, hidden comments, attachments, the same results both ways."""

from __future__ import annotations

import re

from sqlalchemy import select

from govern.agenda import services, threads
from govern.agenda.models import Attachment, Proposal, ProposalState
from govern.extensions import db
from tests.agenda.conftest import opened, set_settings, token

XSS = [
    ("<script>alert(1)</script>", "<script"),
    ("<img src=x onerror=alert(1)>", "<img"),
    ("[click](javascript:alert(1))", 'href="javascript:'),
    ('<a href="javascript:alert(1)" onclick="x()">a</a>', "<a href=\"javascript"),
]


#: The app's own script tags (templates/base.html): an external file from /static/, never inline code.
OWN_SCRIPTS = re.compile(r'<script src="/static/js/[\w-]+\.js"( defer)?></script>')


def _page(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_xss_payloads_inert_in_title_body_and_comments(app, world, client, auth):
    with app.test_request_context():
        from tests.agenda.conftest import SimpleNamespace  # noqa: F401
    pids = []
    for payload, _ in XSS:
        with app.test_request_context():
            from govern.accounts.models import User
            from govern.register.models import Community

            a = db.session.get(User, world.ids["a"])
            community = db.session.get(Community, world.cid)
            p = services.create_proposal(community, {"title": payload, "body": payload}, actor=a)
            services.open_proposal(p, actor=a)
            threads.post_comment(threads.thread_for(community, "proposal", p.id), {"body": payload}, actor=a)
            db.session.commit()
            pids.append(p.id)
    auth.login("c")
    listing = _page(client, "/c/garden/proposals/")
    for (_payload, bad), pid in zip(XSS, pids, strict=True):
        html = OWN_SCRIPTS.sub("", _page(client, f"/c/garden/proposals/{pid}"))
        assert bad not in html.lower()
        assert bad not in OWN_SCRIPTS.sub("", listing).lower()
        assert "onerror=alert(1)>" not in html  # only ever as escaped text
    assert "&lt;script&gt;" in listing


def test_markdown_links_get_rel_nofollow(app, world, client, auth):
    from govern.markdown import render

    html = str(render("[x](https://example.com) **b**"))
    assert 'rel="nofollow noopener"' in html and "<strong>b</strong>" in html


def _hide_setup(app, world):
    with app.test_request_context():
        from govern.accounts.models import User
        from govern.register.models import Community

        a = db.session.get(User, world.ids["a"])
        community = db.session.get(Community, world.cid)
        p = services.create_proposal(community, {"title": "停车费调整", "body": "x"}, actor=a)
        services.open_proposal(p, actor=a)
        c = threads.post_comment(threads.thread_for(community, "proposal", p.id),
                                 {"body": "秘密内容 SECRET", "stance": "oppose"}, actor=a)
        db.session.commit()
        return p.id, c.id


def test_hidden_comment_placeholder_for_owners_content_for_auditor(app, world, client, auth):
    pid, cid = _hide_setup(app, world)
    auth.login("b1")
    assert client.post(f"/c/garden/comments/{cid}/report", data={"reason": "人身攻击"}).status_code == 302
    auth.logout()
    auth.login("b1")
    assert client.post(f"/c/garden/comments/{cid}/hide", data={"reason": "x"}).status_code == 403
    auth.logout()
    auth.login("cm1")
    assert client.post(f"/c/garden/comments/{cid}/hide", data={"reason": "人身攻击"}).status_code == 302
    auth.logout()
    auth.login("c")
    html = _page(client, f"/c/garden/proposals/{pid}")
    assert "SECRET" not in html and "人身攻击" in html
    api = client.get(f"/api/v1/proposals/{pid}/comments").get_json()
    assert api["comments"][0]["body"] is None and api["comments"][0]["hidden"] is True
    auth.logout()
    auth.login("auditor")
    html = _page(client, f"/c/garden/proposals/{pid}")
    assert "SECRET" in html and "人身攻击" in html
    from govern.audit.models import AuditEntry

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "comments")).all()
    assert actions == ["comment.post", "comment.report", "comment.hide"]


def test_comment_edit_keeps_revisions(app, world, client, auth):
    pid, cid = _hide_setup(app, world)
    auth.login("a")
    assert client.post(f"/c/garden/comments/{cid}/edit", data={"body": "新的文字"}).status_code == 302
    html = _page(client, f"/c/garden/comments/{cid}/history")
    assert "秘密内容" in html and "新的文字" in html
    auth.logout()
    auth.login("b1")
    assert client.post(f"/c/garden/comments/{cid}/edit", data={"body": "篡改"}).status_code == 403


def test_reply_and_mention_notify_and_show_unread_count(app, world, client, auth):
    pid, cid = _hide_setup(app, world)
    auth.login("c")
    client.post(f"/c/garden/proposals/{pid}/comments", data={"body": "回复 @b1 看看", "parent_id": cid,
                                                             "stance": "question"})
    auth.logout()
    auth.login("a")
    header = _page(client, "/c/garden/proposals/").split("</header>")[0]
    assert re.search(r"<span class=\"badge\" aria-label=\"\d+ 条未读\">\d+</span>", header)
    # A member of one community: /notifications is its inbox, and showing the messages reads them.
    resp = client.get("/notifications")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/c/garden/inbox")
    html = _page(client, "/c/garden/inbox")
    assert "回复了您的评论" in html or "replied to your comment" in html
    assert "条未读" not in _page(client, "/c/garden/proposals/").split("</header>")[0]
    auth.logout()
    auth.login("b1")
    # b1 was @mentioned in c's reply: the notification names who mentioned them.
    assert "提到了您" in _page(client, "/notifications?page=1")
    client.post("/notifications/read")
    assert "条未读" not in _page(client, "/c/garden/proposals/").split("</header>")[0]


def test_official_badge_from_roles(app, world, client, auth):
    pid, _ = _hide_setup(app, world)
    auth.login("staff")
    client.post(f"/c/garden/proposals/{pid}/comments", data={"body": "物业答复", "stance": "none"})
    html = _page(client, f"/c/garden/proposals/{pid}")
    assert "badge-official" in html


def _draft(app, world):
    with app.test_request_context():
        from govern.accounts.models import User
        from govern.register.models import Community

        p = services.create_proposal(db.session.get(Community, world.cid), {"title": "附件测试"},
                                     actor=db.session.get(User, world.ids["a"]))
        db.session.commit()
        return p.id


def _upload(client, pid, name, content):
    import io

    return client.post(f"/c/garden/proposals/{pid}/attachments", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_attachments_checked_by_magic_bytes_and_size(app, world, client, auth):
    app.config["AGENDA_MAX_ATTACHMENT_BYTES"] = 1024
    pid = _draft(app, world)
    auth.login("a")
    _upload(client, pid, "fake.pdf", b"MZ\x90\x00 not a pdf")
    _upload(client, pid, "x.png", b"%PDF-1.4 a pdf named png")
    _upload(client, pid, "big.pdf", b"%PDF-" + b"0" * 2000)
    with app.app_context():
        assert db.session.scalars(select(Attachment)).all() == []
    _upload(client, pid, "ok.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    with app.app_context():
        att = db.session.scalars(select(Attachment)).one()
        assert att.content_type == "image/png" and len(att.sha256) == 64
        aid = att.id
    assert client.get(f"/c/garden/proposals/{pid}/attachments/{aid}").data.startswith(b"\x89PNG")
    auth.logout()
    auth.login("c")  # the draft is not disclosed
    assert client.get(f"/c/garden/proposals/{pid}/attachments/{aid}").status_code == 404


def test_api_and_pages_give_the_same_results(app, world, client, auth):
    with app.test_request_context():
        from govern.register.models import Community

        set_settings(db.session.get(Community, world.cid), cosign_threshold_count=3)
        db.session.commit()
    ha = token(client, "a")
    resp = client.post("/api/v1/proposals", json={"community": "garden", "title": "API 提案", "open": True},
                       headers=ha)
    assert resp.status_code == 201, resp.get_json()
    pid = resp.get_json()["id"]
    # B1 co-signs by the page, B2 (same person) by the API: refused the same way.
    auth.login("b1")
    assert client.post(f"/c/garden/proposals/{pid}/cosign").status_code == 302
    auth.logout()
    hb2 = token(client, "b2")
    r = client.post(f"/api/v1/proposals/{pid}/cosign", headers=hb2)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_signed"
    hc = token(client, "c")
    assert client.post(f"/api/v1/proposals/{pid}/cosign", headers=hc).status_code == 201
    got = client.get(f"/api/v1/proposals/{pid}", headers=hc).get_json()
    assert got["state"] == "review" and got["progress"]["signed_persons"] == 3
    auth.login("c")
    html = _page(client, f"/c/garden/proposals/{pid}")
    assert "3 / 3" in html or "3 of 3" in html or "3 位" in html or "已有 3" in html
    auth.logout()
    # The conflict-of-interest rule and the decision, via the API.
    hcm = token(client, "cm1")
    r = client.post(f"/api/v1/proposals/{pid}/review", json={"action": "reject"}, headers=hcm)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid"
    r = client.post(f"/api/v1/proposals/{pid}/review", json={"action": "accept", "motion_title": "动议"},
                    headers=hcm)
    assert r.status_code == 200 and r.get_json()["motion"]["title"] == "动议"
    listed = client.get("/api/v1/proposals?state=accepted&community=garden", headers=hc).get_json()
    assert [p["id"] for p in listed["proposals"]] == [pid]
    with app.app_context():
        assert db.session.get(Proposal, pid).state == ProposalState.ACCEPTED


def test_api_errors_and_openapi(app, world, client):
    hc = token(client, "c")
    r = client.get("/api/v1/proposals/999", headers=hc)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.post("/api/v1/proposals", json={"community": "garden", "title": "x"}, headers=token(client, "cm1"))
    assert r.status_code == 403
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/tokens", "/tokens/current", "/me", "/proposals", "/proposals/{id}", "/proposals/{id}/cosign",
                 "/proposals/{id}/comments", "/proposals/{id}/review"):
        assert path in spec["paths"]


def test_pages_review_queue_and_detail_render(app, world, client, auth):
    with app.test_request_context():
        from tests.agenda.conftest import SimpleNamespace

        rc = SimpleNamespace(u=lambda n: db.session.get(__import__("govern.accounts.models", fromlist=["User"]).User,
                                                        world.ids[n]),
                             community=db.session.get(__import__("govern.register.models",
                                                                 fromlist=["Community"]).Community, world.cid),
                             world=world)
        opened(rc, author="a", kind="petition", title="请求召开临时业主大会")
        opened(rc, author="c", title="请求召开临时业主大会会议")
        db.session.commit()
    auth.login("cm1")
    html = _page(client, "/c/garden/review?state=all")
    assert "请求召开临时业主大会" in html
    auth.logout()
    auth.login("auditor")
    assert client.get("/c/garden/proposals/overdue").status_code == 200
    auth.logout()
    auth.login("a")
    r = client.post("/c/garden/proposals/new", data={"kind": "proposal", "title": "新提案", "body": "**b**",
                                                      "item": "5", "matter": "ordinary"})
    assert r.status_code == 302
    assert "新提案" in _page(client, "/c/garden/proposals/?state=draft")
    assert "新提案" not in _page(client, "/c/garden/")  # drafts are not on the home panel
