"""After the count (#14 item 5): the winners become the committee with a term, a short or even committee warns, the
filing record (备案) PDF, a runoff limited to the tied group; a candidate cannot countersign their own election."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.core.keys import sign
from govern.extensions import db
from tests.ballots.helpers import OPENS
from tests.elections.helpers import ElectionWorld
from tests.elections.test_election_vote import _marks


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def _counted(world, client, votes=None, *, final=False) -> tuple[int, int, dict]:
    """A counted election; with ``final``, the street office has certified every result (stage ``certified``)."""
    mid, motion_id = world.make_election()
    ids = world.codes_of(mid, motion_id)
    world.clock.set(OPENS + timedelta(hours=1))
    for name, marks in (votes or (("A", ["A", "C"]), ("B1", ["C", "A"]), ("C", ["C"]))):
        assert _marks(world, client, mid, motion_id, name, [ids[m] for m in marks]).status_code == 201
    world.close()
    if final:
        for result in world.results(client, mid):
            assert world.certify(client, mid, result).status_code == 201
    return mid, motion_id, ids


def test_winners_become_the_committee_with_a_term_and_an_even_warning(app, world, client):
    from govern.accounts.models import Role, RoleGrant
    from govern.elections.models import CommitteeSeat

    mid, motion_id, ids = _counted(world, client, final=True)
    world.login(client, "chair")
    page = client.get(f"/elections/{motion_id}").get_data(as_text=True)
    assert "c" in page and f'action="/elections/{motion_id}/committee"' in page
    resp = client.post(f"/elections/{motion_id}/committee", follow_redirects=True)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "偶数" in text or "even number" in text  # two members: votes may tie
    with app.app_context():
        seats = db.session.scalars(select(CommitteeSeat).where(CommitteeSeat.motion_id == motion_id)).all()
        assert {s.user_id for s in seats} == {world.users["A"], world.users["C"]}
        assert all((s.term_end - s.term_start).days >= 5 * 365 - 1 for s in seats)
    with app.test_request_context():  # the terms in the page's date format, never raw ISO dates
        from govern.templating import format_day

        for s in seats:
            assert format_day(s.term_start) in text and format_day(s.term_end) in text
            assert s.term_start.isoformat() not in text and s.term_end.isoformat() not in text
    with app.app_context():
        grants = db.session.scalars(select(RoleGrant.user_id).where(RoleGrant.role == Role.COMMITTEE_MEMBER,
                                                                    RoleGrant.revoked_at.is_(None))).all()
        assert world.users["A"] in grants and world.users["C"] in grants and world.users["B1"] not in grants
    again = client.post(f"/elections/{motion_id}/committee")
    assert again.status_code in (302, 409)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(CommitteeSeat)) == 2


def test_the_filing_record_pdf(app, world, client):
    mid, motion_id, ids = _counted(world, client, final=True)
    world.login(client, "chair")
    client.post(f"/elections/{motion_id}/committee")
    resp = client.get(f"/elections/{motion_id}/filing.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-")


@pytest.mark.parametrize("verdict", [None, "revoke"])
def test_the_committee_is_installed_only_from_a_final_result(app, world, client, verdict):
    """A preliminary result (not countersigned, objection period running) or a revoked one installs no one."""
    from govern.elections.models import CommitteeSeat

    mid, motion_id, ids = _counted(world, client)
    if verdict:
        result = next(r for r in world.results(client, mid) if r["motion"] == str(motion_id))
        assert world.certify(client, mid, result, verdict, reason="计票有误").status_code == 201
    world.login(client, "chair")
    resp = client.post(f"/elections/{motion_id}/committee")
    assert resp.status_code == 409 and "选举结果尚未生效" in resp.get_data(as_text=True)  # result_not_final
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(CommitteeSeat)) == 0


def test_a_candidate_cannot_countersign_their_own_election(app, world, client):
    """A committee member who stands (here: the member is made a candidate's account holder) is refused."""
    from govern.accounts.models import Role, RoleGrant

    mid, motion_id, ids = _counted(world, client)
    with app.app_context():  # A stands and is also on the committee
        db.session.add(RoleGrant(user_id=world.users["A"], community_id=world.cid, role=Role.COMMITTEE_MEMBER))
        db.session.commit()
    result = next(r for r in world.results(client, mid) if r["motion"] == str(motion_id))
    body = {"signature": sign(world.keys["A"], result["document"]), "key_id": world.key_ids["A"]}
    resp = client.post(f"/api/v1/meetings/{mid}/results/{motion_id}/countersign", json=body,
                       headers=world.headers("A"))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "candidate_cannot_countersign"


def test_a_runoff_is_a_new_election_of_the_tied_group(app, world, client):
    from govern.ballots.models import Motion, MotionResult

    mid, motion_id, ids = _counted(world, client)
    with app.app_context():  # a tie for the last seat: B1 and C hold one runoff seat
        row = db.session.scalar(select(MotionResult).where(MotionResult.motion_id == motion_id))
        document = json.loads(json.dumps(row.document))
        document["result"].update(elected=[ids["A"]], runoff=[ids["B1"], ids["C"]], runoff_seats=1,
                                  seats_unfilled=1)
        row.document = document
        db.session.commit()
    draft = world.make_meeting(motions=(("其他事项", "ordinary"),), publish=False)
    world.login(client, "chair")
    resp = client.post(f"/elections/{motion_id}/runoff", data={"meeting": draft})
    assert resp.status_code == 302
    with app.app_context():
        runoff = db.session.scalars(select(Motion).where(Motion.meeting_id == draft, Motion.election.isnot(None))).one()
        assert runoff.election["seats"] == 1 and runoff.election["max_marks"] == 1
        assert [c["name"] for c in runoff.election["candidates"]] == ["b1", "c"]
    assert client.post(f"/elections/{motion_id}/runoff", data={"meeting": 999}).status_code == 400


def test_the_meeting_pages_show_an_election_result(app, world, client):
    mid, motion_id, ids = _counted(world, client)
    world.login(client, "A")
    for url in (f"/meetings/{mid}", f"/meetings/{mid}/result", f"/elections/{motion_id}"):
        resp = client.get(url)
        assert resp.status_code == 200, url


def test_the_result_and_minutes_pdfs_print_an_election(app, world, client):
    mid, motion_id, ids = _counted(world, client)
    world.login(client, "A")
    resp = client.get(f"/meetings/{mid}/result.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
