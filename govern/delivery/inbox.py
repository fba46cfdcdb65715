"""The owner's one inbox (issue #16): personal messages in one list, notices in the tab beside it.

Two stores hold what is said to one person in a community: the agenda's notifications (replies, mentions,
the committee's decisions, the street office's verdicts) and delivery's in-app messages (reminders, a key
replaced). The inbox shows both as one list, newest first; showing it marks them read (the read receipt
is the GET, see tests/test_get_writes.py). Notices have their own tab (``notices.index``); their unread
count comes from ``govern.notices.inbox``, a layer above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from govern import clock
from govern.agenda.models import Notification
from govern.agenda.notifications import message
from govern.delivery.models import Delivery
from govern.extensions import db

LIMIT = 50


@dataclass(frozen=True)
class InboxItem:
    text: str
    url: str
    at: datetime
    unread: bool


def _deliveries(user, community):
    return (Delivery.user_id == user.id, Delivery.community_id == community.id, Delivery.channel == "in_app")


def _notifications(user, community):
    return (Notification.user_id == user.id, Notification.community_id == community.id)


def personal_messages(user, community, limit: int = LIMIT) -> list[InboxItem]:
    """The account's messages in ``community`` from both stores, newest first."""
    rows = [InboxItem(d.subject, d.url, d.created_at, d.read_at is None) for d in db.session.scalars(
        select(Delivery).where(*_deliveries(user, community)).order_by(Delivery.id.desc()).limit(limit))]
    rows += [InboxItem(message(n), n.url, n.created_at, n.read_at is None) for n in db.session.scalars(
        select(Notification).where(*_notifications(user, community)).order_by(Notification.id.desc()).limit(limit))]
    return sorted(rows, key=lambda r: r.at, reverse=True)[:limit]


def unread_messages(user, community) -> int:
    deliveries = select(func.count(Delivery.id)).where(*_deliveries(user, community), Delivery.read_at.is_(None))
    notes = select(func.count(Notification.id)).where(*_notifications(user, community), Notification.read_at.is_(None))
    return (db.session.scalar(deliveries) or 0) + (db.session.scalar(notes) or 0)


def mark_read(user, community) -> None:
    moment = clock.now()
    db.session.execute(update(Delivery).where(*_deliveries(user, community), Delivery.read_at.is_(None))
                       .values(read_at=moment))
    db.session.execute(update(Notification).where(*_notifications(user, community), Notification.read_at.is_(None))
                       .values(read_at=moment))
