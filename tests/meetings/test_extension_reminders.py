"""An extension of the voting window (R12, issue #13 item 3) moves the meeting's scheduled vote reminders with
the close: a reminder set "1 day before close" goes out 1 day before the new close, not the old one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govern.delivery.models import Reminder
from govern.delivery.reminders import run_due_reminders, set_meeting_schedule
from govern.extensions import db
from tests.ballots.helpers import CLOSES, OPENS
from tests.meetings.test_notice_law import _extend, _extension
from tests.meetings.test_notice_law import world as world  # noqa: F401  (the fixture)


def _schedule(app, world, mid: int, offsets: list[int]) -> None:
    with app.test_request_context():
        set_meeting_schedule(world.meeting(mid), offsets, actor=world.user("chair"))
        db.session.commit()


def _reminders(app, mid: int) -> list[tuple[int | None, str, object]]:
    with app.app_context():
        return [(r.offset_minutes, r.status, r.due_at) for r in db.session.scalars(
            select(Reminder).where(Reminder.kind == "meeting_vote", Reminder.target_id == mid)
            .order_by(Reminder.id))]


def test_an_extension_moves_the_scheduled_reminders(app, world, client):
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    day, week = 24 * 60, 7 * 24 * 60
    _schedule(app, world, mid, [week, day])
    with app.app_context():  # the week-before reminder goes out (owners who have not voted)
        assert run_due_reminders(CLOSES - timedelta(days=7) + timedelta(hours=2)) > 0
        db.session.commit()
    world.clock.set(CLOSES - timedelta(days=3))
    new_close = CLOSES + timedelta(days=5)
    resp = _extend(world, client, mid, _extension(world, client, mid, new_close))
    assert resp.status_code == 201, resp.get_json()
    sent, moved = _reminders(app, mid)
    assert sent[:2] == (week, "sent") and sent[2] == CLOSES - timedelta(days=7)  # a sent one stays as it was
    assert moved == (day, "scheduled", new_close - timedelta(days=1))
    with app.app_context():
        run_due_reminders(CLOSES - timedelta(days=1) + timedelta(hours=2))  # nothing of it a day before the old close
        db.session.commit()
    assert _reminders(app, mid)[1][1] == "scheduled"
    with app.app_context():
        run_due_reminders(new_close - timedelta(days=1) + timedelta(hours=2))  # ... it goes a day before the new one
        db.session.commit()
    assert _reminders(app, mid)[1][1] == "sent"
    with app.app_context():
        from govern.audit.models import AuditEntry

        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reminder.move")) is not None
