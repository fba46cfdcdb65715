"""Register pages: the unit list and unit detail for the committee, auditors and admins; the admin's import.

They live in admin, above accounts, because they check roles (accounts.access) while the register itself
(models, import, records) sits below accounts; the blueprint keeps its name, ``register``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from govern.accounts.access import COMMITTEE, can_manage_register, community_required, has_role
from govern.accounts.models import Role
from govern.extensions import db
from govern.register.forms import RegisterImportForm, format_bytes
from govern.register.models import Building, Ownership, Unit, UnitStatus
from govern.register.services import EXAMPLE_CSV, RegisterImportError, describe_error, import_register

bp = Blueprint("register", __name__)

AREA_SOURCE_LABELS = {
    "register": _l("Property register"),
    "survey": _l("Survey report"),
    "contract": _l("Sales contract"),
}
#: Labels of the unit fields an import reports as changed (``ImportReport.unit_changes``).
CHANGE_LABELS = {
    "area": _l("area"),
    "area_source": _l("source of the area"),
    "status": _l("status"),
    "counts": _l("counts for voting"),
    "building": _l("building"),
    "owners": _l("owners or designated voter"),
}


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
    developer = case((Unit.status != UnitStatus.DELIVERED, 1), else_=0)
    counting = case((Unit.counts_for_voting.is_(True), Unit.area), else_=0)
    by_building = db.session.execute(
        select(Building.code, func.count(Unit.id), func.coalesce(func.sum(Unit.area), 0),
               func.coalesce(func.sum(developer), 0), func.coalesce(func.sum(counting), 0))
        .join(Unit, Unit.building_id == Building.id)
        .where(Building.community_id == community.id)
        .group_by(Building.code)
        .order_by(Building.code)
    ).all()
    return render_template(
        "register/index.html", page=page, buildings=community.buildings, building=building, totals=totals,
        by_building=by_building, can_import=can_manage_register(current_user, community),
    )


@bp.get("/c/<slug>/register/units/<path:number>")
@community_required(can_view_register)
def unit(community, number: str):
    row = db.session.scalar(
        select(Unit)
        .where(Unit.community_id == community.id, Unit.number == number)
        .options(selectinload(Unit.ownerships).selectinload(Ownership.owner), selectinload(Unit.building))
    )
    if row is None:
        abort(404)
    return render_template("register/unit.html", unit=row, area_sources=AREA_SOURCE_LABELS)


@bp.route("/c/<slug>/register/import", methods=["GET", "POST"])
@community_required(can_manage_register)
def import_page(community):
    form = RegisterImportForm()
    limit = format_bytes(current_app.config["REGISTER_MAX_BYTES"])
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("register/import.html", form=form, limit=limit), status
    preview = bool(form.preview.data)
    filename = form.file.data.filename or "register.csv"
    try:
        report = import_register(community, form.data_bytes, actor=current_user, source=f"upload:{filename}")
    except RegisterImportError as exc:
        db.session.rollback()
        errors = [(err.line, describe_error(err)) for err in exc.errors]
        return render_template("register/import.html", form=form, limit=limit, errors=errors,
                               filename=filename), 400
    if preview:
        db.session.rollback()
    else:
        flash(_("The register was imported.") if report.changed_anything
              else _("The file matches the register; nothing changed."), "success")
    return render_template("register/import.html", form=form, limit=limit, report=report, preview=preview,
                           filename=filename, change_labels=CHANGE_LABELS)


@bp.get("/c/<slug>/register/import/example.csv")
@community_required(can_manage_register)
def example(community):
    # The BOM lets spreadsheet programs on Chinese Windows open the file as UTF-8.
    body = "\ufeff" + EXAMPLE_CSV
    return Response(body.encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=register-example.csv"})


@bp.errorhandler(413)
def _too_large(err):
    """A register upload over MAX_CONTENT_LENGTH: say what the limit is instead of a bare status page."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = _("The upload is too large: the limit is %(limit)s.", limit=format_bytes(limit))
    return render_template("errors/error.html", status=413, message=message), 413
