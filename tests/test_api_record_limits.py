"""Record downloads are limited per user (issue #15, item 6): beyond the budget a build is refused at once with
429 and Retry-After, counted in the database so that every worker agrees; other users are not touched."""

from __future__ import annotations

from datetime import timedelta

from tests.ballots.helpers import OPENS, RecordWorld


def test_record_builds_are_limited_per_user(app, factory, monkeypatch, client):
    app.config["RECORD_DOWNLOADS_PER_USER"] = "2 per hour"
    world = RecordWorld(app, factory, monkeypatch)
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A")).status_code == 201
    world.close()
    url = f"/api/v1/meetings/{mid}/record?edition=auditor"
    for _ in range(2):
        assert client.get(url, headers=world.headers("auditor")).status_code == 200
    refused = client.get(url, headers=world.headers("auditor"))
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert client.get(url, headers=world.headers("chair")).status_code == 200  # the budget is per user
    # a refusal by the access rules costs nothing: the owner's 403s do not use up the owner's budget
    for _ in range(3):
        assert client.get(url, headers=world.headers("A")).status_code == 403
    assert client.get(f"/api/v1/meetings/{mid}/record?edition=public", headers=world.headers("A")).status_code \
        == 200
