"""Service-request services: file, acknowledge, assign, resolve, confirm and rate, reopen; escalation.

Each step sets its timestamp, appends a ``ServiceEvent``, writes the audit entry and tells the people
concerned on their channels. Services never commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from govern import clock
from govern.accounts.access import COMMITTEE, has_role
from govern.accounts.models import Role, RoleGrant, User
from govern.audit.services import log_action
from govern.delivery.services import send_message
from govern.delivery.settings import sla_hours
from govern.delivery.tick import periodic
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from govern.locking import lock_row
from govern.notices.uploads import store_upload
from govern.register.models import Community, Owner, Ownership, Unit
from govern.service.models import CATEGORIES, OPEN_STATUSES, ServiceEvent, ServicePhoto, ServiceRequest

DESCRIPTION_MAX = 5_000
MAX_PHOTOS = 6


def units_of(user, community) -> list[Unit]:
    """The units the account is the confirmed owner of."""
    return list(db.session.scalars(
        select(Unit).join(Ownership, Ownership.unit_id == Unit.id).join(Owner, Owner.id == Ownership.owner_id)
        .where(Owner.community_id == community.id, Owner.user_id == user.id, Owner.confirmed_at.is_not(None))
        .distinct().order_by(Unit.number)))


def staff_of(community) -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
            RoleGrant.community_id == community.id, RoleGrant.revoked_at.is_(None),
            RoleGrant.role == Role.PROPERTY_STAFF, User.is_active_account.is_(True)).distinct().order_by(User.id)))


def committee_of(community) -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
            RoleGrant.community_id == community.id, RoleGrant.revoked_at.is_(None),
            RoleGrant.role.in_(list(COMMITTEE)), User.is_active_account.is_(True)).distinct().order_by(User.id)))


def request_path(community, req) -> str:
    return f"/c/{community.slug}/service/{req.id}"


def _event(req, kind: str, actor, note: str = "") -> ServiceEvent:
    ev = ServiceEvent(community_id=req.community_id, request_id=req.id, kind=kind,
                      actor_id=getattr(actor, "id", None), at=clock.now(), note=note)
    db.session.add(ev)
    return ev


def _tell(community, users, req, text) -> None:
    send_message(community, users, kind="service_update", template="message", context={"text": text},
                 subject=text, path=request_path(community, req), ref_type="service_requests", ref_id=req.id)


def file_request(community, data: dict, *, actor, photos: list[tuple[str, bytes]] = ()) -> ServiceRequest:
    """An owner files a repair request, complaint or suggestion about one of their units or a common area."""
    errors = {}
    category = data.get("category") or ""
    sub = data.get("subcategory") or ""
    description = (data.get("description") or "").strip()
    common_area = (data.get("common_area") or "").strip()
    unit_id = data.get("unit_id") or None
    if category not in CATEGORIES:
        errors["category"] = _("Choose repair, complaint or suggestion.")
    elif sub not in CATEGORIES[category]:
        errors["subcategory"] = _("Choose a sub-category of this category.")
    if not description:
        errors["description"] = _("Describe the problem.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("The text is too long (at most %(n)d characters).", n=DESCRIPTION_MAX)
    unit = None
    if unit_id not in (None, "", "0", 0):
        unit = next((u for u in units_of(actor, community) if str(u.id) == str(unit_id)), None)
        if unit is None:
            errors["unit_id"] = _("Choose one of your own units, or a common area.")
    elif not common_area:
        errors["common_area"] = _("Say where: one of your units, or the common area.")
    if len(common_area) > 200:
        errors["common_area"] = _("The text is too long (at most %(n)d characters).", n=200)
    photos = [(n, c) for n, c in photos if n or c]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)d photos.", n=MAX_PHOTOS)
    if errors:
        raise DomainError("invalid", _("Please correct the marked fields."), details=errors)
    uploads = [store_upload("service", n, c, images_only=True) for n, c in photos]
    moment = clock.now()
    respond_h, resolve_h = sla_hours(community, category)
    req = ServiceRequest(community_id=community.id, filed_by_id=actor.id, category=category, subcategory=sub,
                         unit_id=unit.id if unit else None, common_area="" if unit else common_area,
                         description=description, status="submitted", created_at=moment,
                         respond_due_at=moment + timedelta(hours=respond_h),
                         resolve_due_at=moment + timedelta(hours=resolve_h))
    db.session.add(req)
    db.session.flush()
    for up in uploads:
        db.session.add(ServicePhoto(community_id=community.id, request_id=req.id, filename=up.filename,
                                    content_type=up.content_type, size=up.size, sha256=up.sha256, created_at=moment))
    _event(req, "filed", actor)
    log_action("service.file", actor=actor, community=community, obj=req,
           data={"category": category, "subcategory": sub, "photos": [u.sha256 for u in uploads]})
    _tell(community, staff_of(community), req, _l("New service request #%(id)s", id=req.id))
    return req


def _community(req) -> Community:
    return db.session.get(Community, req.community_id)


def _staff_only(req, actor) -> Community:
    lock_row(req)  # two staff members acting at once: the second sees the first's status (409 state)
    community = _community(req)
    if not has_role(actor, community, Role.PROPERTY_STAFF, Role.ADMIN):
        raise Forbidden("forbidden", _("Only the property company handles service requests."))
    return community


def acknowledge_request(req, *, actor) -> ServiceRequest:
    """受理: the first response. Stops the response clock."""
    community = _staff_only(req, actor)
    if req.status != "submitted":
        raise Conflict("state", _("This request has already been acknowledged."))
    req.status, req.acknowledged_at = "acknowledged", clock.now()
    _event(req, "acknowledged", actor)
    log_action("service.acknowledge", actor=actor, community=community, obj=req)
    _tell(community, [req.filed_by], req, _l("Your request #%(id)s has been acknowledged.", id=req.id))
    return req


def assign_request(req, data: dict, *, actor) -> ServiceRequest:
    """派单: give the request to a staff member (acknowledging it too when that had not happened)."""
    community = _staff_only(req, actor)
    if req.status not in OPEN_STATUSES:
        raise Conflict("state", _("Only an open request can be assigned."))
    staff = {str(u.id): u for u in staff_of(community)}
    assignee = staff.get(str(data.get("assignee_id") or ""))
    if assignee is None:
        raise DomainError("invalid", _("Choose a member of the property staff."),
                          details={"assignee_id": _("Choose a member of the property staff.")})
    moment = clock.now()
    req.acknowledged_at = req.acknowledged_at or moment
    req.assignee_id, req.assigned_at = assignee.id, moment
    if req.status != "reopened":
        req.status = "assigned"
    _event(req, "assigned", actor, note=assignee.name)
    log_action("service.assign", actor=actor, community=community, obj=req, data={"assignee": assignee.id})
    _tell(community, [assignee], req, _l("Service request #%(id)s was assigned to you.", id=req.id))
    return req


def resolve_request(req, data: dict, *, actor) -> ServiceRequest:
    """办结: the property company resolves the request with a note; the owner then confirms or reopens."""
    community = _staff_only(req, actor)
    if req.status not in OPEN_STATUSES:
        raise Conflict("state", _("Only an open request can be resolved."))
    note = (data.get("note") or "").strip()
    if not note:
        raise DomainError("invalid", _("Say what was done."), details={"note": _("Say what was done.")})
    moment = clock.now()
    req.acknowledged_at = req.acknowledged_at or moment
    req.status, req.resolved_at, req.resolution_note = "resolved", moment, note[:DESCRIPTION_MAX]
    _event(req, "resolved", actor, note=note[:DESCRIPTION_MAX])
    log_action("service.resolve", actor=actor, community=community, obj=req)
    _tell(community, [req.filed_by], req,
          _l("Your request #%(id)s is resolved. Please confirm and rate it, or reopen it.", id=req.id))
    return req


def _filer_only(req, actor) -> Community:
    lock_row(req)  # a double submit of confirm or reopen: the second answers 409 state
    if req.filed_by_id != actor.id:
        raise Forbidden("forbidden", _("Only the owner who filed the request can do this."))
    if req.status != "resolved":
        raise Conflict("state", _("The request is not waiting for your confirmation."))
    return _community(req)


def confirm_request(req, data: dict, *, actor) -> ServiceRequest:
    """The owner confirms the resolution and rates it 1–5, with an optional comment."""
    community = _filer_only(req, actor)
    try:
        rating = int(data.get("rating") or 0)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError("invalid", _("Rate from 1 to 5 stars."), details={"rating": _("Rate from 1 to 5 stars.")})
    comment = (data.get("comment") or "").strip()[:2000]
    req.status, req.confirmed_at, req.rating, req.rating_comment = "closed", clock.now(), rating, comment
    _event(req, "confirmed", actor, note=f"{rating}/5 {comment}".strip())
    log_action("service.confirm", actor=actor, community=community, obj=req, data={"rating": rating})
    return req


def reopen_request(req, data: dict, *, actor) -> ServiceRequest:
    """The owner is not satisfied: the request is open again and its resolution clock keeps running."""
    community = _filer_only(req, actor)
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise DomainError("invalid", _("Say why the problem is not solved."),
                          details={"reason": _("Say why the problem is not solved.")})
    req.status, req.resolved_at = "reopened", None
    req.reopen_count += 1
    _event(req, "reopened", actor, note=reason[:2000])
    log_action("service.reopen", actor=actor, community=community, obj=req)
    _tell(community, [req.assignee] if req.assignee else staff_of(community), req,
          _l("Service request #%(id)s was reopened by the owner.", id=req.id))
    return req


def overdue_requests(community, moment=None) -> list[ServiceRequest]:
    moment = moment or clock.now()
    rows = db.session.scalars(select(ServiceRequest).where(
        ServiceRequest.community_id == community.id, ServiceRequest.status.in_(OPEN_STATUSES)))
    return [r for r in rows if r.is_overdue(moment)]


@periodic("service_escalations")
def escalate_overdue(moment=None) -> int:
    """Tell the committee, once per request, about every request past its clock (run by ``govern tick``)."""
    moment = moment or clock.now()
    count = 0
    for community in db.session.scalars(select(Community).order_by(Community.id)):
        for req in overdue_requests(community, moment):
            if req.escalated_at is not None:
                continue
            req.escalated_at = moment
            _event(req, "escalated", None)
            log_action("service.escalate", community=community, obj=req)
            send_message(community, committee_of(community), kind="service_escalation", template="message",
                         context={"text": _l("Service request #%(id)s is overdue.", id=req.id)},
                         subject=_l("Service request #%(id)s is overdue.", id=req.id),
                         path=request_path(community, req), ref_type="service_requests", ref_id=req.id)
            count += 1
    return count
