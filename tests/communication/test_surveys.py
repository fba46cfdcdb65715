"""SERVQUAL surveys: default items, editing before opening, one response per voting person, gap scores."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select

from govern.extensions import db
from tests.communication.conftest import login


def _make(app):
    chair = login(app, "chair")
    assert chair.post("/c/garden/surveys/", data={"title": "2025 物业满意度"}).status_code == 302
    return chair


def _answers(app, e: int, p: int) -> dict:
    from govern.surveys.models import SurveyItem

    with app.app_context():
        ids = list(db.session.scalars(select(SurveyItem.id)))
    return {**{f"e{i}": str(e) for i in ids}, **{f"p{i}": str(p) for i in ids}}


def test_create_survey_has_22_default_items_editable_only_as_draft(app, world):
    from govern.surveys.models import SurveyItem

    chair = _make(app)
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyItem.id))) == 22
    texts = {"tangibles": "环境整洁", "reliability": "按时完成", "responsiveness": "及时响应",
             "assurance": "让人放心", "empathy": "关心业主\n了解需求"}
    assert chair.post("/c/garden/surveys/1/edit", data=texts).status_code == 302
    assert chair.post("/c/garden/surveys/1/edit", data={**texts, "empathy": ""}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyItem.id))) == 6
    chair.post("/c/garden/surveys/1/open")
    assert chair.post("/c/garden/surveys/1/edit", data=texts).status_code == 409


def test_one_response_per_person_co_owners_share(app, world):
    from govern.surveys.models import SurveyResponse

    chair = _make(app)
    chair.post("/c/garden/surveys/1/open")
    bob1, bob2 = login(app, "bob1"), login(app, "bob2")
    assert bob1.post("/c/garden/surveys/1/respond", data=_answers(app, 6, 4)).status_code == 302
    assert bob2.post("/c/garden/surveys/1/respond", data=_answers(app, 6, 4)).status_code == 409
    assert bob1.post("/c/garden/surveys/1/respond", data=_answers(app, 6, 4)).status_code == 409
    assert login(app, "staff").post("/c/garden/surveys/1/respond", data=_answers(app, 6, 4)).status_code == 403
    with app.app_context():
        assert list(db.session.scalars(select(SurveyResponse.person))) == ["B1+B2"]


def test_incomplete_or_out_of_scale_answers_change_nothing(app, world):
    from govern.surveys.models import SurveyResponse

    chair = _make(app)
    chair.post("/c/garden/surveys/1/open")
    bad = _answers(app, 8, 4)
    login(app, "ann").post("/c/garden/surveys/1/respond", data=bad)
    partial = _answers(app, 5, 4)
    partial.pop(next(iter(partial)))
    login(app, "ann").post("/c/garden/surveys/1/respond", data=partial)
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_gap_scores_exact_per_dimension_and_overall(app, world):
    from govern.surveys.models import Survey
    from govern.surveys.services import results

    chair = _make(app)
    chair.post("/c/garden/surveys/1/open")
    login(app, "ann").post("/c/garden/surveys/1/respond", data=_answers(app, 7, 4))
    login(app, "cat").post("/c/garden/surveys/1/respond", data=_answers(app, 6, 6))
    login(app, "bob2").post("/c/garden/surveys/1/respond", data=_answers(app, 5, 5))
    chair.post("/c/garden/surveys/1/close")
    with app.app_context():
        scores = results(db.session.get(Survey, 1))
        assert scores.responses == 3
        for d in scores.dimensions:
            assert d.expectation == Fraction(18, 3) and d.perception == Fraction(15, 3) and d.gap == -1
        assert scores.overall_gap == -1
    page = login(app, "ann").get("/c/garden/surveys/1/results").get_data(as_text=True)
    assert "-1.00" in page and "移情性" in page


def test_scoring_empty_and_unequal_dimensions():
    from govern.surveys.scoring import score

    empty = score(("a", "b"), [], 0)
    assert empty.overall_gap is None and empty.dimensions[0].gap is None
    s = score(("a", "b"), [("a", 7, 6), ("a", 5, 5), ("b", 3, 6)], 1)
    assert s.dimensions[0].gap == Fraction(-1, 2) and s.dimensions[1].gap == 3
    assert s.overall_gap == Fraction(5, 4)
