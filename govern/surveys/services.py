"""Survey services: create (with the default items), edit items while a draft, open, close, respond, results."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.audit.services import log_action
from govern.core.persons import Person
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from govern.locking import lock_row
from govern.register.records import persons_of
from govern.surveys.defaults import DEFAULT_ITEMS
from govern.surveys.models import DIMENSIONS, SCALE, Survey, SurveyAnswer, SurveyItem, SurveyResponse
from govern.surveys.scoring import Scores, score

TITLE_MAX = 200
STATEMENT_MAX = 300
ITEMS_MAX = 40


def create_survey(community, data: dict, *, actor) -> Survey:
    title = (data.get("title") or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise DomainError("invalid", _("A title of at most %(n)d characters is required.", n=TITLE_MAX),
                          details={"title": _("A title of at most %(n)d characters is required.", n=TITLE_MAX)})
    survey = Survey(community_id=community.id, title=title, description=(data.get("description") or "").strip(),
                    created_by_id=actor.id, created_at=clock.now())
    db.session.add(survey)
    db.session.flush()
    position = 0
    for dim in DIMENSIONS:
        for statement in DEFAULT_ITEMS[dim]:
            position += 1
            db.session.add(SurveyItem(community_id=community.id, survey_id=survey.id, dimension=dim,
                                      position=position, statement=statement))
    db.session.flush()
    log_action("survey.create", actor=actor, community=community, obj=survey, data={"title": title})
    return survey


def update_items(survey: Survey, texts: dict[str, str], *, actor) -> Survey:
    """Replace the items of a draft: one statement per line, per dimension; every dimension keeps one."""
    if survey.status != "draft":
        raise Conflict("not_draft", _("Items can only be edited before the survey opens."))
    lines = {d: [s.strip() for s in (texts.get(d) or "").splitlines() if s.strip()] for d in DIMENSIONS}
    errors = {}
    for d, items in lines.items():
        if not items:
            errors[d] = _("Each dimension needs at least one statement.")
        elif any(len(s) > STATEMENT_MAX for s in items):
            errors[d] = _("A statement is too long (at most %(n)d characters).", n=STATEMENT_MAX)
    if sum(len(v) for v in lines.values()) > ITEMS_MAX:
        errors["tangibles"] = _("At most %(n)d statements in all.", n=ITEMS_MAX)
    if errors:
        raise DomainError("invalid", _("Please correct the marked fields."), details=errors)
    survey.items.clear()
    db.session.flush()
    position = 0
    for d in DIMENSIONS:
        for statement in lines[d]:
            position += 1
            survey.items.append(SurveyItem(community_id=survey.community_id, dimension=d, position=position,
                                           statement=statement))
    db.session.flush()
    log_action("survey.items", actor=actor, community=survey.community_id, obj=survey, data={"items": position})
    return survey


def open_survey(survey: Survey, *, actor) -> Survey:
    if survey.status != "draft":
        raise Conflict("state", _("Only a draft survey can be opened."))
    survey.status, survey.opened_at = "open", clock.now()
    log_action("survey.open", actor=actor, community=survey.community_id, obj=survey)
    return survey


def close_survey(survey: Survey, *, actor) -> Survey:
    if survey.status != "open":
        raise Conflict("state", _("Only an open survey can be closed."))
    survey.status, survey.closed_at = "closed", clock.now()
    log_action("survey.close", actor=actor, community=survey.community_id, obj=survey)
    return survey


def pending_persons(survey: Survey, user, community) -> list[Person]:
    """The caller's voting persons that have not answered yet."""
    done = set(db.session.scalars(select(SurveyResponse.person).where(SurveyResponse.survey_id == survey.id)))
    return [p for p in persons_of(user, community) if p.id not in done]


def respond(survey: Survey, community, answers: dict, *, actor) -> list[SurveyResponse]:
    """Answer for each of the caller's voting persons that has not answered (co-owners share one response).

    ``answers`` maps ``e<item id>`` and ``p<item id>`` to a Likert value 1–7; every item needs both.
    The survey's row lock serialises answers, so a double submit answers 409 ``answered``, not a
    unique-constraint error.
    """
    lock_row(survey)
    if survey.status != "open":
        raise Conflict("state", _("This survey is not open."))
    mine = persons_of(actor, community)
    if not mine:
        raise Forbidden("not_owner", _("Only confirmed owners with a home in the register can answer."))
    pending = pending_persons(survey, actor, community)
    if not pending:
        raise Conflict("answered", _("Your home has already answered this survey."))
    values = {}
    for item in survey.items:
        pair = []
        for prefix in ("e", "p"):
            raw = answers.get(f"{prefix}{item.id}")
            try:
                v = int(raw)
            except (TypeError, ValueError):
                v = 0
            if v not in SCALE:
                raise DomainError("incomplete", _("Please rate every statement twice, from 1 to 7."))
            pair.append(v)
        values[item.id] = pair
    rows = []
    for person in pending:
        resp = SurveyResponse(community_id=community.id, survey_id=survey.id, person=person.id, user_id=actor.id,
                              created_at=clock.now())
        resp.answers = [SurveyAnswer(community_id=community.id, item_id=i, expectation=e, perception=p)
                        for i, (e, p) in values.items()]
        db.session.add(resp)
        rows.append(resp)
    db.session.flush()  # the unique constraint (survey, person) backs the lock above
    # Which person answered is not secret, but the answers are kept out of the audit log.
    log_action("survey.respond", actor=actor, community=community, obj=survey, data={"persons": len(rows)})
    return rows


def results(survey: Survey) -> Scores:
    rows = db.session.execute(
        select(SurveyItem.dimension, SurveyAnswer.expectation, SurveyAnswer.perception)
        .join(SurveyAnswer, SurveyAnswer.item_id == SurveyItem.id).where(SurveyItem.survey_id == survey.id))
    count = db.session.scalar(select(db.func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id))
    return score(DIMENSIONS, ((d, e, p) for d, e, p in rows), count or 0)
