"""The surveys JSON API (/api/v1/surveys) through the HTTP client with real bearer tokens."""

from __future__ import annotations

from sqlalchemy import func, select

from govern.extensions import db
from tests.communication.conftest import login

PASSWORD = "correct-horse-battery"


def _bearer(app, username: str) -> dict:
    resp = app.test_client().post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def _draft(app) -> int:
    chair = login(app, "chair")
    resp = chair.post("/c/garden/surveys/", data={"title": "2025 物业满意度"})
    assert resp.status_code == 302
    return 1


def _error(resp) -> str:
    return resp.get_json()["error"]["code"]


def test_owners_see_open_surveys_answer_once_per_home(app, world):
    from govern.surveys.models import SurveyResponse

    sid = _draft(app)
    client = app.test_client()
    ann, bob1, bob2, chair, staff = (_bearer(app, n) for n in ("ann", "bob1", "bob2", "chair", "staff"))
    # a draft is the committee's
    assert client.get("/api/v1/surveys", headers=ann).get_json() == {"surveys": []}
    assert client.get(f"/api/v1/surveys/{sid}", headers=ann).status_code == 404
    assert client.get("/api/v1/surveys?status=draft", headers=chair).get_json()["surveys"][0]["id"] == sid
    login(app, "chair").post(f"/c/garden/surveys/{sid}/open")

    listed = client.get("/api/v1/surveys?status=open", headers=ann).get_json()["surveys"]
    assert [(s["id"], s["status"], s["community"]) for s in listed] == [(sid, "open", "garden")]
    shown = client.get(f"/api/v1/surveys/{sid}", headers=bob1).get_json()
    assert len(shown["items"]) == 22 and shown["mine"] == {"persons": 1, "pending": 1, "can_answer": True}
    answers = [{"item": i["id"], "expectation": 6, "perception": 4} for i in shown["items"]]

    resp = client.post(f"/api/v1/surveys/{sid}/responses", headers=bob1, json={"answers": answers[:-1]})
    assert resp.status_code == 400 and _error(resp) == "incomplete"
    resp = client.post(f"/api/v1/surveys/{sid}/responses", headers=bob1, json={"answers": answers})
    assert resp.status_code == 201 and resp.get_json() == {"survey": sid, "persons": 1}
    # bob2 co-owns the same home: it has answered
    resp = client.post(f"/api/v1/surveys/{sid}/responses", headers=bob2, json={"answers": answers})
    assert resp.status_code == 409 and _error(resp) == "answered"
    assert client.get(f"/api/v1/surveys/{sid}", headers=bob2).get_json()["mine"]["can_answer"] is False
    resp = client.post(f"/api/v1/surveys/{sid}/responses", headers=staff, json={"answers": answers})
    assert resp.status_code == 403 and _error(resp) == "not_owner"
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_malformed_answers_are_bad_requests(app, world):
    sid = _draft(app)
    login(app, "chair").post(f"/c/garden/surveys/{sid}/open")
    client = app.test_client()
    ann = _bearer(app, "ann")
    for body in ({"answers": "all sevens"}, {"answers": [{"item": 1, "expectation": "7", "perception": 7}]},
                 {"answers": [3]}):
        resp = client.post(f"/api/v1/surveys/{sid}/responses", headers=ann, json=body)
        assert resp.status_code == 400 and _error(resp) == "bad_request", body
    assert client.get("/api/v1/surveys?status=maybe", headers=ann).status_code == 400
