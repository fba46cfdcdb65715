"""``GET /api/v1/communities/{id}/metrics``: the dashboard's figures as JSON (docs/metrics.md)."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from govern.api import api_login_required, make_blueprint
from govern.errors import DomainError, Forbidden, NotFound
from govern.extensions import db
from govern.metrics import compute
from govern.metrics.access import can_view_metrics
from govern.register.models import Community

bp = make_blueprint("metrics_api", __name__)


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DomainError("bad_request", _("%(name)s must be an ISO 8601 time with a zone.", name=name)) from exc
    if value.tzinfo is None:
        raise DomainError("bad_request", _("%(name)s must be an ISO 8601 time with a zone.", name=name))
    return value


@bp.get("/communities/<id:community_id>/metrics")
@api_login_required
def community_metrics(community_id: int):
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("not_found", _("There is no such community."))
    if not can_view_metrics(current_user, community):
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    m = compute.compute(community, since=_moment("since"), until=_moment("until"))
    return jsonify(compute.to_json(community, m))
