"""The service-request JSON API (/api/v1/service-requests) through the HTTP client with real bearer tokens."""

from __future__ import annotations

from sqlalchemy import select

from govern.extensions import db
from tests.communication.conftest import user

PASSWORD = "correct-horse-battery"


def _bearer(app, username: str) -> dict:
    resp = app.test_client().post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def _unit_id(app, world, username: str, number: str) -> int:
    from govern.register.models import Community
    from govern.service.services import units_of

    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.slug == "garden"))
        return next(u.id for u in units_of(user(app, world.users[username]), community) if u.number == number)


def _error(resp) -> str:
    return resp.get_json()["error"]["code"]


def test_owner_files_staff_handle_owner_confirms_with_the_timeline(app, world):
    client = app.test_client()
    ann, bob, staff = _bearer(app, "ann"), _bearer(app, "bob1"), _bearer(app, "staff")
    resp = client.post("/api/v1/service-requests", headers=ann, json={
        "community": "garden", "category": "repair", "subcategory": "leak",
        "unit_id": _unit_id(app, world, "ann", "101"), "description": "厨房漏水"})
    assert resp.status_code == 201, resp.get_json()
    filed = resp.get_json()
    rid = filed["id"]
    assert (filed["status"], filed["unit"], filed["filed_by"], filed["overdue"]) == ("submitted", "101", "ann", False)

    assert [r["id"] for r in client.get("/api/v1/service-requests", headers=ann).get_json()["requests"]] == [rid]
    assert client.get("/api/v1/service-requests", headers=bob).get_json() == {"requests": []}  # not bob's
    assert client.get(f"/api/v1/service-requests/{rid}", headers=bob).status_code == 404
    assert [r["id"] for r in client.get("/api/v1/service-requests", headers=staff).get_json()["requests"]] == [rid]

    assert client.post(f"/api/v1/service-requests/{rid}/acknowledge", headers=staff).get_json()["status"] \
        == "acknowledged"
    again = client.post(f"/api/v1/service-requests/{rid}/acknowledge", headers=staff)
    assert again.status_code == 409 and _error(again) == "state"
    resp = client.post(f"/api/v1/service-requests/{rid}/assign", headers=staff,
                       json={"assignee_id": world.users["staff2"]})
    assert resp.get_json()["status"] == "assigned" and resp.get_json()["assignee"] == "staff2"
    resp = client.post(f"/api/v1/service-requests/{rid}/resolve", headers=staff, json={"note": "已更换水管"})
    assert resp.get_json()["status"] == "resolved" and resp.get_json()["resolution_note"] == "已更换水管"
    resp = client.post(f"/api/v1/service-requests/{rid}/confirm", headers=ann, json={"rating": 5, "comment": "快"})
    done = resp.get_json()
    assert (done["status"], done["rating"], done["rating_comment"]) == ("closed", 5, "快")
    assert [e["kind"] for e in done["timeline"]] == ["filed", "acknowledged", "assigned", "resolved", "confirmed"]
    # a closed request leaves the default (open) list, and is in show=all
    assert client.get("/api/v1/service-requests", headers=ann).get_json() == {"requests": []}
    assert len(client.get("/api/v1/service-requests?show=all", headers=ann).get_json()["requests"]) == 1


def test_refusals_are_named_4xx(app, world):
    client = app.test_client()
    ann, bob, staff, pending = (_bearer(app, n) for n in ("ann", "bob1", "staff", "pending"))
    base = {"community": "garden", "category": "complaint", "subcategory": "noise", "common_area": "3号楼楼道"}

    resp = client.post("/api/v1/service-requests", headers=ann, json=base)
    assert resp.status_code == 400 and _error(resp) == "invalid"
    assert "description" in resp.get_json()["error"]["details"]
    resp = client.post("/api/v1/service-requests", headers=ann, json={**base, "description": "x", "unit_id": "101"})
    assert resp.status_code == 400 and _error(resp) == "bad_request"  # unit_id is an integer
    resp = client.post("/api/v1/service-requests", headers=ann, json={
        **base, "description": "x", "unit_id": _unit_id(app, world, "cat", "301")})  # not ann's unit
    assert resp.status_code == 400 and "unit_id" in resp.get_json()["error"]["details"]
    resp = client.post("/api/v1/service-requests", headers=staff, json={**base, "description": "x"})
    assert resp.status_code == 403 and _error(resp) == "forbidden"  # only confirmed owners file
    resp = client.post("/api/v1/service-requests", headers=ann, json={**base, "community": "nowhere"})
    assert resp.status_code == 404 and _error(resp) == "not_found"
    resp = client.post("/api/v1/service-requests", headers=pending, json={**base, "description": "x"})
    assert resp.status_code == 404  # registered, but no member of garden

    rid = client.post("/api/v1/service-requests", headers=ann, json={**base, "description": "夜间噪音"})
    rid = rid.get_json()["id"]
    resp = client.post(f"/api/v1/service-requests/{rid}/acknowledge", headers=ann)
    assert resp.status_code == 403 and _error(resp) == "forbidden"
    resp = client.post(f"/api/v1/service-requests/{rid}/resolve", headers=staff)
    assert resp.status_code == 400 and _error(resp) == "invalid" and "note" in resp.get_json()["error"]["details"]
    resp = client.post(f"/api/v1/service-requests/{rid}/confirm", headers=ann, json={"rating": 5})
    assert resp.status_code == 409 and _error(resp) == "state"  # not resolved yet
    resp = client.post(f"/api/v1/service-requests/{rid}/reopen", headers=bob, json={"reason": "x"})
    assert resp.status_code == 404  # bob cannot see ann's request
    assert client.post(f"/api/v1/service-requests/{rid}/resolve", headers=staff, json={"note": "已处理"}).status_code \
        == 200
    resp = client.post(f"/api/v1/service-requests/{rid}/reopen", headers=ann, json={"reason": "还是很吵"})
    assert resp.get_json()["status"] == "reopened" and resp.get_json()["reopen_count"] == 1
    assert client.get("/api/v1/service-requests?show=closed", headers=ann).status_code == 400
