"""The owner's one inbox (issue #16): personal messages from both stores in one list, notices as the tab beside
it, one header link with one unread count."""

from __future__ import annotations

import re

from govern.extensions import db
from tests.communication.conftest import login


def _badge(html: str) -> int:
    header = html.split("</header>")[0]
    m = re.search(r'id="nav-inbox"[^>]*>消息(?: <span class="badge" aria-label="(\d+) 条未读">)?', header)
    assert m, header
    return int(m.group(1) or 0)


def _setup(app, world):
    staff = login(app, "staff")
    form = {"title": "电梯检修通知", "body": "周三检修", "importance": "important", "audience": "all"}
    assert staff.post("/c/garden/notices/new", data=form).status_code == 302
    with app.test_request_context():
        from govern.accounts.models import User
        from govern.agenda.notifications import notify
        from govern.delivery.services import send_message
        from govern.register.models import Community

        send_message(db.session.get(Community, world.cid), [db.session.get(User, world.users["cat"])],
                     kind="service_update", template="message", context={"text": "您的报修已受理"},
                     subject="您的报修已受理", path="/c/garden/service/")  # an in-app message (delivery)
        notify([world.users["cat"]], "decision", community=world.cid, url="/c/garden/proposals/",
               title="增设充电桩", decision="accepted")  # a notification (agenda)
        db.session.commit()


def test_one_inbox_lists_messages_from_both_stores_and_tabs_to_notices(app, world):
    _setup(app, world)
    cat = login(app, "cat")
    home = cat.get("/c/garden/").get_data(as_text=True)
    assert _badge(home) == 3  # the notice, the service message, the committee's decision
    assert 'href="/c/garden/inbox"' in home.split("</header>")[0]
    # The community's features name the one inbox, not three overlapping ones.
    features = home.split('id="features-h"')[1]
    assert ">消息<" in features and "我的消息" not in features and ">公告<" not in features

    inbox = cat.get("/c/garden/inbox").get_data(as_text=True)
    messages = inbox.split('id="messages"')[1]
    assert "业委会已对“增设充电桩”作出决定" in messages
    assert "您的报修已受理" in messages
    assert re.search(r'id="tab-messages" aria-current="page"', inbox)
    assert re.search(r'id="tab-notices"[^>]*>公告 <span class="badge" aria-label="1 条未读">1</span>', inbox)
    # Showing the messages read them; the unread notice still counts, in the header and on its tab.
    home = cat.get("/c/garden/").get_data(as_text=True)
    assert _badge(home) == 1
    notices = cat.get("/c/garden/notices/").get_data(as_text=True)
    assert re.search(r'id="tab-notices" aria-current="page"', notices) and "电梯检修通知" in notices
    cat.post("/c/garden/notices/1/viewed")  # the read receipt the notice page sends
    assert _badge(cat.get("/c/garden/").get_data(as_text=True)) == 0


def test_notifications_address_is_the_inbox_of_a_one_community_member(app, world):
    cat = login(app, "cat")
    resp = cat.get("/notifications")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/c/garden/inbox")


def test_an_acknowledged_notice_is_badged_read_not_accepted(app, world):
    staff = login(app, "staff")
    form = {"title": "电梯检修通知", "body": "周三检修", "importance": "important", "audience": "all"}
    assert staff.post("/c/garden/notices/new", data=form).status_code == 302
    cat = login(app, "cat")
    cat.post("/c/garden/notices/1/acknowledge")
    html = cat.get("/c/garden/notices/").get_data(as_text=True)
    assert '<span class="badge badge-ok">已确认阅读</span>' in html and "已受理" not in html
