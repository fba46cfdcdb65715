"""Two co-owners with nobody designated cast at the same moment (PostgreSQL): one becomes the caster, the other
is refused ``not_designated`` — under ``revisable-until-close`` too, where the ledger would otherwise take both."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest

from govern.accounts.models import User
from govern.ballots.models import Meeting
from govern.core.ballot import build_ballot, new_nonce
from govern.core.keys import sign
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import services
from govern.register.models import Community
from govern.register.services import import_register
from tests.ballots.test_who_casts import NOBODY_DESIGNATED
from tests.conftest import ON_POSTGRES
from tests.meetings.helpers import OPENS, World

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="row locks are tested on PostgreSQL (set DATABASE_URL)")


@pytest.mark.parametrize("policy", ("single-cast", "revisable-until-close"))
def test_racing_co_owners_one_caster(app, factory, monkeypatch, policy):
    world = World(app, factory, monkeypatch, owners=("A", "B1", "B2"))
    with app.test_request_context():
        import_register(db.session.get(Community, world.cid), NOBODY_DESIGNATED.encode(), actor=None, source="t")
        db.session.commit()
    mid = world.make_meeting(revision_policy=policy)
    world.clock.set(OPENS + timedelta(hours=1))
    with app.test_request_context():
        meeting = world.meeting(mid)
        person = services.persons_for(meeting, world.user("B1"))[0].person
        motion, roll_hash, agenda_hash = str(meeting.motions[0].id), meeting.roll_hash, meeting.agenda_hash
    bodies = {}
    for name in ("B1", "B2"):
        ballot = build_ballot(community=str(world.cid), meeting=str(mid), roll_hash=roll_hash, voter=person,
                              choices={motion: "agree"}, issued_at=world.clock.moment, nonce=new_nonce(os.urandom),
                              agenda_hash=agenda_hash)
        bodies[name] = {"ballot": ballot, "signature": sign(world.keys[name], ballot), "key_id": world.key_ids[name]}
    barrier = threading.Barrier(2)
    outcomes: list = []

    def cast(name: str) -> None:
        with app.test_request_context():
            user = db.session.get(User, world.users[name])
            db.session.rollback()
            barrier.wait(timeout=30)
            try:
                services.cast_ballot(db.session.get(Meeting, mid), bodies[name], actor=user)
                db.session.commit()
                outcomes.append("ok")
            except DomainError as err:
                db.session.rollback()
                outcomes.append(err.code)
            db.session.remove()

    threads = [threading.Thread(target=cast, args=(n,)) for n in ("B1", "B2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["not_designated", "ok"]
