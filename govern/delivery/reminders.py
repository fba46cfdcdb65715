"""Reminders to those who have not acted: acknowledge an important notice, or vote in an open assembly.

A ``Reminder`` is due at ``due_at``; it may go out at ``run_at`` (``due_at`` moved out of the community's quiet
hours). ``run_reminder`` sends it once: every recipient gets a ``ReminderRecipient`` row, unique per
(reminder, account), so a reminder run twice — two ticks, a retry — never reaches anyone twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from govern import clock
from govern.audit.services import log_action
from govern.ballots.models import Meeting
from govern.delivery.models import Reminder, ReminderRecipient
from govern.delivery.quiet import community_window, in_quiet_hours, postpone
from govern.delivery.services import send_message
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import extension
from govern.meetings.nonvoters import non_voting_accounts
from govern.register.models import Community

#: Who a reminder of each kind reaches and what it says: ``kind -> targets(reminder, moment)``, answering
#: ``(accounts, message)`` (``message``: the keyword arguments of ``send_message``) or a reason to skip it.
#: The assembly's reminder (meeting_vote) is built here; the notices feature registers notice_ack with
#: :func:`reminder_kind`, so that delivery, below notices, never imports it.
TARGETS: dict[str, Callable[[Reminder, datetime], tuple | str]] = {}
#: At most this many reminders per meeting schedule, and at most 60 days before close.
MAX_OFFSETS = 5
MAX_OFFSET_MINUTES = 60 * 24 * 60


def schedule_reminder(community, kind: str, target_id: int, due_at: datetime, *, actor=None,
                      offset_minutes: int | None = None) -> Reminder:
    """A reminder due at ``due_at``; it will go out at the end of quiet hours if due inside them."""
    if kind not in TARGETS:
        raise ValueError(kind)
    row = Reminder(community_id=community.id, kind=kind, target_id=target_id, offset_minutes=offset_minutes,
                   due_at=due_at, run_at=postpone(due_at, community_window(community)),
                   created_by_id=getattr(actor, "id", None), created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    return row


def parse_offsets(text: str) -> list[int]:
    """"3d, 1d, 12h" → minutes before close, largest first. Bare numbers are days."""
    out = set()
    for part in text.replace("，", ",").replace(" ", ",").split(","):
        part = part.strip().lower()
        if not part:
            continue
        unit = part[-1]
        number = part[:-1] if unit in "dh" else part
        if not number.isdigit() or int(number) <= 0:
            raise DomainError("invalid", _("Write offsets like “3d, 1d, 12h” (days or hours before close)."))
        out.add(int(number) * (60 if unit == "h" else 60 * 24))
    if len(out) > MAX_OFFSETS or any(m > MAX_OFFSET_MINUTES for m in out):
        raise DomainError("invalid", _("At most %(n)d reminders, each at most 60 days before close.", n=MAX_OFFSETS))
    return sorted(out, reverse=True)


def meeting_reminders(meeting) -> list[Reminder]:
    return list(db.session.scalars(select(Reminder).where(
        Reminder.kind == "meeting_vote", Reminder.target_id == meeting.id).order_by(Reminder.due_at)))


def set_meeting_schedule(meeting, offsets: list[int], *, actor) -> list[Reminder]:
    """Replace the meeting's scheduled (unsent) reminders with one per offset (minutes before close).

    Offsets whose moment is already past are not scheduled; reminders already sent are kept.
    """
    community = db.session.get(Community, meeting.community_id)
    moment = clock.now()
    if moment >= meeting.closes_at:
        raise DomainError("closed", _("The voting window has closed."), status=409)
    for row in meeting_reminders(meeting):
        if row.status == "scheduled":
            row.status = "cancelled"
    sent_offsets = {r.offset_minutes for r in meeting_reminders(meeting) if r.status == "sent"}
    created = []
    for minutes in offsets:
        due = meeting.closes_at - timedelta(minutes=minutes)
        if due <= moment or minutes in sent_offsets:
            continue
        created.append(schedule_reminder(community, "meeting_vote", meeting.id, due, actor=actor,
                                         offset_minutes=minutes))
    log_action("reminder.schedule", actor=actor, community=community, object_type="meetings", object_id=meeting.id,
           data={"offsets_minutes": offsets, "scheduled": [r.id for r in created]})
    return created


@extension.announcer
def move_meeting_reminders(meeting, row, actor) -> list[Reminder]:
    """R12: an extension moves the close, so each scheduled reminder of the meeting's schedule (an offset
    before close) moves with it, out of quiet hours again; reminders already sent, skipped or cancelled, and
    one-off reminders, stay as they are. Returns the reminders moved."""
    community = db.session.get(Community, meeting.community_id)
    window = community_window(community)
    moved = []
    for reminder in meeting_reminders(meeting):
        if reminder.status != "scheduled" or reminder.offset_minutes is None:
            continue
        reminder.due_at = meeting.closes_at - timedelta(minutes=reminder.offset_minutes)
        reminder.run_at = postpone(reminder.due_at, window)
        moved.append(reminder)
    if moved:
        db.session.flush()
        log_action("reminder.move", actor=actor, community=community, object_type="meetings", object_id=meeting.id,
               data={"closes_at": meeting.closes_at.isoformat(), "moved": [r.id for r in moved]})
    return moved


def reminder_kind(kind: str):
    """Register ``targets(reminder, moment)`` for reminders of ``kind`` (see :data:`TARGETS`)."""

    def register(targets):
        TARGETS[kind] = targets
        return targets

    return register


def _targets(reminder: Reminder, moment: datetime):
    """(accounts, message) for a reminder, or a reason string to skip it."""
    targets = TARGETS.get(reminder.kind)
    if targets is None:
        return "unknown kind"
    return targets(reminder, moment)


@reminder_kind("meeting_vote")
def _meeting_targets(reminder: Reminder, moment: datetime):
    meeting = db.session.get(Meeting, reminder.target_id)
    if meeting is None or meeting.published_at is None:
        return "meeting not published"
    if moment >= meeting.closes_at:
        return "voting closed"
    users = non_voting_accounts(meeting)
    community = db.session.get(Community, meeting.community_id)
    return users, dict(
        kind="meeting_reminder", template="meeting_reminder", context={"meeting": meeting},
        subject=_l("Please vote: %(title)s", title=meeting.title),
        path=f"/c/{community.slug}/meetings/{meeting.id}", ref_type="meetings", ref_id=meeting.id)


def run_reminder(reminder: Reminder, moment: datetime | None = None) -> int:
    """Send a due reminder to those who have not acted; return how many accounts it reached now."""
    moment = moment or clock.now()
    if reminder.status != "scheduled" or reminder.run_at > moment:
        return 0
    community = db.session.get(Community, reminder.community_id)
    window = community_window(community)
    if in_quiet_hours(moment, window):
        reminder.run_at = postpone(moment, window)
        return 0
    if reminder.kind == "meeting_vote":
        meeting = db.session.get(Meeting, reminder.target_id)
        if meeting is not None and moment < meeting.opens_at:
            reminder.run_at = postpone(meeting.opens_at, window)
            return 0
    found = _targets(reminder, moment)
    if isinstance(found, str):
        reminder.status, reminder.note = "skipped", found[:300]
        return 0
    users, message = found
    already = set(db.session.scalars(select(ReminderRecipient.user_id).where(
        ReminderRecipient.reminder_id == reminder.id)))
    fresh = [u for u in users if u.id not in already]
    for user in fresh:
        db.session.add(ReminderRecipient(community_id=community.id, reminder_id=reminder.id, user_id=user.id,
                                         sent_at=moment))
    db.session.flush()  # the unique constraint stops a concurrent run here, before anything is sent
    send_message(community, fresh, **message)
    reminder.status, reminder.sent_at = "sent", moment
    reminder.recipient_count += len(fresh)
    log_action("reminder.send", community=community, obj=reminder,
           data={"kind": reminder.kind, "target": reminder.target_id, "recipients": len(fresh)})
    return len(fresh)


def run_due_reminders(moment: datetime | None = None) -> int:
    """Run every reminder whose ``run_at`` has come; return the number of accounts reached."""
    moment = moment or clock.now()
    ids = list(db.session.scalars(select(Reminder.id).where(
        Reminder.status == "scheduled", Reminder.run_at <= moment).order_by(Reminder.run_at)))
    total = 0
    for rid in ids:
        row = db.session.scalar(select(Reminder).where(Reminder.id == rid).with_for_update())
        total += run_reminder(row, moment)
    return total
