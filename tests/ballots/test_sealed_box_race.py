"""The sealed-box rules under concurrency (PostgreSQL): two second signatures at once complete the declaration
once; two attestations at once after the close never exceed the declared count."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from govern.accounts.models import User
from govern.ballots import paper, sealed_box
from govern.ballots.models import BallotEntry, Meeting, PaperBallot, SealedBox
from govern.core.keys import generate_keypair, sign
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import services
from tests.ballots.helpers import CLOSES, OPENS, RecordWorld
from tests.ballots.test_sealed_box import _box, _enter
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="row locks are tested on PostgreSQL (set DATABASE_URL; CI does); SQLite serialises writers"
)


def _race(app, calls) -> list:
    """Run each ``(user id, action)`` in its own thread and request, all at once; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = []

    def run(uid, action) -> None:
        with app.test_request_context():
            user = db.session.get(User, uid)
            db.session.rollback()
            barrier.wait(timeout=30)
            try:
                action(user)
                db.session.commit()
                outcomes.append("ok")
            except DomainError as err:
                db.session.rollback()
                outcomes.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


@pytest.fixture
def world(app, factory, monkeypatch):
    w = RecordWorld(app, factory, monkeypatch)
    w.users["member2"] = factory.user("member2", roles=("committee_member",), community=w.cid)
    with app.test_request_context():
        private, public = generate_keypair()
        services.enroll_key(w.user("member2"), {"public_key": public}, actor=None, check_pw=False)
        w.keys["member2"], w.key_ids["member2"] = private, public
        db.session.commit()
    return w


def test_concurrent_second_signatures_and_attestations(world, client, app):
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    pending = [_enter(world, client, mid, name) for name in ("B1", "C")]
    world.clock.set(CLOSES + timedelta(minutes=10))
    first = _box(world, mid, "member", 1)

    def second(name):
        body = {"sealed_box": first, "signature": sign(world.keys[name], first), "key_id": world.key_ids[name]}
        return lambda user: sealed_box.sign_sealed_box(db.session.get(Meeting, mid), body, actor=user)

    outcomes = _race(app, [(world.users[n], second(n)) for n in ("chair", "member2")])
    assert outcomes == ["already_declared", "ok"]
    with app.app_context():
        box = db.session.scalar(select(SealedBox).where(SealedBox.meeting_id == mid))
        assert box.complete and len(box.signatures) == 2

    def attest(paper_id, name):
        with app.app_context():
            body = world.attest_body(db.session.get(PaperBallot, paper_id).ballot, name)
        return lambda user: paper.attest_paper_ballot(db.session.get(PaperBallot, paper_id), body, actor=user)

    outcomes = _race(app, [(world.users["chair"], attest(pending[0], "chair")),
                           (world.users["member2"], attest(pending[1], "member2"))])
    assert outcomes == ["ok", "sealed_box_exceeded"]
    with app.app_context():
        assert db.session.scalar(select(func.count(BallotEntry.id)).where(BallotEntry.meeting_id == mid)) == 1
