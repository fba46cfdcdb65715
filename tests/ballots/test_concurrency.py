"""Many voters casting into one meeting at once (PostgreSQL): no fork in the chain, no lost ballot."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.ballots.models import BallotEntry, RollPerson
from govern.core.ballot import build_ballot, new_nonce
from govern.core.keys import generate_keypair, sign
from govern.core.ledger import verify_chain
from govern.extensions import db
from govern.meetings import services
from tests.conftest import ON_POSTGRES
from tests.meetings.helpers import OPENS, World

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="row locks are tested on PostgreSQL (set DATABASE_URL; CI does); SQLite serialises writers"
)

VOTERS = 40


def _register(n: int) -> str:
    lines = ["unit,building,area,status,owners"]
    lines += [f"{i + 1:03d},{1 + i % 3},{80 + i % 7}.50,delivered,O{i:03d}" for i in range(n)]
    return "\n".join(lines) + "\n"


def test_concurrent_casts_one_chain_no_lost_ballot(app, factory, monkeypatch):
    world = World(app, factory, monkeypatch, owners=())
    from govern.accounts.models import User
    from govern.register.models import Community

    cid = factory.community(slug="big", name="大花园", register=_register(VOTERS))
    users = [factory.user(f"v{i:03d}", community=cid, owner_ref=f"O{i:03d}") for i in range(VOTERS)]
    factory.user("bigchair", roles=("committee_chair",), community=cid)
    keys = {}
    with app.test_request_context():
        for uid in users:
            private, public = generate_keypair()
            services.enroll_key(db.session.get(User, uid), {"public_key": public}, actor=None, check_pw=False)
            keys[uid] = (private, public)
        data = services.MeetingData(title="Big", opens_at=OPENS, closes_at=OPENS + timedelta(days=5),
                                    motions=[services.MotionData(title="M")])
        meeting = services.create_meeting(db.session.get(Community, cid), data, actor=None)
        services.publish_meeting(meeting, actor=None)
        db.session.commit()
        mid, roll_hash, motion = meeting.id, meeting.roll_hash, str(meeting.motions[0].id)
        agenda = meeting.agenda_hash
        voter_of = {int(p.casters[0]): p.person for p in db.session.scalars(
            select(RollPerson).where(RollPerson.meeting_id == mid))}
    world.clock.set(OPENS + timedelta(hours=1))

    bodies = {}
    for uid in users:
        ballot = build_ballot(community=str(cid), meeting=str(mid), roll_hash=roll_hash, voter=voter_of[uid],
                              choices={motion: "agree"}, issued_at=world.clock.moment, nonce=new_nonce(os.urandom),
                              agenda_hash=agenda)
        bodies[uid] = {"ballot": ballot, "signature": sign(keys[uid][0], ballot), "key_id": keys[uid][1]}

    barrier = threading.Barrier(VOTERS)
    errors: list = []
    receipts: list = []

    def cast(uid: int) -> None:
        try:
            with app.test_request_context():
                from govern.ballots.models import Meeting

                user = db.session.get(User, uid)
                db.session.rollback()
                barrier.wait(timeout=30)  # everybody casts at the same moment
                entry = services.cast_ballot(db.session.get(Meeting, mid), bodies[uid], actor=user)
                db.session.commit()
                receipts.append((entry.position, entry.chain_hash))
                db.session.remove()
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=cast, args=(uid,)) for uid in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert sorted(p for p, _ in receipts) == list(range(1, VOTERS + 1))
    with app.app_context():
        from govern.ballots.models import Meeting

        m = db.session.get(Meeting, mid)
        entries = services.ledger_entries(m)
        assert len(entries) == VOTERS == m.ledger_length
        assert verify_chain(entries) == []
        assert m.ledger_head == entries[-1].chain_hash
        stored = {(e.position, e.chain_hash) for e in entries}
        assert set(receipts) == stored
        assert db.session.scalar(select(db.func.count(BallotEntry.id))) == VOTERS
