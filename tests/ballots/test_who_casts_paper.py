"""The first-caster rule on paper (issue #13 item 1, vector L1): co-owners with nobody designated: whichever of
them casts first is the person's caster for the meeting, on paper as electronically. A paper ballot does not say
which co-owner signed it, so a paper ballot and an electronic ballot for such a person exclude each other;
``govern verify`` holds the record to the same rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.ballots import paper
from govern.ballots.models import BallotEntry, PaperBallot
from govern.core.verify import verify_record
from govern.errors import DomainError
from govern.extensions import db
from tests.ballots.helpers import PDF
from tests.ballots.test_who_casts import NOBODY_DESIGNATED, _cast, _import, _valid_record
from tests.ballots.test_who_casts import world as world  # noqa: F401  (the fixture)
from tests.meetings.helpers import OPENS


def _motion(world, client, mid: int) -> str:
    return world.info(client, mid)["motions"][0]["id"]


def _enter(world, client, mid: int, voter: str, choice: str = "agree"):
    """The member enters a paper ballot for ``voter`` through the paper service (``DomainError`` when refused)."""
    body = world.paper_body(client, mid, voter, {_motion(world, client, mid): choice})
    with world.app.test_request_context():
        row = paper.enter_paper_ballot(world.meeting(mid), body, PDF, actor=world.user("member"))
        db.session.commit()
        return row.id


def _attest(world, paper_id: int):
    with world.app.test_request_context():
        row = db.session.get(PaperBallot, paper_id)
        entry = paper.attest_paper_ballot(row, world.attest_body(row.ballot, "chair"), actor=world.user("chair"))
        db.session.commit()
        return entry.position


def _refused(world, func, *args) -> str:
    with pytest.raises(DomainError) as err:
        func(world, *args)
    with world.app.app_context():
        db.session.rollback()
    return err.value.code


def _ledger(world, mid: int) -> list[tuple[str, str]]:
    with world.app.app_context():
        return [(e.kind, e.voter) for e in db.session.query(BallotEntry).filter_by(meeting_id=mid)
                .order_by(BallotEntry.position)]


def test_after_a_co_owners_electronic_ballot_a_paper_ballot_is_not_designated(app, client, world):
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy="revisable-until-close")
    world.clock.set(OPENS + timedelta(hours=1))
    b = world.person_of(mid, "B1")
    assert _cast(world, client, mid, "B1").status_code == 201
    assert _refused(world, _enter, client, mid, b, "oppose") == "not_designated"
    assert _ledger(world, mid) == [("electronic", b)]
    _valid_record(world, client, mid)


def test_a_paper_ballot_entered_first_binds_the_person_to_paper(app, client, world):
    """The paper ballot is attested first: neither co-owner casts electronically afterwards; a paper ballot
    still awaiting attestation when a co-owner casts electronically is refused at attestation."""
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy="revisable-until-close")
    world.clock.set(OPENS + timedelta(hours=1))
    b = world.person_of(mid, "B1")
    assert _attest(world, _enter(world, client, mid, b)) == 1
    for name in ("B1", "B2"):
        refused = _cast(world, client, mid, name, "oppose")
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_designated"
    # a person with one caster (A) may still revise a paper ballot electronically
    a = world.person_of(mid, "A")
    assert _attest(world, _enter(world, client, mid, a)) == 2
    assert _cast(world, client, mid, "A", "oppose").status_code == 201
    report = _valid_record(world, client, mid)
    assert report.counted == 2


def test_a_pending_paper_ballot_is_refused_at_attestation_after_an_electronic_one(app, client, world):
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy="revisable-until-close")
    world.clock.set(OPENS + timedelta(hours=1))
    b = world.person_of(mid, "B1")
    pending = _enter(world, client, mid, b)
    assert _cast(world, client, mid, "B2").status_code == 201
    assert _refused(world, _attest, pending) == "not_designated"
    assert _ledger(world, mid) == [("electronic", b)]


def test_with_a_designated_co_owner_paper_and_electronic_go_together(app, client, world):
    """One caster (B1 designated): the rule does not apply; B1 revises a paper ballot electronically."""
    mid = world.make_meeting(revision_policy="revisable-until-close")
    world.clock.set(OPENS + timedelta(hours=1))
    b = world.person_of(mid, "B1")
    assert _attest(world, _enter(world, client, mid, b)) == 1
    assert _cast(world, client, mid, "B1", "oppose").status_code == 201
    _valid_record(world, client, mid)


def test_verify_names_a_paper_ballot_after_a_co_owners_electronic_one(app, client, world, monkeypatch):
    """A ledger where the app accepted both (the check bypassed) fails ``govern verify`` with not_designated."""
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy="revisable-until-close")
    world.clock.set(OPENS + timedelta(hours=1))
    b = world.person_of(mid, "B1")
    assert _cast(world, client, mid, "B1").status_code == 201
    monkeypatch.setattr("govern.ballots.paper.check_paper_caster", lambda *a, **k: None)
    assert _attest(world, _enter(world, client, mid, b, "oppose")) == 2
    world.close()
    report = verify_record(world.export(client, mid), workers=1)
    found = {(p.code, p.entry) for p in report.problems}
    assert ("not_designated", 2) in found
    assert {c for c, _ in found} <= {"not_designated", "result_mismatch", "result_counts_mismatch"}
