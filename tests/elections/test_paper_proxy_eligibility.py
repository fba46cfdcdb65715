"""Marks on paper and in delegations (#14 item 2), and who may be nominated (item 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.errors import DomainError
from govern.extensions import db
from tests.ballots.helpers import OPENS, codes
from tests.elections.helpers import ElectionWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def _ordinary(world, client, mid, motion_id) -> str:
    return next(m["id"] for m in world.info(client, mid)["motions"] if m["id"] != str(motion_id))


def test_paper_records_marks_or_invalid_and_the_count_takes_both(app, world, client):
    mid, motion_id = world.make_election()
    ids = world.codes_of(mid, motion_id)
    world.clock.set(OPENS + timedelta(hours=1))
    other = _ordinary(world, client, mid, motion_id)
    over = {other: "agree", str(motion_id): {"marks": [ids["A"], ids["B1"], ids["C"]]}}
    world.enter_paper(client, mid, world.person_of(mid, "C"), over)  # the page answers with the refusal
    assert world.latest_paper_id() is None  # over-marked: the committee enters it as invalid instead
    invalid = {other: "agree", str(motion_id): "invalid"}
    world.enter_paper(client, mid, world.person_of(mid, "C"), invalid,
                      reasons={str(motion_id): "勾选超过 2 人"})
    world.attest(client, world.latest_paper_id())
    marks = {other: "agree", str(motion_id): {"marks": [ids["A"]]}}
    world.enter_paper(client, mid, world.person_of(mid, "B1"), marks)
    world.attest(client, world.latest_paper_id())
    body = world.ballot(client, mid, "A", choices={other: "agree", str(motion_id): {"marks": [ids["A"]]}})
    assert world.cast(client, mid, "A", body).status_code == 201
    world.close()
    result = next(r for r in world.results(client, mid) if r["motion"] == str(motion_id))["document"]
    assert result["ballots"] == {"electronic": 1, "paper": 2, "proxy": 0}
    assert result["result"]["invalid"]["persons"] == 1
    assert result["result"]["elected"] == [ids["A"]]
    world.countersign(client, mid, "chair")
    world.countersign(client, mid, "member")
    assert codes(world.export(client, mid)) == set()


def test_a_delegation_instructs_marks(app, world, client):
    mid, motion_id = world.make_election()
    ids = world.codes_of(mid, motion_id)
    world.clock.set(OPENS + timedelta(hours=1))
    bad = world.delegate(client, mid, "C", "A", instructions={str(motion_id): {"marks": ["c999"]}})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "unknown_candidate"
    good = world.delegate(client, mid, "C", "A", instructions={str(motion_id): {"marks": [ids["C"]]}})
    assert good.status_code == 201, good.get_json()


def test_who_may_stand_and_who_may_nominate(app, world):
    from govern.accounts.models import Role, RoleGrant
    from govern.elections import services

    mid, motion_id = world.make_election(candidates=(), close=False, publish=False)
    with app.test_request_context():
        from govern.ballots.models import Motion

        motion = db.session.get(Motion, motion_id)
        chair, a, c = world.user("chair"), world.user("A"), world.user("C")
        with pytest.raises(DomainError) as refused:  # the chair is no owner here
            services.nominate(motion, nominee=chair, by="committee", actor=chair)
        assert refused.value.code == "candidate_not_eligible"
        db.session.add(RoleGrant(user_id=c.id, community_id=world.cid, role=Role.PROPERTY_STAFF))
        db.session.flush()
        with pytest.raises(DomainError) as refused:
            services.nominate(motion, nominee=c, by="committee", actor=chair)
        assert refused.value.code == "candidate_not_eligible"
        with pytest.raises(DomainError) as refused:  # an owner's nomination needs co-signers (default 5)
            services.nominate(motion, nominee=a, by="owners", actor=a)
        assert refused.value.code == "too_few_cosigners"
        with pytest.raises(DomainError) as refused:
            services.nominate(motion, nominee=a, by="preparatory", actor=chair)
        assert refused.value.code == "nomination_not_allowed"
        world.meeting(mid).community.settings_json = {"election_cosigners": 1}
        row = services.nominate(motion, nominee=a, by="owners", actor=a, cosigners=[world.users["B1"]])
        assert row.cosigners == [world.users["B1"]]
        with pytest.raises(DomainError) as refused:
            services.nominate(motion, nominee=a, by="committee", actor=chair)
        assert refused.value.code == "already_nominated"
        with pytest.raises(DomainError) as refused:  # one candidate who has not accepted: nothing to close
            services.close_nominations(motion, actor=chair)
        assert refused.value.code == "candidates_mismatch"


def test_photo_type_and_size_are_checked(app, world, client):
    from govern.elections import services
    from govern.elections.models import Candidate
    from tests.elections.helpers import PNG

    mid, motion_id = world.make_election(close=False, publish=False)
    with app.test_request_context():
        row = db.session.query(Candidate).filter_by(motion_id=motion_id).first()
        owner = db.session.get(type(world.user("A")), row.user_id)
        with pytest.raises(DomainError) as refused:
            services.set_statement(row, actor=owner, photo=b"%PDF-1.4 not a photo", photo_name="me.pdf")
        assert refused.value.code == "bad_type"
        with pytest.raises(DomainError) as refused:
            services.set_statement(row, actor=owner, photo=b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024),
                                   photo_name="big.png")
        assert refused.value.code == "too_large"
        services.set_statement(row, actor=owner, photo=PNG, photo_name="me.png")
        db.session.commit()
        candidate_id = row.id
    world.login(client, "B1")
    resp = client.get(f"/elections/{motion_id}/photo/{candidate_id}")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
