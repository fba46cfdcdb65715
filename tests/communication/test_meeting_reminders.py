"""Reminders to non-voters while an assembly is open: schedule, channels, never twice, quiet hours.

Here a test double stands in for ``govern.meetings.nonvoters.non_voting_accounts``; the real one is exercised
end to end in ``tests/meetings/test_nonvoters.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from govern.extensions import db
from tests.communication.conftest import login

meetings = pytest.importorskip("govern.meetings.models")


@pytest.fixture
def meeting(app, world, clock):
    with app.app_context():
        m = meetings.Meeting(community_id=world.cid, title="关于更换电梯的业主大会", opens_at=clock.moment,
                             closes_at=clock.moment + timedelta(days=7), published_at=clock.moment)
        db.session.add(m)
        db.session.commit()
        return m.id


@pytest.fixture
def non_voters(monkeypatch, world):
    """The double: everyone listed in ``voters_left`` has not voted yet."""
    from govern.accounts.models import User

    left = {world.users["ann"], world.users["bob1"], world.users["bob2"]}

    def double(meeting):
        return list(db.session.scalars(select(User).where(User.id.in_(left))))

    monkeypatch.setattr("govern.delivery.reminders.non_voting_accounts", double)
    return left


def test_schedule_offsets_creates_reminders_before_close(app, world, clock, meeting, non_voters):
    from govern.delivery.models import Reminder

    resp = login(app, "chair").post(f"/c/garden/meetings/{meeting}/reminders", data={"offsets": "3d, 1d"})
    assert resp.status_code == 302
    with app.app_context():
        due = [r.due_at for r in db.session.scalars(select(Reminder).order_by(Reminder.due_at))]
        close = clock.moment + timedelta(days=7)
        assert due == [close - timedelta(days=3), close - timedelta(days=1)]


def test_schedule_bad_offsets_refused(app, world, meeting):
    assert login(app, "chair").post(f"/c/garden/meetings/{meeting}/reminders",
                                    data={"offsets": "soon"}).status_code == 400
    assert login(app, "ann").post(f"/c/garden/meetings/{meeting}/reminders",
                                  data={"offsets": "1d"}).status_code == 403


def test_meeting_reminders_reach_non_voters_once(app, world, clock, meeting, non_voters):
    from govern.delivery.models import Delivery, ReminderRecipient
    from govern.delivery.tick import tick

    login(app, "ann").post("/c/garden/preferences", data={"sms_enabled": "y", "phone": "13800000001"})
    login(app, "chair").post(f"/c/garden/meetings/{meeting}/reminders", data={"offsets": "3d, 1d"})
    with app.app_context():
        clock.advance(timedelta(days=4))  # exactly 3 days before close (10:00 Shanghai)
        assert tick()["reminders"] == 3
        assert tick()["reminders"] == 0
        non_voters.discard(world.users["ann"])  # ann votes
        clock.advance(timedelta(days=2))
        assert tick()["reminders"] == 2
        rows = db.session.execute(select(ReminderRecipient.reminder_id, ReminderRecipient.user_id)).all()
        assert len(rows) == len(set(rows)) == 5
        sms = db.session.scalar(select(func.count(Delivery.id)).where(Delivery.channel == "sms",
                                                                      Delivery.kind == "meeting_reminder"))
        assert sms == 1  # ann's SMS for the first reminder only


def test_meeting_reminder_after_close_is_skipped(app, world, clock, meeting, non_voters):
    from govern.delivery.models import Reminder
    from govern.delivery.tick import tick

    login(app, "chair").post(f"/c/garden/meetings/{meeting}/reminders", data={"offsets": "1d"})
    with app.app_context():
        clock.advance(timedelta(days=8))
        assert tick()["reminders"] == 0
        assert db.session.scalar(select(Reminder.status)) == "skipped"


def test_meeting_reminder_due_in_quiet_hours_goes_at_8(app, world, clock, non_voters):
    from govern.formats import LOCAL_TZ as LOCAL

    with app.app_context():
        close = datetime(2025, 3, 10, 23, 30, tzinfo=LOCAL).astimezone(UTC)
        m = meetings.Meeting(community_id=world.cid, title="会议", opens_at=clock.moment, closes_at=close,
                             published_at=clock.moment)
        db.session.add(m)
        db.session.commit()
        mid = m.id
    login(app, "chair").post(f"/c/garden/meetings/{mid}/reminders", data={"offsets": "1d"})
    from govern.delivery.models import Reminder

    with app.app_context():
        row = db.session.scalar(select(Reminder))
        assert row.due_at.astimezone(LOCAL).hour == 23
        assert row.run_at == datetime(2025, 3, 10, 8, 0, tzinfo=LOCAL)
