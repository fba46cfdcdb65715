"""Colliding survey answers and service-request transitions on PostgreSQL (issue #15 item 5): the second of
two simultaneous requests answers 409, never a 500, and the state is the first one's."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from govern.extensions import db
from tests.communication.conftest import login
from tests.communication.test_service import _file, _req, _unit_id
from tests.communication.test_surveys import _answers, _make
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="row locks are tested on PostgreSQL (set DATABASE_URL; CI does); SQLite serialises writers"
)


def _race(posts) -> list[int]:
    """Run each (client, path, data) POST from its own thread at the same moment; the statuses in order."""
    barrier = threading.Barrier(len(posts))
    statuses: list = [None] * len(posts)

    def go(i, client, path, data):
        barrier.wait(timeout=30)
        statuses[i] = client.post(path, data=data).status_code

    threads = [threading.Thread(target=go, args=(i, *p)) for i, p in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def test_co_owners_answering_at_once_one_response(app, world):
    from govern.surveys.models import SurveyResponse

    app.config["PROPAGATE_UNEXPECTED"] = False
    _make(app).post("/c/garden/surveys/1/open")
    data = _answers(app, 6, 4)
    statuses = _race([(login(app, "bob1"), "/c/garden/surveys/1/respond", data),
                      (login(app, "bob2"), "/c/garden/surveys/1/respond", data)])
    assert sorted(statuses) == [302, 409], statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_two_staff_resolving_at_once_one_wins(app, world, clock):
    app.config["PROPAGATE_UNEXPECTED"] = False
    assert _file(login(app, "ann"), unit_id=str(_unit_id(app, "101"))).status_code == 302
    statuses = _race([(login(app, "staff"), "/c/garden/service/1/resolve", {"note": "已更换水管"}),
                      (login(app, "staff2"), "/c/garden/service/1/resolve", {"note": "已修好"})])
    assert sorted(statuses) == [302, 409], statuses
    assert _req(app).status == "resolved"
    from govern.service.models import ServiceEvent

    with app.app_context():
        assert db.session.scalar(select(func.count(ServiceEvent.id)).where(ServiceEvent.kind == "resolved")) == 1


def test_owner_confirming_twice_at_once(app, world, clock):
    app.config["PROPAGATE_UNEXPECTED"] = False
    ann = login(app, "ann")
    assert _file(ann, unit_id=str(_unit_id(app, "101"))).status_code == 302
    assert login(app, "staff").post("/c/garden/service/1/resolve", data={"note": "已更换水管"}).status_code == 302
    statuses = _race([(ann, "/c/garden/service/1/confirm", {"rating": "5"}),
                      (login(app, "ann"), "/c/garden/service/1/confirm", {"rating": "1"})])
    assert sorted(statuses) == [302, 409], statuses
    assert _req(app).status == "closed"
