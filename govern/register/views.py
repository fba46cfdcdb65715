"""Register pages: the unit list for the committee, auditors and admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from govern.accounts.access import COMMITTEE, community_required, has_role
from govern.accounts.models import Role
from govern.extensions import db
from govern.register.models import Building, Ownership, Unit

bp = Blueprint("register", __name__)


def can_view_register(user, community) -> bool:
    return has_role(user, community, *COMMITTEE, Role.AUDITOR, Role.ADMIN, Role.OBSERVER)


@bp.get("/c/<slug>/register")
@community_required(can_view_register)
def index(community):
    building = request.args.get("building", "")
    q = (
        select(Unit)
        .join(Building)
        .where(Unit.community_id == community.id)
        .options(selectinload(Unit.ownerships).selectinload(Ownership.owner), selectinload(Unit.building))
        .order_by(Building.code, Unit.number)
    )
    if building:
        q = q.where(Building.code == building)
    page = db.paginate(q, per_page=100, error_out=False)
    totals = db.session.execute(
        select(func.count(Unit.id), func.coalesce(func.sum(Unit.area), 0)).where(Unit.community_id == community.id)
    ).one()
    return render_template(
        "register/index.html", page=page, buildings=community.buildings, building=building, totals=totals
    )
