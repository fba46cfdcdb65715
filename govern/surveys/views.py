"""Survey pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import community_required
from govern.charts import bar_chart
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import decimal_string
from govern.surveys import services
from govern.surveys.access import can_manage_surveys, can_view_surveys
from govern.surveys.labels import DIMENSION_LABELS, STATUS_LABELS
from govern.surveys.models import DIMENSIONS, Survey

bp = Blueprint("surveys", __name__, url_prefix="/c/<slug>/surveys")


@bp.context_processor
def _helpers():
    return {"dimension_labels": DIMENSION_LABELS, "survey_status": STATUS_LABELS, "dec": decimal_string,
            "dimensions": DIMENSIONS}


def _survey(community, survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.community_id != community.id:
        abort(404)
    if survey.status == "draft" and not can_manage_surveys(current_user, community):
        abort(404)
    return survey


@bp.get("/")
@community_required(can_view_surveys)
def index(community):
    manage = can_manage_surveys(current_user, community)
    stmt = select(Survey).where(Survey.community_id == community.id)
    if not manage:
        stmt = stmt.where(Survey.status != "draft")
    return render_template("surveys/index.html", surveys=list(db.session.scalars(stmt.order_by(Survey.id.desc()))),
                           manage=manage)


@bp.post("/")
@community_required(can_manage_surveys)
def create(community):
    try:
        survey = services.create_survey(community, request.form, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("surveys.index", slug=community.slug))
    return redirect(url_for("surveys.edit", slug=community.slug, survey_id=survey.id))


@bp.route("/<id:survey_id>/edit", methods=["GET", "POST"])
@community_required(can_manage_surveys)
def edit(community, survey_id: int):
    survey = _survey(community, survey_id)
    errors = {}
    texts = {d: "\n".join(i.statement for i in survey.items if i.dimension == d) for d in DIMENSIONS}
    if request.method == "POST":
        texts = {d: request.form.get(d, "") for d in DIMENSIONS}
        try:
            services.update_items(survey, texts, actor=current_user)
        except DomainError as err:
            if err.status != 400:
                raise
            db.session.rollback()
            errors = err.details
        else:
            flash(_("The statements are saved."), "success")
            return redirect(url_for("surveys.edit", slug=community.slug, survey_id=survey.id))
    return render_template("surveys/edit.html", survey=survey, texts=texts, errors=errors), 400 if errors else 200


@bp.post("/<id:survey_id>/open")
@community_required(can_manage_surveys)
def open_(community, survey_id: int):
    services.open_survey(_survey(community, survey_id), actor=current_user)
    flash(_("The survey is open."), "success")
    return redirect(url_for("surveys.show", slug=community.slug, survey_id=survey_id))


@bp.post("/<id:survey_id>/close")
@community_required(can_manage_surveys)
def close(community, survey_id: int):
    services.close_survey(_survey(community, survey_id), actor=current_user)
    flash(_("The survey is closed."), "success")
    return redirect(url_for("surveys.results", slug=community.slug, survey_id=survey_id))


@bp.get("/<id:survey_id>")
@community_required(can_view_surveys)
def show(community, survey_id: int):
    return _show_page(community, _survey(community, survey_id))


def _show_page(community, survey: Survey, answers=None, error: str | None = None):
    """The survey page; after a refused answer, with every rating as sent and the unrated ones marked."""
    mine = services.persons_of(current_user, community)
    pending = services.pending_persons(survey, current_user, community) if mine else []
    return render_template("surveys/show.html", survey=survey, has_person=bool(mine), pending=pending,
                           manage=can_manage_surveys(current_user, community), answers=answers or {},
                           error=error)


@bp.post("/<id:survey_id>/respond")
@community_required(can_view_surveys)
def respond(community, survey_id: int):
    survey = _survey(community, survey_id)
    try:
        services.respond(survey, community, request.form, actor=current_user)
    except DomainError as err:
        if err.code != "incomplete":
            raise
        db.session.rollback()
        return _show_page(community, survey, request.form, err.message), 400
    flash(_("Thank you: your answers are recorded."), "success")
    return redirect(url_for("surveys.show", slug=community.slug, survey_id=survey.id))


@bp.get("/<id:survey_id>/results")
@community_required(can_view_surveys)
def results(community, survey_id: int):
    survey = _survey(community, survey_id)
    scores = services.results(survey)
    chart = bar_chart([(str(DIMENSION_LABELS[d.dimension]), d.gap) for d in scores.dimensions],
                      title=_("Gap (perception − expectation) by dimension"), signed=True)
    return render_template("surveys/results.html", survey=survey, scores=scores, chart=chart)
