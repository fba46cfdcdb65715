"""The inbox's unread counts for the header and the tabs (issue #16: one inbox, notices and messages as tabs).

Personal messages live in ``govern.delivery.inbox``; notices are the other tab. ``inbox_unread(community)``
is a template global (read-only: it counts, it marks nothing).
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select

from govern.delivery.inbox import unread_messages
from govern.extensions import db
from govern.notices.models import NoticeReceipt


def unread_notices(user, community) -> int:
    return db.session.scalar(select(func.count(NoticeReceipt.id)).where(
        NoticeReceipt.user_id == user.id, NoticeReceipt.community_id == community.id,
        NoticeReceipt.viewed_at.is_(None))) or 0


def inbox_unread(community) -> dict[str, int]:
    """``{"messages", "notices", "total"}``: what the signed-in user has not read yet in ``community``."""
    if community is None or not getattr(current_user, "is_authenticated", False):
        return {"messages": 0, "notices": 0, "total": 0}
    messages, notices = unread_messages(current_user, community), unread_notices(current_user, community)
    return {"messages": messages, "notices": notices, "total": messages + notices}


def template_globals() -> dict:
    return {"inbox_unread": inbox_unread}
