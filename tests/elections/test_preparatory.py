"""#14 item 6: the street office forms the preparatory group (筹备组) of a community with no committee; the group
nominates and convenes the first assembly; forming it is refused where it breaks the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govern import clock
from govern.accounts.models import Role, RoleGrant, User
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Community
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def town(app, factory):
    """A community with owners A, B1, C, a street-office auditor, a residents' committee and a developer
    account; no committee."""
    cid = factory.community()
    ids = {"street": factory.user("street", roles=("auditor",), community=cid),
           "juwei": factory.user("juwei", roles=("observer",), community=cid),
           "dev": factory.user("dev", community=cid)}
    for ref in ("A", "B1", "C"):
        ids[ref] = factory.user(ref.lower(), community=cid, owner_ref=ref)
    return cid, ids


def _form(cid, ids, members, leader="street", actor="street"):
    from govern.elections import preparatory

    community = db.session.get(Community, cid)
    chosen = [(db.session.get(User, ids[n]), c) for n, c in members]
    return preparatory.form_group(community, chosen, leader=db.session.get(User, ids[leader]),
                                  actor=db.session.get(User, ids[actor]))


GOOD = (("street", "street_office"), ("juwei", "residents_committee"), ("A", "owners"), ("B1", "owners"))


@pytest.mark.parametrize("members, leader, actor, code", [
    (GOOD, "street", "A", "forbidden"),  # only the street office forms it
    ((("street", "street_office"), ("juwei", "residents_committee"), ("dev", "developer"), ("A", "owners")),
     "street", "street", "bad_preparatory_group"),  # owners fewer than half
    ((("street", "street_office"), ("dev", "owners")), "street", "street", "bad_preparatory_group"),  # no owner
    (GOOD, "A", "street", "bad_preparatory_group"),  # the leader is a street-office member
    ((("street", "street_office"), ("A", "tenants")), "street", "street", "bad_preparatory_group"),
])
def test_forming_the_group_is_refused(app, town, members, leader, actor, code):
    cid, ids = town
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            _form(cid, ids, members, leader, actor)
        assert refused.value.code == code
        assert db.session.scalar(select(RoleGrant.id).where(RoleGrant.role == Role.PREPARATORY)) is None


def test_no_group_beside_a_committee_and_only_one_at_a_time(app, town, factory):
    cid, ids = town
    with app.test_request_context():
        _form(cid, ids, GOOD)
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            _form(cid, ids, GOOD)
        assert refused.value.code == "preparatory_group_exists"
    other = factory.community(slug="park", name="公园")
    factory.user("chair2", roles=("committee_chair",), community=other)
    street = factory.user("street2", roles=("auditor",), community=other)
    owner = factory.user("a2", community=other, owner_ref="A")
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            _form(other, {"s": street, "a": owner}, (("s", "street_office"), ("a", "owners")), "s", "s")
        assert refused.value.code == "committee_exists"


def test_the_group_nominates_and_convenes_the_first_assembly(app, town):
    from govern.accounts.access import is_committee
    from govern.audit.models import AuditEntry
    from govern.elections import preparatory
    from govern.elections import services as elections
    from govern.meetings import services

    cid, ids = town
    with app.test_request_context():
        community = db.session.get(Community, cid)
        community.settings_json = {"election_nominators": "owners,committee,preparatory"}
        _form(cid, ids, GOOD)
        a, street = db.session.get(User, ids["A"]), db.session.get(User, ids["street"])
        assert is_committee(a, community)  # the group acts for the committee
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "preparatory.form")) is not None
        moment = clock.now()
        data = services.MeetingData(title="首次业主大会", opens_at=moment + timedelta(days=20),
                                    closes_at=moment + timedelta(days=30))
        with pytest.raises(DomainError) as refused:  # an owner outside the group does not convene it
            preparatory.convene_first_assembly(community, data, actor=db.session.get(User, ids["C"]))
        assert refused.value.code == "forbidden"
        meeting = preparatory.convene_first_assembly(community, data, actor=a)
        assert (meeting.kind, meeting.convener) == ("first", "preparatory")
        motion = elections.create_election(meeting, title="选举第一届业主委员会", seats=1, actor=a)
        with pytest.raises(DomainError) as refused:  # the group is not the committee
            elections.nominate(motion, nominee=db.session.get(User, ids["C"]), by="committee", actor=a)
        assert refused.value.code == "forbidden"
        row = elections.nominate(motion, nominee=db.session.get(User, ids["C"]), by="preparatory", actor=street)
        assert row.nominated_by == "preparatory"
        with pytest.raises(DomainError) as refused:  # an owner outside the group cannot nominate for it
            elections.nominate(motion, nominee=a, by="preparatory", actor=db.session.get(User, ids["C"]))
        assert refused.value.code == "forbidden"


def test_the_street_office_forms_the_group_on_its_page(app, town, client):
    cid, ids = town
    client.post("/login", data={"username": "street", "password": TEST_PASSWORD})
    page = client.get("/c/garden/preparatory").get_data(as_text=True)
    assert 'name="members"' in page
    resp = client.post("/c/garden/preparatory", data={"members": "street street_office\njuwei，residents_committee\n"
                                                                 "a owners\nb1 owners", "leader": "street"})
    assert resp.status_code == 302
    page = client.get("/c/garden/preparatory").get_data(as_text=True)
    assert 'name="members"' not in page and "juwei" in page
    with app.app_context():
        holders = set(db.session.scalars(select(RoleGrant.user_id).where(RoleGrant.role == Role.PREPARATORY,
                                                                         RoleGrant.revoked_at.is_(None))))
        assert holders == {ids["street"], ids["juwei"], ids["A"], ids["B1"]}
