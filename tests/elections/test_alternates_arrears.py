"""#14: alternates (候补) take the seat of a member who leaves, as the community's rules say; the arrears flag
(set by property staff or the committee, audit-logged) bars a candidate where the community switches it on."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from govern.errors import DomainError
from govern.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.elections.helpers import ElectionWorld
from tests.elections.test_committee import _counted


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def _installed(app, world, client, *, step_in: bool = True):
    """A counted election (2 seats): A and C elected, B1 the alternate; the winners installed."""
    from govern.ballots.models import MotionResult
    from govern.register.models import Community

    mid, motion_id, ids = _counted(world, client, final=True)
    with app.app_context():
        row = db.session.scalar(select(MotionResult).where(MotionResult.motion_id == motion_id))
        document = json.loads(json.dumps(row.document))
        document["result"].update(elected=[ids["A"], ids["C"]], alternates=[ids["B1"]], runoff=[], runoff_seats=0,
                                  seats_unfilled=0)
        row.document = document
        db.session.get(Community, world.cid).settings_json = {"election_alternates_step_in": step_in}
        db.session.commit()
    world.login(client, "chair")
    assert client.post(f"/elections/{motion_id}/committee").status_code == 302
    return motion_id


def _seat_of(motion_id, user_id):
    from govern.elections.models import CommitteeSeat

    return db.session.scalar(select(CommitteeSeat).where(CommitteeSeat.motion_id == motion_id,
                                                         CommitteeSeat.user_id == user_id))


def test_the_alternate_takes_the_seat_of_a_member_who_leaves(app, world, client):
    from govern.accounts.committee import members

    motion_id = _installed(app, world, client)
    with app.app_context():
        a_seat = _seat_of(motion_id, world.users["A"])
        a_end = a_seat.term_end
    resp = client.post(f"/elections/{motion_id}/leave", data={"seat": a_seat.id, "reason": "搬离小区"},
                       follow_redirects=True)
    assert resp.status_code == 200
    assert "候补" in resp.get_data(as_text=True) or "alternate" in resp.get_data(as_text=True)
    with app.app_context():
        from govern.register.models import Community

        sitting = {g.user_id for g in members(db.session.get(Community, world.cid))}
        assert world.users["A"] not in sitting and {world.users["B1"], world.users["C"]} <= sitting
        b1 = _seat_of(motion_id, world.users["B1"])
        assert b1.replaces_id == a_seat.id and b1.term_end == a_end  # the rest of the leaving member's term
    again = client.post(f"/elections/{motion_id}/leave", data={"seat": a_seat.id})
    assert again.status_code == 409
    with app.app_context():
        c_seat = _seat_of(motion_id, world.users["C"]).id
    resp = client.post(f"/elections/{motion_id}/leave", data={"seat": c_seat}, follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert "另行选举" in text  # no alternate is left: a by-election is needed


def test_without_the_rule_nobody_steps_in(app, world, client):
    motion_id = _installed(app, world, client, step_in=False)
    with app.app_context():
        a_seat = _seat_of(motion_id, world.users["A"]).id
    assert client.post(f"/elections/{motion_id}/leave", data={"seat": a_seat}).status_code == 302
    with app.app_context():
        assert _seat_of(motion_id, world.users["B1"]) is None
    world.login(client, "A")  # an owner does not record departures
    assert client.post(f"/elections/{motion_id}/leave", data={"seat": a_seat}).status_code == 403


def test_an_owner_in_arrears_cannot_stand_where_the_community_says_so(app, world, client, factory):
    from govern.audit.models import AuditEntry
    from govern.elections import services
    from govern.register.models import Community

    factory.user("staff", roles=("property_staff",), community=world.cid)
    mid, motion_id = world.make_election(candidates=(), close=False, publish=False)
    world.login(client, "A")
    assert client.post("/c/garden/arrears", data={"owner": "C", "note": "欠费两年"}).status_code == 403
    client = app.test_client()
    client.post("/login", data={"username": "staff", "password": TEST_PASSWORD})
    assert client.post("/c/garden/arrears", data={"owner": "C", "note": "欠费两年"}).status_code == 302
    assert client.post("/c/garden/arrears", data={"owner": "C"}).status_code == 409  # already_flagged
    page = client.get("/c/garden/arrears").get_data(as_text=True)
    assert "欠费两年" in page
    with app.test_request_context():  # the flag's day in the pages' date format, not a raw ISO date
        from govern.templating import format_day

        assert format_day(world.clock.moment) in page and world.clock.moment.date().isoformat() not in page

    def nominate():
        from govern.ballots.models import Motion

        with app.test_request_context():
            motion = db.session.get(Motion, motion_id)
            try:
                services.nominate(motion, nominee=world.user("C"), by="committee", actor=world.user("chair"))
            except DomainError as refused:
                db.session.rollback()
                return refused.code
            db.session.rollback()
            return None

    assert nominate() is None  # the check is off by default
    with app.app_context():
        db.session.get(Community, world.cid).settings_json = {"election_exclude_arrears": True}
        db.session.commit()
    assert nominate() == "candidate_not_eligible"
    assert client.post("/c/garden/arrears", data={"owner": "C", "action": "clear"}).status_code == 302
    assert nominate() is None
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("owner.arrears%"))))
        assert actions == {"owner.arrears_set", "owner.arrears_cleared"}
