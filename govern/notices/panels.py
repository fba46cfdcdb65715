"""The community home page's "notices" panel: the latest notices, unread ones marked."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from govern.extensions import db
from govern.home.panels import provider
from govern.notices.models import Notice, NoticeReceipt


@provider("notices")
def latest_notices(community, user) -> list[dict]:
    rows = list(db.session.scalars(select(Notice).where(Notice.community_id == community.id)
                                   .order_by(Notice.published_at.desc()).limit(5)))
    mine = {r.notice_id: r for r in db.session.scalars(select(NoticeReceipt).where(
        NoticeReceipt.user_id == user.id, NoticeReceipt.notice_id.in_([n.id for n in rows])))} if rows else {}
    items = []
    for n in rows:
        meta = []
        if n.is_important:
            meta.append(_("Important"))
        r = mine.get(n.id)
        if r is not None and r.viewed_at is None:
            meta.append(_("Unread"))
        elif r is not None and n.is_important and r.acknowledged_at is None:
            meta.append(_("Please acknowledge"))
        items.append({"title": n.title, "url": url_for("notices.show", slug=community.slug, notice_id=n.id),
                      "meta": " · ".join(meta)})
    if items:
        items.append({"title": _("All notices"), "url": url_for("notices.index", slug=community.slug), "meta": ""})
    return items
