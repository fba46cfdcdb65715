"""Service-request pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from govern import clock
from govern.accounts.access import community_required
from govern.errors import DomainError
from govern.extensions import db
from govern.notices.uploads import upload_dir
from govern.service import services
from govern.service.access import (
    can_file_requests,
    can_handle_requests,
    can_oversee_requests,
    can_see_request,
    can_use_service,
)
from govern.service.forms import AssignForm, ConfirmForm, ReopenForm, RequestForm, ResolveForm, kind_choices
from govern.service.labels import CATEGORY_LABELS, EVENT_LABELS, STATUS_LABELS, SUB_LABELS
from govern.service.models import OPEN_STATUSES, ServicePhoto, ServiceRequest

bp = Blueprint("service", __name__, url_prefix="/c/<slug>/service")


def _request(community, request_id: int) -> ServiceRequest:
    req = db.session.get(ServiceRequest, request_id)
    if req is None or req.community_id != community.id or not can_see_request(current_user, req):
        abort(404)
    return req


@bp.get("/")
@community_required(can_use_service)
def index(community):
    stmt = select(ServiceRequest).where(ServiceRequest.community_id == community.id)
    oversee = can_oversee_requests(current_user, community)
    if not oversee:
        stmt = stmt.where(ServiceRequest.filed_by_id == current_user.id)
    show = request.args.get("show", "open")
    if show == "open":
        stmt = stmt.where(ServiceRequest.status.in_(OPEN_STATUSES + ("resolved",)))
    rows = list(db.session.scalars(stmt.order_by(ServiceRequest.created_at.desc()).limit(200)))
    moment = clock.now()
    overdue = {r.id for r in rows if r.is_overdue(moment)}
    return render_template("service/index.html", rows=rows, overdue=overdue, show=show, oversee=oversee,
                           can_file=can_file_requests(current_user, community))


def _request_form(community) -> RequestForm:
    form = RequestForm()
    form.kind.choices = kind_choices()
    units = services.units_of(current_user, community)
    form.unit_id.choices = [SelectChoice("", _("A common area"))] + [SelectChoice(str(u.id), u.number) for u in units]
    return form


@bp.route("/new", methods=["GET", "POST"])
@community_required(can_file_requests)
def new(community):
    form = _request_form(community)
    status = 200
    if form.validate_on_submit():
        category, _sep, sub = (form.kind.data or "").partition(":")
        data = {"category": category, "subcategory": sub, "unit_id": form.unit_id.data,
                "common_area": form.common_area.data, "description": form.description.data}
        photos = [(f.filename or "", f.read()) for f in form.photos.data or [] if getattr(f, "filename", "")]
        try:
            req = services.file_request(community, data, actor=current_user, photos=photos)
        except DomainError as err:
            db.session.rollback()
            for name, msg in err.details.items():
                target = getattr(form, "kind" if name in ("category", "subcategory") else name, None)
                if target is not None:
                    target.errors = [*target.errors, msg]
            flash(err.message, "error")
            status = err.status
        else:
            flash(_("Your request #%(id)d is filed.", id=req.id), "success")
            return redirect(url_for("service.show", slug=community.slug, request_id=req.id))
    elif form.is_submitted():
        status = 400
    return render_template("service/new.html", form=form), status


@bp.get("/<id:request_id>")
@community_required(can_use_service)
def show(community, request_id: int):
    req = _request(community, request_id)
    handle = can_handle_requests(current_user, community)
    assign = AssignForm()
    assign.assignee_id.choices = [SelectChoice(str(u.id), u.name) for u in services.staff_of(community)]
    return render_template("service/show.html", req=req, handle=handle, now=clock.now(), assign_form=assign,
                           resolve_form=ResolveForm(), confirm_form=ConfirmForm(), reopen_form=ReopenForm(),
                           is_filer=req.filed_by_id == current_user.id)


def _step(community, request_id: int, func, *args, message: str):
    req = _request(community, request_id)
    try:
        func(req, *args, actor=current_user)
    except DomainError as err:
        if err.status in (403, 409) or not err.details:
            raise
        db.session.rollback()
        flash(" ".join(err.details.values()), "error")
        return redirect(url_for("service.show", slug=community.slug, request_id=request_id))
    flash(message, "success")
    return redirect(url_for("service.show", slug=community.slug, request_id=request_id))


@bp.post("/<id:request_id>/acknowledge")
@community_required(can_handle_requests)
def acknowledge(community, request_id: int):
    return _step(community, request_id, services.acknowledge_request, message=_("Acknowledged."))


@bp.post("/<id:request_id>/assign")
@community_required(can_handle_requests)
def assign(community, request_id: int):
    return _step(community, request_id, services.assign_request, request.form, message=_("Assigned."))


@bp.post("/<id:request_id>/resolve")
@community_required(can_handle_requests)
def resolve(community, request_id: int):
    return _step(community, request_id, services.resolve_request, request.form, message=_("Resolved."))


@bp.post("/<id:request_id>/confirm")
@community_required(can_file_requests)
def confirm(community, request_id: int):
    return _step(community, request_id, services.confirm_request, request.form,
                 message=_("Thank you for your rating."))


@bp.post("/<id:request_id>/reopen")
@community_required(can_file_requests)
def reopen(community, request_id: int):
    return _step(community, request_id, services.reopen_request, request.form,
                 message=_("The request is open again."))


@bp.get("/<id:request_id>/photos/<id:photo_id>")
@community_required(can_use_service)
def photo(community, request_id: int, photo_id: int):
    req = _request(community, request_id)
    row = db.session.get(ServicePhoto, photo_id)
    if row is None or row.request_id != req.id:
        abort(404)
    path = upload_dir("service") / row.sha256
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=row.content_type, download_name=row.filename)


@bp.context_processor
def _labels():
    return {"category_labels": CATEGORY_LABELS, "sub_labels": SUB_LABELS, "status_labels": STATUS_LABELS,
            "event_labels": EVENT_LABELS}
