"""The notices JSON API (/api/v1/notices) through the HTTP client with real bearer tokens."""

from __future__ import annotations

from tests.communication.conftest import login

PASSWORD = "correct-horse-battery"


def _bearer(app, username: str) -> dict:
    resp = app.test_client().post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def _publish(app, importance="important", title="停水通知") -> int:
    resp = login(app, "staff").post("/c/garden/notices/new", data={
        "title": title, "body": "**明天** 停水", "importance": importance, "audience": "all", "audience_value": ""},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_owner_lists_reads_marks_read_and_acknowledges_an_important_notice(app, world):
    nid = _publish(app)
    ann, staff = _bearer(app, "ann"), _bearer(app, "staff")
    client = app.test_client()

    listed = client.get("/api/v1/notices", headers=ann).get_json()["notices"]
    assert [(n["id"], n["title"], n["importance"], n["community"]) for n in listed] == [
        (nid, "停水通知", "important", "garden")]
    assert listed[0]["mine"] == {"recipient": True, "viewed_at": None, "acknowledged_at": None}

    shown = client.get(f"/api/v1/notices/{nid}", headers=ann).get_json()
    assert "<strong>明天</strong>" in shown["body_html"] and shown["counts"] is None  # owners see no follow-up
    # reading through the API is a GET: it records nothing; the client sends the read receipt
    assert client.get(f"/api/v1/notices/{nid}", headers=ann).get_json()["mine"]["viewed_at"] is None
    viewed = client.post(f"/api/v1/notices/{nid}/viewed", headers=ann).get_json()
    assert viewed["viewed_at"] and viewed["acknowledged_at"] is None

    ack = client.post(f"/api/v1/notices/{nid}/acknowledge", headers=ann)
    assert ack.status_code == 200 and ack.get_json()["acknowledged_at"]
    again = client.post(f"/api/v1/notices/{nid}/acknowledge", headers=ann).get_json()
    assert again["acknowledged_at"] == ack.get_json()["acknowledged_at"]  # the first time is kept

    counts = client.get(f"/api/v1/notices/{nid}", headers=staff).get_json()["counts"]
    assert counts == {"recipients": 4, "viewed": 1, "acknowledged": 1}


def test_acknowledge_refusals_are_named(app, world, factory):
    important, normal = _publish(app), _publish(app, importance="normal", title="绿化通知")
    client = app.test_client()
    ann, staff = _bearer(app, "ann"), _bearer(app, "staff")

    resp = client.post(f"/api/v1/notices/{normal}/acknowledge", headers=ann)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_important"
    resp = client.post(f"/api/v1/notices/{important}/acknowledge", headers=staff)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_recipient"
    assert client.post(f"/api/v1/notices/{important}/acknowledge").status_code == 401

    park = factory.community(slug="park", name="公园小区")
    factory.user("outsider", community=park, owner_ref="A")
    outsider = _bearer(app, "outsider")
    for resp in (client.get(f"/api/v1/notices/{important}", headers=outsider),
                 client.post(f"/api/v1/notices/{important}/acknowledge", headers=outsider),
                 client.get("/api/v1/notices/999999", headers=ann)):
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/notices", headers=outsider).get_json() == {"notices": []}


def test_list_is_newest_first_and_filters_by_community(app, world):
    first, second = _publish(app, title="一"), _publish(app, title="二")
    client = app.test_client()
    ann = _bearer(app, "ann")
    assert [n["id"] for n in client.get("/api/v1/notices", headers=ann).get_json()["notices"]] == [second, first]
    assert len(client.get("/api/v1/notices?community=garden", headers=ann).get_json()["notices"]) == 2
    assert client.get("/api/v1/notices?community=nowhere", headers=ann).get_json() == {"notices": []}


def test_openapi_documents_every_notices_service_and_surveys_route(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("notices_api.", "service_api.", "surveys_api.")):
            path = rule.rule.removeprefix("/api/v1").replace("<id:notice_id>", "{id}")
            path = path.replace("<id:service_request_id>", "{id}").replace("<id:survey_id>", "{id}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in spec["paths"].get(path, {}), (method, path)
