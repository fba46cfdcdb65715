"""The audit log pages: auditors, observers and admins list and filter a community's entries.

They live in admin, above accounts, because they check roles and name actors (accounts), while the log itself
(models, ``log_action``, ``verify_chain``) sits below every feature that writes to it; the blueprint keeps its
name, ``audit``."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select

from govern.accounts.access import can_read_audit, community_required
from govern.accounts.models import User
from govern.audit.labels import action_label
from govern.audit.models import AuditEntry
from govern.extensions import db
from govern.formats import LOCAL_TZ

bp = Blueprint("audit", __name__)

PER_PAGE = 50


@bp.get("/c/<slug>/audit")
@community_required(can_read_audit)
def index(community):

    q = select(AuditEntry).where(AuditEntry.community_id == community.id)
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip()
    day_from = request.args.get("from", "").strip()
    day_to = request.args.get("to", "").strip()
    if action:
        q = q.where(AuditEntry.action.startswith(action))
    if actor:
        q = q.join(User, AuditEntry.actor_id == User.id).where(User.username == actor)
    tz = LOCAL_TZ
    for value, op in ((day_from, "from"), (day_to, "to")):
        if not value:
            continue
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            continue
        start = datetime.combine(day, time(0), tzinfo=tz)
        if op == "from":
            q = q.where(AuditEntry.created_at >= start)
        else:
            q = q.where(AuditEntry.created_at < start + timedelta(days=1))
    page = db.paginate(q.order_by(AuditEntry.seq.desc()), per_page=PER_PAGE, error_out=False)
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.community_id == community.id).distinct().order_by(AuditEntry.action)
    ).all()
    return render_template(
        "audit/index.html",
        page=page,
        actions=actions,
        filters={"action": action, "actor": actor, "from": day_from, "to": day_to},
    )


@bp.app_template_filter("action_label")
def _action_label(code: str) -> str:
    return action_label(code)
