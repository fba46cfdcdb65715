"""Who casts for a person (issue #13 item 1): co-owners (vector L1), a sale during the vote (vector L4), a late
owner, the developer's representative; every change is a signed ledger entry that ``govern verify`` replays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.accounts.models import User
from govern.accounts.services import confirm_claim, issue_claim_codes, issue_token, register_owner
from govern.ballots.models import BallotEntry, RollCaster, RollPerson
from govern.core.keys import generate_keypair, sign
from govern.core.ledger import CASTER_CHANGE
from govern.core.verify import verify_record
from govern.extensions import db
from govern.meetings import services
from govern.meetings.casters import set_developer_representative
from govern.register.models import Community, Owner, Unit
from govern.register.services import import_register
from tests.ballots.helpers import RecordWorld
from tests.factories import SMALL_REGISTER
from tests.meetings.helpers import OPENS

POLICIES = ("single-cast", "revisable-until-close")
#: 201 co-owned by B1 and B2 with nobody designated (``voter`` = ``*``).
NOBODY_DESIGNATED = SMALL_REGISTER.replace("unit,building,area,status,owners,owner_names,owner_phones",
                                           "unit,building,area,status,owners,owner_names,owner_phones,voter")
NOBODY_DESIGNATED = "\n".join(
    line + (",*" if line.startswith("201,") else ("" if i == 0 else ","))
    for i, line in enumerate(NOBODY_DESIGNATED.strip().split("\n"))) + "\n"
#: 301 sold by C to G2 (the register after the sale).
SOLD = SMALL_REGISTER.replace("301,3,100.00,delivered,C,C=赵六,", "301,3,100.00,delivered,G2,G2=钱七,")


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch, owners=("A", "B1", "B2", "C"))


def _import(world, text: str) -> None:
    with world.app.test_request_context():
        import_register(db.session.get(Community, world.cid), text.encode("utf-8"), actor=world.user("chair"),
                        source="test")
        db.session.commit()


def _confirm_new_owner(world, ref: str, unit: str, username: str) -> None:
    """The new owner registers with the unit's claim code and the chair confirms them (the real services)."""
    with world.app.test_request_context():
        community = db.session.get(Community, world.cid)
        row = db.session.scalar(select(Unit).where(Unit.community_id == world.cid, Unit.number == unit))
        [(_, code)] = issue_claim_codes(community, [row])
        owner = db.session.scalar(select(Owner).where(Owner.community_id == world.cid, Owner.ref == ref))
        claim = register_owner(code=code, owner_id=owner.id, phone="13800000099", username=username,
                               password="correct-horse-battery", display_name=ref)
        confirm_claim(claim, actor=world.user("chair"))
        user = db.session.get(User, claim.user_id)
        private, public = generate_keypair()
        services.enroll_key(user, {"public_key": public}, actor=user, check_pw=False)
        world.users[ref], world.tokens[ref] = user.id, issue_token(user).token
        world.keys[ref], world.key_ids[ref] = private, public
        db.session.commit()


def _changes(world, mid: int) -> list[dict]:
    with world.app.app_context():
        return [e.ballot for e in db.session.scalars(select(BallotEntry).where(
            BallotEntry.meeting_id == mid, BallotEntry.kind == CASTER_CHANGE).order_by(BallotEntry.position))]


def _cast(world, client, mid: int, name: str, choice: str = "agree", voter: str | None = None):
    """``name`` casts for ``voter`` (default: their own person); a ballot ``name`` may not cast is built from
    another caster's context and signed with ``name``'s key."""
    if voter is None:
        return world.cast(client, mid, name, world.ballot(client, mid, name, choice))
    body = world.ballot(client, mid, "A", choice, voter=voter)
    body["signature"], body["key_id"] = sign(world.keys[name], body["ballot"]), world.key_ids[name]
    return world.cast(client, mid, name, body)


def _valid_record(world, client, mid: int):
    """Voting closes, ``govern tick`` signs the results; the record verifies."""
    world.close()
    report = verify_record(world.export(client, mid), workers=1)
    assert report.valid, [str(p) for p in report.problems]
    return report


@pytest.mark.parametrize("policy", POLICIES)
def test_l1_only_the_designated_co_owner_casts(app, client, world, policy):
    mid = world.make_meeting(revision_policy=policy)
    world.clock.set(OPENS + timedelta(hours=1))
    b = world.person_of(mid, "B1")
    assert _cast(world, client, mid, "B1").status_code == 201
    refused = _cast(world, client, mid, "B2", "oppose", voter=b)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_designated"
    assert client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("B2")).status_code == 403
    report = _valid_record(world, client, mid)
    assert report.counted == 1


@pytest.mark.parametrize("policy", POLICIES)
def test_l1_nobody_designated_the_first_co_owner_to_cast_is_the_caster(app, client, world, policy):
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy=policy)
    world.clock.set(OPENS + timedelta(hours=1))
    b = world.person_of(mid, "B2")
    assert world.person_of(mid, "B1") == b
    assert _cast(world, client, mid, "B2").status_code == 201
    refused = _cast(world, client, mid, "B1", "oppose", voter=b)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_designated"
    if policy == "revisable-until-close":  # the caster may still revise their own ballot
        assert _cast(world, client, mid, "B2", "oppose").status_code == 201
    _valid_record(world, client, mid)


def test_verify_names_a_second_co_owner_ballot_not_designated(app, client, world, monkeypatch):
    """A ledger where both co-owners' ballots were accepted (as the app once did) fails ``govern verify``."""
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy="revisable-until-close")
    world.clock.set(OPENS + timedelta(hours=1))
    assert _cast(world, client, mid, "B1").status_code == 201
    monkeypatch.setattr("govern.ballots.cast.check_first_caster", lambda *a, **k: None)
    assert _cast(world, client, mid, "B2", "oppose").status_code == 201
    world.close()
    report = verify_record(world.export(client, mid), workers=1)
    codes = [p.code for p in report.problems]
    assert "not_designated" in codes and set(codes) <= {"not_designated", "result_mismatch"}


def test_a_co_owner_confirmed_after_the_freeze_is_added(app, client, world):
    _import(world, NOBODY_DESIGNATED)
    with app.app_context():  # B2 has no account yet when the notice is published
        owner = db.session.scalar(select(Owner).where(Owner.community_id == world.cid, Owner.ref == "B2"))
        owner.user_id, owner.confirmed_at = None, None
        db.session.commit()
    mid = world.make_meeting()
    assert client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("B2")).status_code == 403
    _confirm_new_owner(world, "B2", "201", "b2new")
    assert [(c["action"], c["reason"]) for c in _changes(world, mid)] == [("add", "owner_confirmed")]
    world.clock.set(OPENS + timedelta(hours=1))
    assert _cast(world, client, mid, "B2").status_code == 201
    _valid_record(world, client, mid)


@pytest.mark.parametrize("policy", POLICIES)
def test_l4_the_sellers_ballot_stands_and_the_buyer_cannot_vote(app, client, world, policy):
    mid = world.make_meeting(revision_policy=policy)
    world.clock.set(OPENS + timedelta(hours=1))
    c = world.person_of(mid, "C")
    assert _cast(world, client, mid, "C").status_code == 201
    _import(world, SOLD)
    _confirm_new_owner(world, "G2", "301", "gbuyer")
    assert [(x["action"], x["reason"]) for x in _changes(world, mid)] == [("remove", "owner_left")]
    assert client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("G2")).status_code == 403
    refused = _cast(world, client, mid, "G2", "oppose", voter=c)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_eligible"
    assert _cast(world, client, mid, "C", "oppose", voter=c).status_code == 403  # nor can the seller revise
    report = _valid_record(world, client, mid)
    assert report.counted == 1 and report.ballots == 1


def test_l4_a_buyer_casts_once_when_the_seller_had_not_voted(app, client, world):
    mid = world.make_meeting()
    c = world.person_of(mid, "C")
    _import(world, SOLD)
    _confirm_new_owner(world, "G2", "301", "gbuyer")
    assert [(x["action"], x["reason"]) for x in _changes(world, mid)] == [("remove", "owner_left"), ("add", "buyer")]
    world.clock.set(OPENS + timedelta(hours=1))
    me = client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("G2")).get_json()
    assert me["voter"] == c
    assert _cast(world, client, mid, "G2").status_code == 201
    again = _cast(world, client, mid, "G2", "oppose")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_voted"
    report = _valid_record(world, client, mid)
    assert report.counted == 1 and report.ballots == 1


def test_a_buyer_who_already_votes_casts_for_both_persons(app, client, world):
    """SPC art. 9: the register's grouping at the freeze decides; A buys 301 and casts for A and for C's
    person, once each; the committee sees the account flagged."""
    mid = world.make_meeting()
    a, c = world.person_of(mid, "A"), world.person_of(mid, "C")
    _import(world, SMALL_REGISTER.replace("301,3,100.00,delivered,C,C=赵六,", "301,3,100.00,delivered,A,,"))
    world.clock.set(OPENS + timedelta(hours=1))
    assert _cast(world, client, mid, "A", voter=a).status_code == 201
    second = _cast(world, client, mid, "A", "oppose", voter=c)
    assert second.status_code == 201, second.get_json()
    with app.app_context():
        from govern.meetings.rollview import shared_casters

        assert shared_casters(world.meeting(mid)) == {world.users["A"]: 2}
    report = _valid_record(world, client, mid)
    assert report.counted == 2


def test_the_developers_representative_casts_for_the_developer(app, client, world, factory):
    world.users["dev"] = factory.user("dev", community=world.cid)
    with app.test_request_context():
        user = world.user("dev")
        private, public = generate_keypair()
        services.enroll_key(user, {"public_key": public}, actor=user, check_pw=False)
        world.keys["dev"], world.key_ids["dev"], world.tokens["dev"] = private, public, issue_token(user).token
        db.session.commit()
    mid = world.make_meeting()
    assert client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("dev")).status_code == 404
    with app.test_request_context():
        community = db.session.get(Community, world.cid)
        with pytest.raises(Exception) as refused:
            set_developer_representative(community, world.user("dev"), actor=world.user("C"))
        assert refused.value.code == "forbidden"
        set_developer_representative(community, world.user("dev"), actor=world.user("chair"))
        db.session.commit()
        dev = db.session.scalar(select(RollPerson).where(RollPerson.meeting_id == mid,
                                                         RollPerson.register_person == "DEVELOPER"))
        assert db.session.scalar(select(RollCaster.user_id).where(RollCaster.roll_person_id == dev.id)) == \
            world.users["dev"]
    assert [(x["action"], x["reason"]) for x in _changes(world, mid)] == [("add", "developer_representative")]
    world.clock.set(OPENS + timedelta(hours=1))
    assert _cast(world, client, mid, "dev").status_code == 201
    _valid_record(world, client, mid)


def test_verify_refuses_a_caster_change_not_signed_by_the_server_or_the_committee(app, client, world):
    import json

    from govern.ballots.casters import append_caster_change

    mid = world.make_meeting()
    with app.test_request_context():
        meeting = world.meeting(mid)
        person = db.session.scalar(select(RollPerson).where(RollPerson.meeting_id == mid,
                                                            RollPerson.register_person == "DEVELOPER"))
        append_caster_change(meeting, person, world.users["C"], "add", "developer_representative",
                             signer=world.keys["C"], moment=world.clock.moment)
        db.session.commit()
    world.close()
    report = verify_record(world.export(client, mid), workers=1)
    assert [p.code for p in report.problems] == ["caster_change_not_committee"]
    assert json.dumps(report.problems[0].to_json())


def test_verify_checks_the_signers_membership_of_the_convening_body_at_the_time_of_the_change(app, client, world):
    """A caster change signed by a committee member verifies; one signed after that member left the committee is
    refused, though the account was a member earlier in the meeting (issue #13 item 1)."""
    from govern.accounts.models import RoleGrant
    from govern.ballots.casters import append_caster_change

    with app.test_request_context():  # the grants' times on the world's clock (models take the real clock)
        for grant in db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == world.users["member"])):
            grant.granted_at = world.clock.moment
        db.session.commit()
    mid = world.make_meeting()

    def change(name: str, account: str) -> None:
        with app.test_request_context():
            meeting = world.meeting(mid)
            person = db.session.scalar(select(RollPerson).where(RollPerson.meeting_id == mid,
                                                                RollPerson.register_person == "DEVELOPER"))
            append_caster_change(meeting, person, world.users[account], "add", "developer_representative",
                                 signer=world.keys[name], moment=world.clock.moment)
            db.session.commit()

    world.clock.set(OPENS + timedelta(hours=1))
    change("member", "C")
    world.clock.set(OPENS + timedelta(hours=2))
    with app.test_request_context():
        grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == world.users["member"],
                                                          RoleGrant.revoked_at.is_(None)))
        grant.revoked_at = world.clock.moment
        db.session.commit()
    world.clock.set(OPENS + timedelta(hours=3))
    change("member", "A")
    world.close()
    report = verify_record(world.export(client, mid), workers=1)
    assert [p.code for p in report.problems] == ["caster_change_not_committee"]
    assert report.problems[0].entry is not None
