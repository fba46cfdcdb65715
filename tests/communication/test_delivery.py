"""Delivery: channel preferences, e-mail to a real SMTP server, the SMS outbox, quiet hours, reminders."""

from __future__ import annotations

import email
from datetime import UTC, datetime, time, timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from govern.extensions import db
from tests.communication.conftest import login


def _prefs(client, **data):
    return client.post("/c/garden/preferences", data=data)


def _publish(client, **data):
    form = {"title": "停水通知", "body": "明天停水", "importance": "normal", "audience": "all"}
    form.update(data)
    return client.post("/c/garden/notices/new", data=form)


def test_preferences_validate_address_and_number(app, world):
    ann = login(app, "ann")
    assert _prefs(ann, email_enabled="y", email="").status_code == 400
    assert _prefs(ann, sms_enabled="y", phone="12345").status_code == 400
    assert _prefs(ann, email_enabled="y", email="ann@example.org", sms_enabled="y", phone="138 0000 0001").status_code \
        == 302
    from govern.delivery.models import DeliveryPreference

    with app.app_context():
        pref = db.session.scalar(select(DeliveryPreference))
        assert pref.channels == ["in_app", "email", "sms"] and pref.phone == "13800000001"


def test_email_delivered_to_local_smtp_server(make_app, smtp_sink):
    app = make_app(GOVERN_SMTP_HOST=smtp_sink.host, GOVERN_SMTP_PORT=smtp_sink.port, GOVERN_SMTP_TLS="none",
                   GOVERN_SMTP_SENDER="wuye@garden.example")
    from tests.factories import Factory

    f = Factory(app)
    cid = f.community()
    f.user("staff", roles=("property_staff",), community=cid)
    f.user("ann", community=cid, owner_ref="A")
    _prefs(login(app, "ann"), email_enabled="y", email="ann@example.org")
    assert _publish(login(app, "staff"), title="电梯检修通知", importance="important").status_code == 302
    assert len(smtp_sink.messages) == 1
    sender, rcpts = smtp_sink.envelopes[0]
    assert sender == "wuye@garden.example" and rcpts == ["ann@example.org"]
    msg = email.message_from_bytes(smtp_sink.messages[0], policy=policy.default)
    assert msg["Subject"] == "重要通知：电梯检修通知"
    assert "/c/garden/notices/1" in msg.get_body(("plain",)).get_content()
    assert msg.get_body(("html",)) is not None
    from govern.delivery.models import Delivery

    with app.app_context():
        row = db.session.scalar(select(Delivery).where(Delivery.channel == "email"))
        assert row.status == "sent" and row.sent_at is not None


def test_email_without_host_is_recorded_not_configured(app, world):
    from govern.delivery.jobs import send_delivery
    from govern.delivery.models import Delivery

    _prefs(login(app, "ann"), email_enabled="y", email="ann@example.org")
    _publish(login(app, "staff"))
    with app.app_context():
        row = db.session.scalar(select(Delivery).where(Delivery.channel == "email"))
        assert row.status == "not_configured"
        send_delivery(row.id)  # running the job again changes nothing
        assert db.session.get(Delivery, row.id).attempts == 1


def test_sms_goes_to_outbox_and_admin_page(app, world, factory):
    from govern.delivery.models import SmsOutbox

    _prefs(login(app, "cat"), sms_enabled="y", phone="13900000003")
    _publish(login(app, "staff"), title="停电通知")
    with app.app_context():
        rows = list(db.session.scalars(select(SmsOutbox)))
        assert len(rows) == 1 and rows[0].phone == "13900000003" and "停电通知" in rows[0].text
    factory.user("root", roles=("admin",))
    assert "13900000003" in login(app, "root").get("/c/garden/sms-outbox").get_data(as_text=True)
    assert login(app, "staff").get("/c/garden/sms-outbox").status_code == 403


@pytest.mark.parametrize("local, expected", [
    ("21:59", "21:59"), ("22:00", "08:00+1"), ("23:30", "08:00+1"), ("00:10", "08:00"), ("07:59", "08:00"),
    ("08:00", "08:00"),
])
def test_quiet_hours_postpone_to_their_end(local, expected):
    from govern.delivery.quiet import postpone
    from govern.formats import LOCAL_TZ as LOCAL

    h, m = (int(x) for x in local.split(":"))
    moment = datetime(2025, 3, 3, h, m, tzinfo=LOCAL)
    got = postpone(moment.astimezone(UTC), (time(22), time(8))).astimezone(LOCAL)
    eh, em = (int(x) for x in expected[:5].split(":"))
    day = 4 if expected.endswith("+1") else 3
    assert got == datetime(2025, 3, day, eh, em, tzinfo=LOCAL)


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_notice_reminder_manual_never_twice_and_only_unacknowledged(app, world, clock):
    from govern.delivery.models import Delivery, ReminderRecipient

    _publish(login(app, "staff"), importance="important")
    login(app, "ann").post("/c/garden/notices/1/acknowledge")
    chair = login(app, "chair")
    chair.post("/c/garden/notices/1/remind")
    with app.app_context():
        got = set(db.session.scalars(select(ReminderRecipient.user_id)))
        assert got == {world.users[n] for n in ("bob1", "bob2", "cat")}
        from govern.delivery.models import Reminder
        from govern.delivery.reminders import run_reminder

        reminder = db.session.scalar(select(Reminder).where(Reminder.created_by_id == world.users["chair"]))
        reminder.status = "scheduled"  # even forced to run again, nobody gets it twice
        assert run_reminder(reminder) == 0
        db.session.commit()
        assert _count(ReminderRecipient) == 3
        assert db.session.scalar(select(func.count(Delivery.id)).where(Delivery.kind == "notice_reminder")) == 3


def test_reminder_recipient_unique_constraint(app, world):
    from sqlalchemy.exc import IntegrityError

    from govern.delivery.models import Reminder, ReminderRecipient

    with app.app_context():
        r = Reminder(community_id=world.cid, kind="notice_ack", target_id=1, due_at=datetime.now(UTC),
                     run_at=datetime.now(UTC))
        db.session.add(r)
        db.session.flush()
        db.session.add_all([ReminderRecipient(community_id=world.cid, reminder_id=r.id, user_id=world.users["ann"]),
                            ReminderRecipient(community_id=world.cid, reminder_id=r.id, user_id=world.users["ann"])])
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_tick_sends_automatic_reminder_after_48h_outside_quiet_hours(app, world, clock):
    from govern.delivery.models import Reminder, ReminderRecipient
    from govern.delivery.tick import tick

    # Published at 20:30 Shanghai: due 48 h later at 20:30, outside quiet hours.
    clock.set(datetime(2025, 3, 3, 12, 30, tzinfo=UTC))
    _publish(login(app, "staff"), importance="important")
    with app.app_context():
        assert tick()["reminders"] == 0
        clock.advance(timedelta(hours=48))
        assert tick()["reminders"] == 4
        assert tick()["reminders"] == 0
        assert _count(ReminderRecipient) == 4
        assert db.session.scalar(select(Reminder.status)) == "sent"


def test_tick_in_quiet_hours_postpones_to_8am(app, world, clock):
    from govern.delivery.models import Reminder, ReminderRecipient
    from govern.delivery.tick import tick
    from govern.formats import LOCAL_TZ as LOCAL

    clock.set(datetime(2025, 3, 3, 23, 0, tzinfo=LOCAL).astimezone(UTC))  # 23:00 Shanghai
    _publish(login(app, "staff"), importance="important")
    with app.app_context():
        row = db.session.scalar(select(Reminder))
        assert row.run_at == datetime(2025, 3, 6, 8, 0, tzinfo=LOCAL)  # due 23:00 on the 5th → 08:00 the 6th
        clock.set(datetime(2025, 3, 6, 7, 59, tzinfo=LOCAL).astimezone(UTC))
        assert tick()["reminders"] == 0 and _count(ReminderRecipient) == 0
        clock.set(datetime(2025, 3, 6, 8, 0, tzinfo=LOCAL).astimezone(UTC))
        assert tick()["reminders"] == 4


def test_manual_reminder_at_night_waits_for_morning(app, world, clock):
    from govern.delivery.models import Reminder, ReminderRecipient
    from govern.formats import LOCAL_TZ as LOCAL

    _publish(login(app, "staff"), importance="important")
    clock.set(datetime(2025, 3, 3, 22, 30, tzinfo=LOCAL).astimezone(UTC))
    login(app, "staff").post("/c/garden/notices/1/remind")
    with app.app_context():
        assert _count(ReminderRecipient) == 0
        manual = db.session.scalar(select(Reminder).where(Reminder.created_by_id.is_not(None)))
        assert manual.status == "scheduled" and manual.run_at == datetime(2025, 3, 4, 8, 0, tzinfo=LOCAL)


def test_tick_command_runs(app, world):
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0 and "reminders: 0" in result.output
