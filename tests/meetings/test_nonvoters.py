"""The accounts to remind: may cast for a roll person whose person has not voted yet."""

from __future__ import annotations

import pytest

from govern.extensions import db
from govern.meetings.nonvoters import non_voting_accounts
from tests.meetings.helpers import OPENS, World


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch, owners=("A", "B1", "B2", "C"))


def test_non_voting_accounts_shrinks_as_persons_vote(app, client, world):
    mid = world.make_meeting()
    world.clock.set(OPENS)
    with app.app_context():
        names = {u.username for u in non_voting_accounts(world.meeting(mid))}
    # Everyone who may cast with an account; committee and auditor accounts hold no home here. B2 is not
    # reminded: the register designates B1 (the first co-owner by default) to cast for 201 (R4c).
    assert names == {"a", "b1", "c"}
    assert world.cast(client, mid, "B1", world.ballot(client, mid, "B1")).status_code == 201
    with app.app_context():
        names = {u.username for u in non_voting_accounts(world.meeting(mid))}
    # B1 voted for the person B1+B2.
    assert names == {"a", "c"}


def test_non_voting_accounts_skips_deactivated_accounts(app, client, world):
    mid = world.make_meeting()
    with app.app_context():
        world.user("C").is_active_account = False
        db.session.commit()
        names = {u.username for u in non_voting_accounts(world.meeting(mid))}
    assert "c" not in names


def test_vote_reminder_reaches_only_non_voters_once(app, client, world):
    """End to end with the real query: the committee schedules "1d", the tick reminds those who have not voted."""
    from datetime import timedelta

    from sqlalchemy import select

    from govern.accounts.models import User
    from govern.delivery.models import ReminderRecipient
    from govern.delivery.tick import tick
    from tests.meetings.helpers import CLOSES

    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    chair = app.test_client()
    chair.post("/login", data={"username": "chair", "password": "correct-horse-battery"})
    assert chair.post(f"/c/garden/meetings/{mid}/reminders", data={"offsets": "1d"}).status_code == 302
    # One day before close is 10:00 in Shanghai (closes at 02:00 UTC = 10:00 local): outside quiet hours.
    world.clock.set(CLOSES - timedelta(days=1))
    with app.app_context():
        assert tick()["reminders"] == 2  # b1 (designated for 201, not voted yet) and c; not a, nor b2
        assert tick()["reminders"] == 0
        reminded = set(db.session.scalars(
            select(User.username).join(ReminderRecipient, ReminderRecipient.user_id == User.id)))
    assert reminded == {"b1", "c"}
