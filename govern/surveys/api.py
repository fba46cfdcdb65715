"""JSON API of satisfaction surveys: list, read with its statements, answer. The pages' predicates and services.

A draft is seen only by those who manage surveys (the committee, admins); answering is for confirmed owners, once
per voting person (co-owners share one response), every statement rated twice from 1 to 7.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import user_communities
from govern.api import api_login_required, api_time, json_body, make_blueprint, parsed_json
from govern.errors import DomainError, NotFound
from govern.extensions import db
from govern.register.models import Community
from govern.surveys import services
from govern.surveys.access import can_manage_surveys, can_view_surveys
from govern.surveys.models import Survey

bp = make_blueprint("surveys_api", __name__)

STATUSES = ("draft", "open", "closed")


def survey_json(survey: Survey, community: Community, *, full: bool = False) -> dict:
    out = {"id": survey.id, "community": community.slug, "title": survey.title, "status": survey.status,
           "opened_at": api_time(survey.opened_at), "closed_at": api_time(survey.closed_at)}
    if full:
        mine = services.persons_of(current_user, community)
        pending = services.pending_persons(survey, current_user, community) if mine else []
        out.update({
            "description": survey.description,
            "items": [{"id": i.id, "dimension": i.dimension, "position": i.position, "statement": i.statement}
                      for i in survey.items],
            "mine": {"persons": len(mine), "pending": len(pending),
                     "can_answer": survey.status == "open" and bool(pending)},
        })
    return out


def _visible(survey: Survey, community: Community) -> bool:
    if not can_view_surveys(current_user, community):
        return False
    return survey.status != "draft" or can_manage_surveys(current_user, community)


def _survey(survey_id: int) -> tuple[Survey, Community]:
    survey = db.session.get(Survey, survey_id)
    community = db.session.get(Community, survey.community_id) if survey is not None else None
    if community is None or not _visible(survey, community):
        raise NotFound("not_found", _("There is no such survey."))
    return survey, community


@bp.get("/surveys")
@api_login_required
def list_surveys():
    """Surveys of the caller's communities, newest first; ``community`` (slug) and ``status`` narrow the list."""
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise DomainError("bad_request", _("status must be draft, open or closed."))
    communities = {c.id: c for c in user_communities(current_user) if can_view_surveys(current_user, c)}
    slug = request.args.get("community")
    if slug:
        communities = {k: c for k, c in communities.items() if c.slug == slug}
    stmt = select(Survey).where(Survey.community_id.in_(list(communities) or [0]))
    if status:
        stmt = stmt.where(Survey.status == status)
    rows = [s for s in db.session.scalars(stmt.order_by(Survey.id.desc()).limit(200))
            if _visible(s, communities[s.community_id])]
    return jsonify({"surveys": [survey_json(s, communities[s.community_id]) for s in rows]})


@bp.get("/surveys/<id:survey_id>")
@api_login_required
def get_survey(survey_id: int):
    survey, community = _survey(survey_id)
    return jsonify(survey_json(survey, community, full=True))


def _answers() -> dict:
    """``{"answers": [{"item", "expectation", "perception"}, ...]}`` as the service's ``e<item>``/``p<item>`` map.

    A call without a body is no answers, so the service answers in its order: the survey's state, whether the
    caller may answer, then the missing ratings (400 ``incomplete``)."""
    if parsed_json() is None:
        return {}
    rows = json_body(types={"answers": list}).get("answers") or []
    out = {}
    for row in rows:
        if not isinstance(row, dict) or not all(
                isinstance(row.get(k), int) and not isinstance(row.get(k), bool)
                for k in ("item", "expectation", "perception")):
            raise DomainError("bad_request", _("Each answer is an object with integer item, expectation and "
                                               "perception."), status=400)
        out[f"e{row['item']}"], out[f"p{row['item']}"] = row["expectation"], row["perception"]
    return out


@bp.post("/surveys/<id:survey_id>/responses")
@api_login_required
def respond(survey_id: int):
    """Answer for each of the caller's voting persons that has not answered yet (409 ``answered`` after)."""
    survey, community = _survey(survey_id)
    rows = services.respond(survey, community, _answers(), actor=current_user)
    return jsonify({"survey": survey.id, "persons": len(rows)}), 201
