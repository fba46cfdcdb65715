"""Who may do what: the predicates directly, and each page for each kind of member."""

from __future__ import annotations

import pytest

from govern.extensions import db
from tests.communication.conftest import login

ROLES = ("ann", "staff", "chair", "auditor", "pending")


@pytest.fixture
def objects(app, world):
    login(app, "staff").post("/c/garden/notices/new", data={"title": "通知", "importance": "important",
                                                           "audience": "all"})
    login(app, "ann").post("/c/garden/service/new", data={"kind": "repair:leak", "common_area": "车库",
                                                         "description": "漏水"})
    login(app, "chair").post("/c/garden/surveys/", data={"title": "调查"})
    return world


#: path → expected status for ann (owner), staff, chair (committee), auditor, pending (claim not confirmed)
PAGES = {
    "/c/garden/notices/": (200, 200, 200, 200, 403),
    "/c/garden/notices/new": (403, 200, 200, 403, 403),
    "/c/garden/notices/1": (200, 200, 200, 200, 403),
    "/c/garden/notices/1/receipts": (403, 200, 200, 200, 403),
    "/c/garden/preferences": (200, 200, 200, 200, 403),
    "/c/garden/inbox": (200, 200, 200, 200, 403),
    "/c/garden/sms-outbox": (403, 403, 403, 403, 403),
    "/c/garden/service/": (200, 200, 200, 200, 403),
    "/c/garden/service/new": (200, 403, 403, 403, 403),
    "/c/garden/service/1": (200, 200, 200, 200, 403),
    "/c/garden/surveys/": (200, 200, 200, 200, 403),
    "/c/garden/surveys/1": (404, 404, 200, 404, 403),  # a draft: the committee only
    "/c/garden/surveys/1/edit": (403, 403, 200, 403, 403),
    "/c/garden/metrics/": (403, 200, 200, 200, 403),
    "/c/garden/metrics/export.csv": (403, 200, 200, 200, 403),
    "/c/garden/metrics/district": (403, 403, 403, 200, 403),
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_by_role(app, objects, path):
    got = tuple(login(app, r).get(path).status_code for r in ROLES)
    assert got == PAGES[path]


def test_anonymous_sent_to_login(app, objects):
    for path in PAGES:
        resp = app.test_client().get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path


def test_other_owner_cannot_see_a_request(app, objects, factory):
    # bob1 is an owner of the same community, but not the filer
    assert login(app, "bob1").get("/c/garden/service/1").status_code == 404


def test_predicates_directly(app, objects):
    from govern.accounts.models import User
    from govern.metrics.access import can_compare_district, can_view_metrics
    from govern.notices.access import can_publish_notices
    from govern.register.models import Community
    from govern.service.access import can_file_requests, can_handle_requests
    from govern.surveys.access import can_manage_surveys

    with app.test_request_context():
        c = db.session.get(Community, objects.cid)
        u = {n: db.session.get(User, objects.users[n]) for n in ("ann", "staff", "chair", "auditor")}
        assert [can_publish_notices(u[n], c) for n in u] == [False, True, True, False]
        assert [can_file_requests(u[n], c) for n in u] == [True, False, False, False]
        assert [can_handle_requests(u[n], c) for n in u] == [False, True, False, False]
        assert [can_manage_surveys(u[n], c) for n in u] == [False, False, True, False]
        assert [can_view_metrics(u[n], c) for n in u] == [False, True, True, True]
        assert [can_compare_district(u[n], c) for n in u] == [False, False, False, True]


def test_denied_posts_change_nothing(app, objects):
    from govern.notices.models import NoticeReceipt
    from govern.service.models import ServiceRequest

    assert login(app, "ann").post("/c/garden/service/1/resolve", data={"note": "x"}).status_code == 403
    assert login(app, "auditor").post("/c/garden/notices/1/remind").status_code == 403
    assert login(app, "pending").post("/c/garden/notices/1/acknowledge").status_code == 403
    with app.app_context():
        assert db.session.get(ServiceRequest, 1).status == "submitted"
        assert db.session.query(NoticeReceipt).filter(NoticeReceipt.acknowledged_at.is_not(None)).count() == 0
