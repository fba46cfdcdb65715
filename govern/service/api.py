"""JSON API of service requests: list, file, read with its timeline, and each step of its handling.

The same predicates and services as the pages: an owner sees their own requests, the property company, the
committee and the street office see the community's; the property company acknowledges, assigns and resolves;
the owner who filed it confirms and rates, or reopens.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern import clock
from govern.accounts.access import can_view_community, user_communities
from govern.api import api_login_required, api_time, json_body, make_blueprint, parsed_json
from govern.errors import DomainError, Forbidden, NotFound
from govern.extensions import db
from govern.register.models import Community
from govern.service import services
from govern.service.access import can_file_requests, can_oversee_requests, can_see_request, can_use_service
from govern.service.api_photos import multipart_request
from govern.service.models import OPEN_STATUSES, ServiceRequest

bp = make_blueprint("service_api", __name__)

#: Most requests one list answer carries (newest first), as on the page.
LIST_LIMIT = 200


def request_json(req: ServiceRequest, community: Community, *, full: bool = False) -> dict:
    out = {"id": req.id, "community": community.slug, "category": req.category, "subcategory": req.subcategory,
           "status": req.status, "unit": req.unit.number if req.unit else None, "common_area": req.common_area,
           "created_at": api_time(req.created_at), "respond_due_at": api_time(req.respond_due_at),
           "resolve_due_at": api_time(req.resolve_due_at), "overdue": req.is_overdue(clock.now())}
    if full:
        out.update({
            "description": req.description, "filed_by": req.filed_by.name,
            "assignee": req.assignee.name if req.assignee else None,
            "acknowledged_at": api_time(req.acknowledged_at), "assigned_at": api_time(req.assigned_at),
            "resolved_at": api_time(req.resolved_at), "resolution_note": req.resolution_note,
            "confirmed_at": api_time(req.confirmed_at), "rating": req.rating, "rating_comment": req.rating_comment,
            "reopen_count": req.reopen_count, "escalated_at": api_time(req.escalated_at),
            "photos": [{"id": p.id, "filename": p.filename, "content_type": p.content_type, "size": p.size,
                        "sha256": p.sha256} for p in req.photos],
            "timeline": [{"kind": e.kind, "at": api_time(e.at), "actor": e.actor.name if e.actor else None,
                          "note": e.note} for e in req.events],
        })
    return out


def _community(slug: str, predicate) -> Community:
    community = db.session.scalar(select(Community).where(Community.slug == slug))
    if community is None or not can_view_community(current_user, community):
        raise NotFound("not_found", _("There is no such community."))
    if not predicate(current_user, community):
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    return community


def _request(request_id: int) -> tuple[ServiceRequest, Community]:
    """The request, if the caller filed it or oversees its community; 404 otherwise (its existence is not told)."""
    req = db.session.get(ServiceRequest, request_id)
    if req is None or not can_see_request(current_user, req):
        raise NotFound("not_found", _("There is no such service request."))
    return req, db.session.get(Community, req.community_id)


@bp.get("/service-requests")
@api_login_required
def list_requests():
    """The caller's own requests, and every request of a community the caller oversees; ``community`` (slug)
    narrows to one, ``show=all`` includes closed ones (default: open and resolved, as on the page)."""
    show = request.args.get("show", "open")
    if show not in ("open", "all"):
        raise DomainError("bad_request", _("show must be open or all."))
    communities = {c.id: c for c in user_communities(current_user) if can_use_service(current_user, c)}
    slug = request.args.get("community")
    if slug:
        communities = {k: c for k, c in communities.items() if c.slug == slug}
    overseen = [k for k, c in communities.items() if can_oversee_requests(current_user, c)]
    stmt = select(ServiceRequest).where(ServiceRequest.community_id.in_(list(communities) or [0]), (
        ServiceRequest.community_id.in_(overseen or [0]) | (ServiceRequest.filed_by_id == current_user.id)))
    if show == "open":
        stmt = stmt.where(ServiceRequest.status.in_(OPEN_STATUSES + ("resolved",)))
    rows = db.session.scalars(stmt.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
                              .limit(LIST_LIMIT))
    return jsonify({"requests": [request_json(r, communities[r.community_id]) for r in rows]})


@bp.post("/service-requests")
@api_login_required
def file_request():
    """A confirmed owner files a request: ``{"community", "category", "subcategory", "description", "unit_id"}``
    or ``"common_area"`` instead of the unit; or the same fields as ``multipart/form-data`` with ``photos``."""
    if request.mimetype == "multipart/form-data":  # with photos (govern.service.api_photos)
        data, photos = multipart_request()
    else:
        data, photos = json_body(required=("community",), types={
            "community": str, "category": str, "subcategory": str, "description": str, "common_area": str,
            "unit_id": int}), []
    community = _community(data["community"], can_file_requests)
    req = services.file_request(community, data, actor=current_user, photos=photos)
    return jsonify(request_json(req, community, full=True)), 201


@bp.get("/service-requests/<id:service_request_id>")
@api_login_required
def get_request(service_request_id: int):
    req, community = _request(service_request_id)
    return jsonify(request_json(req, community, full=True))


def _step(service_request_id: int, func, types: dict | None = None):
    """Load the request (404 first), run the step's service, which checks who may act (403) and the state (409).

    A step that reads fields takes a JSON object (400 ``bad_request`` on a mistyped field); a call without a
    body is an empty object, so the service answers in its order: who may act, the state, then its fields
    (400 ``invalid`` with ``details``).
    """
    req, community = _request(service_request_id)
    if types is None:
        func(req, actor=current_user)
    else:
        func(req, {} if parsed_json() is None else json_body(types=types), actor=current_user)
    return jsonify(request_json(req, community, full=True))


@bp.post("/service-requests/<id:service_request_id>/acknowledge")
@api_login_required
def acknowledge(service_request_id: int):
    """受理 (property company): 409 ``state`` when already acknowledged."""
    return _step(service_request_id, services.acknowledge_request)


@bp.post("/service-requests/<id:service_request_id>/assign")
@api_login_required
def assign(service_request_id: int):
    """派单 (property company): ``{"assignee_id"}``, a member of the property staff."""
    return _step(service_request_id, services.assign_request,
                 {"assignee_id": int})


@bp.post("/service-requests/<id:service_request_id>/resolve")
@api_login_required
def resolve(service_request_id: int):
    """办结 (property company): ``{"note"}`` saying what was done."""
    return _step(service_request_id, services.resolve_request, {"note": str})


@bp.post("/service-requests/<id:service_request_id>/confirm")
@api_login_required
def confirm(service_request_id: int):
    """The owner who filed it confirms the resolution and rates it: ``{"rating": 1..5, "comment"}``."""
    return _step(service_request_id, services.confirm_request,
                 {"rating": int, "comment": str})


@bp.post("/service-requests/<id:service_request_id>/reopen")
@api_login_required
def reopen(service_request_id: int):
    """The owner who filed it reopens it: ``{"reason"}``."""
    return _step(service_request_id, services.reopen_request, {"reason": str})
