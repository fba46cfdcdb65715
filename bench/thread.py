"""Render a deliberation thread of 1,000 comments and print the server time.

    .venv/bin/python bench/thread.py [--comments 1000] [--runs 5]

Builds a throwaway SQLite database (the small test register), a proposal and a thread of N comments
(every fourth one a reply, some edited, some hidden, authors with official badges), then times:
  * the whole thread rendered on one page (query with eager-loaded authors and replies + Jinja),
  * the proposal page as served (first page of 50 top-level comments) through the test client,
and counts the SQL statements of one render to show there is no N+1. Baseline: the empty page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from govern import create_app  # noqa: E402
from govern.extensions import db  # noqa: E402


def build(app, n: int) -> tuple[int, int]:
    from govern.accounts.auth import hash_password
    from govern.accounts.models import Role, RoleGrant, User
    from govern.agenda import services, threads
    from govern.register.models import Community, Owner
    from govern.register.services import import_register
    from tests.factories import SMALL_REGISTER

    with app.test_request_context():
        db.create_all()
        c = Community(slug="garden", name="测试花园")
        db.session.add(c)
        db.session.flush()
        import_register(c, SMALL_REGISTER.encode(), actor=None, source="bench")
        pw = hash_password("bench-password")
        users = []
        for i, ref in enumerate(["A", "B1", "C", None, None]):
            u = User(username=f"u{i}", display_name=f"用户{i}", password_hash=pw)
            db.session.add(u)
            db.session.flush()
            role = Role.OWNER if ref else (Role.COMMITTEE_MEMBER if i == 3 else Role.PROPERTY_STAFF)
            db.session.add(RoleGrant(user_id=u.id, community_id=c.id, role=role))
            if ref:
                o = db.session.query(Owner).filter_by(community_id=c.id, ref=ref).one()
                o.user_id, o.confirmed_at = u.id, services.now()
            users.append(u)
        db.session.flush()
        p = services.create_proposal(c, {"title": "基准测试", "body": "正文"}, actor=users[0])
        services.open_proposal(p, actor=users[0])
        thread = threads.thread_for(c, "proposal", p.id)
        top = None
        for i in range(n):
            author = users[i % len(users)]
            data = {"body": f"第 {i} 条评论，**加粗** 与 [链接](https://example.com/{i})", "stance": "support"}
            if i % 4 and top is not None:
                data["parent_id"] = top.id
            com = threads.post_comment(thread, data, actor=author, link=(p.title, "/"))
            if "parent_id" not in data:
                top = com
            if i % 50 == 7:
                threads.edit_comment(com, {"body": data["body"] + "（已修改）"}, actor=author)
            if i % 100 == 13:
                threads.hide_comment(com, {"reason": "离题"}, actor=users[3])
        db.session.commit()
        return p.id, users[0].id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--comments", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
                      "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False})
    t0 = time.perf_counter()
    pid, uid = build(app, args.comments)
    print(f"built a thread of {args.comments} comments in {time.perf_counter() - t0:.1f} s")

    from flask import render_template
    from flask_login import login_user

    from govern.accounts.models import User
    from govern.agenda import threads
    from govern.register.models import Community

    statements = []

    def count(*_a, **_k):
        statements.append(1)

    def render_all() -> tuple[float, int]:
        with app.test_request_context("/"):
            login_user(db.session.get(User, uid))
            start = time.perf_counter()
            community = db.session.get(Community, 1)
            thread = threads.find_thread("proposal", pid)
            statements.clear()
            with app.app_context():
                event.listen(db.engine, "before_cursor_execute", count)
                try:
                    page = threads.comments_page(thread, 1, args.comments)
                    html = render_template("agenda/_thread.html", comments=page, thread=thread, slug=community.slug,
                                           pid=pid, post_url="/", see_hidden=False, can_moderate=True,
                                           can_report=True, can_comment=True, community=community)
                finally:
                    event.remove(db.engine, "before_cursor_execute", count)
            elapsed = time.perf_counter() - start
            db.session.remove()
            assert html.count('class="comment') >= args.comments
            return elapsed, len(statements)

    render_all()  # warm up the template cache
    times, queries = zip(*(render_all() for _ in range(args.runs)), strict=True)
    print(f"whole thread on one page ({args.comments} comments): median {statistics.median(times) * 1000:.1f} ms, "
          f"best {min(times) * 1000:.1f} ms, {queries[0]} SQL statements per render")

    client = app.test_client()
    client.post("/login", data={"username": "u0", "password": "bench-password"})
    client.get(f"/c/garden/proposals/{pid}")
    page_times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        resp = client.get(f"/c/garden/proposals/{pid}")
        page_times.append(time.perf_counter() - start)
        assert resp.status_code == 200
    base = []
    for _ in range(args.runs):
        start = time.perf_counter()
        client.get("/c/garden/proposals/")
        base.append(time.perf_counter() - start)
    print(f"proposal page as served (first 50 top-level comments with replies): "
          f"median {statistics.median(page_times) * 1000:.1f} ms; baseline proposals list "
          f"{statistics.median(base) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
