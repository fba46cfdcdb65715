"""A rejected survey answer keeps every rating the owner gave and marks the missing ones (issue #16)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from govern.extensions import db
from tests.communication.conftest import login


def _open_survey(app):
    chair = login(app, "chair")
    assert chair.post("/c/garden/surveys/", data={"title": "2025 物业满意度"}).status_code == 302
    assert chair.post("/c/garden/surveys/1/open").status_code == 302


def test_incomplete_survey_keeps_the_answers_and_marks_the_gap(app, world):
    from govern.surveys.models import SurveyItem, SurveyResponse

    _open_survey(app)
    with app.app_context():
        ids = list(db.session.scalars(select(SurveyItem.id).order_by(SurveyItem.id)))
    answers = {**{f"e{i}": "6" for i in ids}, **{f"p{i}": "3" for i in ids}}
    missing = f"p{ids[-1]}"
    del answers[missing]
    resp = login(app, "ann").post("/c/garden/surveys/1/respond", data=answers)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    # Every rating given comes back checked; only the missing one is marked, next to its question.
    checked = dict(re.findall(r'name="([ep]\d+)" value="(\d)" required checked', html))
    assert checked == answers
    assert re.findall(r'id="([ep]\d+)-err"', html) == [missing]
    assert html.count("请对每道题目评分两次") == 1  # the error, once, at the form
    assert 'action="/c/garden/surveys/1/respond#answers"' in html  # the page returns to the form
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0
    # Completing the one missing rating is enough.
    assert login(app, "ann").post("/c/garden/surveys/1/respond", data={**answers, missing: "4"}).status_code == 302
