"""JSON API of notices: list, read, the read receipt, acknowledge. The same predicates and services as the pages.

A GET never writes: reading a notice through the API records no read receipt; the client sends
``POST /notices/{id}/viewed`` when it shows the notice, as the page's script does.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import user_communities
from govern.api import api_login_required, api_time, make_blueprint
from govern.errors import NotFound
from govern.extensions import db
from govern.markdown import render
from govern.notices import services
from govern.notices.access import can_follow_up_notices, can_read_notices
from govern.notices.models import Notice, NoticeReceipt
from govern.register.models import Community

bp = make_blueprint("notices_api", __name__)

#: Most notices one list answer carries (newest first), as on the page.
LIST_LIMIT = 100


def receipt_json(receipt: NoticeReceipt | None) -> dict:
    """The caller's own receipt: whether the notice reached them, when they read and acknowledged it."""
    return {"recipient": receipt is not None,
            "viewed_at": api_time(receipt.viewed_at) if receipt else None,
            "acknowledged_at": api_time(receipt.acknowledged_at) if receipt else None}


def notice_json(notice: Notice, community: Community, receipt: NoticeReceipt | None, *, full: bool = False) -> dict:
    out = {"id": notice.id, "community": community.slug, "title": notice.title,
           "importance": notice.importance, "issuer": notice.issuer, "audience": notice.audience,
           "audience_value": notice.audience_value, "published_at": api_time(notice.published_at),
           "mine": receipt_json(receipt)}
    if full:
        out.update({
            "body": notice.body, "body_html": str(render(notice.body)),
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                             "sha256": a.sha256} for a in notice.attachments],
            "counts": (services.receipt_counts(notice)
                       if can_follow_up_notices(current_user, community) else None),
        })
    return out


def _readable_communities() -> list[Community]:
    communities = [c for c in user_communities(current_user) if can_read_notices(current_user, c)]
    slug = request.args.get("community")
    return [c for c in communities if c.slug == slug] if slug else communities


def _notice(notice_id: int) -> tuple[Notice, Community]:
    """The notice, if the caller may read its community's notices; 404 otherwise (its existence is not told)."""
    notice = db.session.get(Notice, notice_id)
    community = db.session.get(Community, notice.community_id) if notice is not None else None
    if community is None or not can_read_notices(current_user, community):
        raise NotFound("not_found", _("There is no such notice."))
    return notice, community


@bp.get("/notices")
@api_login_required
def list_notices():
    """Notices of the caller's communities (optionally one, by ``community`` slug), newest first."""
    communities = {c.id: c for c in _readable_communities()}
    ids = list(communities)
    rows = list(db.session.scalars(select(Notice).where(Notice.community_id.in_(ids or [0]))
                                   .order_by(Notice.published_at.desc(), Notice.id.desc()).limit(LIST_LIMIT)))
    mine = {r.notice_id: r for r in db.session.scalars(select(NoticeReceipt).where(
        NoticeReceipt.user_id == current_user.id, NoticeReceipt.notice_id.in_([n.id for n in rows] or [0])))}
    return jsonify({"notices": [notice_json(n, communities[n.community_id], mine.get(n.id)) for n in rows]})


@bp.get("/notices/<id:notice_id>")
@api_login_required
def get_notice(notice_id: int):
    notice, community = _notice(notice_id)
    return jsonify(notice_json(notice, community, services.receipt_of(notice, current_user), full=True))


@bp.post("/notices/<id:notice_id>/viewed")
@api_login_required
def notice_viewed(notice_id: int):
    """The read receipt: the first call by a recipient counts, later ones change nothing."""
    notice, _community = _notice(notice_id)
    return jsonify(receipt_json(services.record_view(notice, current_user)))


@bp.post("/notices/<id:notice_id>/acknowledge")
@api_login_required
def acknowledge_notice(notice_id: int):
    """我已阅读 for an important notice addressed to the caller (403 ``not_recipient``, 409 ``not_important``)."""
    notice, _community = _notice(notice_id)
    return jsonify(receipt_json(services.acknowledge_notice(notice, actor=current_user)))
