"""In-app notifications, shaped for more channels.

One ``Notification`` row per recipient holds the kind and its parameters (the text is rendered in the
reader's language when shown); in-app delivery is the row itself (``read_at``). E-mail and SMS will add one
``NotificationDelivery`` row per channel and a job that sends it (see docs/agenda.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from govern.agenda.models import Notification
from govern.clock import now
from govern.extensions import db


def notify(user_ids: Iterable[int], kind: str, *, community=None, url: str = "", exclude: int | None = None,
           **data) -> list[Notification]:
    """Queue one notification per recipient (in the caller's transaction)."""
    rows = []
    cid = getattr(community, "id", community)
    for uid in sorted({u for u in user_ids if u is not None and u != exclude}):
        rows.append(Notification(user_id=uid, community_id=cid, kind=kind, data=data, url=url, created_at=now()))
    db.session.add_all(rows)
    return rows


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now())
    )
    return result.rowcount or 0




def message(n: Notification) -> str:
    """The notification's text in the reader's language."""
    d = n.data or {}
    title = d.get("title", "")
    if n.kind == "cosign_milestone":
        return _("“%(title)s” reached %(percent)s%% of its co-signing threshold.", title=title,
                 percent=d.get("percent", ""))
    if n.kind == "review_ready":
        if d.get("petition"):
            return _("The petition “%(title)s” reached its threshold: the committee must convene the interim "
                     "assembly.", title=title)
        return _("“%(title)s” reached its threshold and waits for the committee's review.", title=title)
    if n.kind == "decision":
        labels = {"accepted": _("accepted as a motion"), "rejected": _("rejected"),
                  "merged": _("merged into another proposal")}
        return _("The committee decided on “%(title)s”: %(decision)s.", title=title,
                 decision=labels.get(d.get("decision"), d.get("decision", "")))
    if n.kind == "reply":
        return _("%(who)s replied to your comment on “%(title)s”.", who=d.get("who", ""), title=title)
    if n.kind == "mention":
        return _("%(who)s mentioned you on “%(title)s”.", who=d.get("who", ""), title=title)
    if n.kind.startswith("result_"):
        # The street office's verdict on a result (R28), announced to every owner in scope.
        verdicts = {"certify": _("certified the result"), "object": _("objected to the result"),
                    "order_correction": _("ordered a correction of the result"),
                    "revoke": _("revoked the decision")}
        verdict = verdicts.get(n.kind[len("result_"):], n.kind)
        return _("The street office %(verdict)s of “%(title)s” (%(meeting)s).", verdict=verdict, title=title,
                 meeting=d.get("meeting", ""))
    if n.kind == "committee_term_ending":
        return _("The owners' committee's term ends on %(date)s: prepare the election.", date=d.get("term_ends_on", ""))
    if n.kind == "objection_filed":
        return _("An owner objected to the result of “%(meeting)s”: the convening body must answer.",
                 meeting=d.get("meeting", ""))
    if n.kind == "objection_answered":
        return _("Your objection to the result of “%(meeting)s” was answered.", meeting=d.get("meeting", ""))
    return n.kind
