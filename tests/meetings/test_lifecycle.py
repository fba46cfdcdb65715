"""The result lifecycle (docs/record-format.md): stages derived from the clock and the stored facts, moved along by
``govern tick`` only; no GET of a meeting, its result, its record or its proxies writes anything."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld, codes

DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world):
    m = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    return m


class Writes:
    """Every INSERT, UPDATE or DELETE the engine runs while active."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, *_):
        if DML.match(statement):
            self.seen.append(statement.split("\n")[0][:120])

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def _gets(world, mid: int) -> list[tuple[str, str, bool]]:
    """``(who, url, api)`` for the meeting's pages and API answers, as the roles that read them."""
    pages = [f"/meetings/{mid}", f"/meetings/{mid}/result", f"/meetings/{mid}/ballot", f"/meetings/{mid}/proxies"]
    api = [f"/api/v1/meetings/{mid}", f"/api/v1/meetings/{mid}/results",
           f"/api/v1/meetings/{mid}/record?edition=public"]
    out = [(who, url, False) for who in ("A", "C", "member", "chair") for url in pages]
    out += [("auditor", f"/audit/meetings/{mid}", False), ("auditor", f"/meetings/{mid}/result", False)]
    out += [(who, url, True) for who in ("A", "chair", "auditor") for url in api]
    out += [("auditor", f"/api/v1/meetings/{mid}/record?edition=auditor", True)]
    return out


def _walk(world, client, mid: int) -> dict[str, int]:
    statuses = {}
    for who, url, api in _gets(world, mid):
        if api:
            client.post("/logout")  # the bearer token alone says who asks
            resp = client.get(url, headers=world.headers(who))
        else:
            world.login(client, who)
            resp = client.get(url)
        assert resp.status_code < 500, (who, url)
        statuses[f"{who} {url}"] = resp.status_code
    client.post("/logout")
    return statuses


def _voted_in_person_after_delegating(world, client, mid: int) -> int:
    """C names member as proxy, member accepts, then C votes in person: the delegation has lapsed (R15)."""
    did = world.delegate(client, mid, "C", "member").get_json()["id"]
    assert world.accept(client, did, "member").status_code == 200
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C", "oppose")).status_code == 201
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    return did


def _get_writes(seen: list[str]) -> list[str]:
    """The writes ``_walk`` saw apart from those of its sign-in and sign-out POSTs."""
    return [s for s in seen if not s.upper().startswith("UPDATE USERS") and "auth_throttle" not in s]


def test_no_get_writes_before_and_after_the_tick(app, world, client, mid):
    did = _voted_in_person_after_delegating(world, client, mid)
    for stage_moment in ("open", "closed"):
        if stage_moment == "closed":
            world.close(tick=False)
        with Writes(app) as writes:
            statuses = _walk(world, client, mid)
        # login and logout POSTs write (the last login, the session generation, the sign-in throttle's
        # counters); only the GETs are in question here
        assert not _get_writes(writes.seen), writes.seen
        assert statuses[f"auditor /api/v1/meetings/{mid}/record?edition=auditor"] == 409
    with app.app_context():
        from govern.ballots.models import Delegation, Meeting, MotionResult

        assert db.session.get(Meeting, mid).tallied_at is None
        assert db.session.scalar(select(MotionResult.id).where(MotionResult.meeting_id == mid)) is None
        assert db.session.get(Delegation, did).lapsed_at is None  # shown lapsed, not stored by a GET
    # ... though every page already shows it lapsed
    world.login(client, "member")
    assert "lapsed" in client.get(f"/meetings/{mid}/proxies?lang=en").get_data(as_text=True).lower()
    done = world.tick()
    assert done["meeting_results"] == 1 and done["delegation_lapses"] == 1
    assert world.tick()["meeting_results"] == 0  # idempotent
    with app.app_context():
        d = db.session.get(Delegation, did)
        c_ballot = json.loads(json.dumps(d.lapsed_at.isoformat()))
        assert d.lapsed_at is not None and c_ballot.startswith(str(OPENS.date()))
        assert len(db.session.scalars(select(MotionResult).where(MotionResult.meeting_id == mid)).all()) == 2
    with Writes(app) as writes:
        statuses = _walk(world, client, mid)
    assert not _get_writes(writes.seen), writes.seen
    assert statuses[f"auditor /api/v1/meetings/{mid}/record?edition=auditor"] == 200


def test_pages_show_counting_until_the_preliminary_result(app, world, client, mid):
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.close(tick=False)
    world.login(client, "chair")
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert "计票中" in page and "data-ballots-electronic" not in page
    client.post("/logout")
    info = client.get(f"/api/v1/meetings/{mid}", headers=world.headers("chair")).get_json()
    assert info["stage"] == "closed"
    resp = client.get(f"/api/v1/meetings/{mid}/record?edition=auditor", headers=world.headers("auditor"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voting_open"
    # nothing to countersign or certify yet
    motion = info["motions"][0]["id"]
    resp = client.post(f"/api/v1/meetings/{mid}/results/{motion}/countersign", json={"signature": "x", "key_id": "x"},
                       headers=world.headers("chair"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_counted"
    world.tick()
    world.login(client, "chair")
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert "计票中" not in page and 'data-ballots-electronic="1"' in page


def test_the_result_page_says_what_each_edition_holds_and_links_the_record(app, world, client, mid):
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.close()
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert f'href="/meetings/{mid}/record"' in page
    assert "公开版只含每张选票的哈希值" in page and "审计版含每张选票的全文" in page


def _manifest(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return json.loads(zf.read("manifest.json"))


def test_stages_through_countersigning_and_certification(app, world, client, mid):
    def stage() -> str:
        return client.get(f"/api/v1/meetings/{mid}", headers=world.headers("A")).get_json()["stage"]

    assert stage() == "open"
    world.name_scrutineer(mid, "C")
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    with app.app_context():  # the operator's `govern export-record` builds the interim record
        from govern.record.export import export_record

        assert _manifest(export_record(world.meeting(mid)))["stage"] == "open"
    world.close(tick=False)
    assert stage() == "closed"
    world.tick()
    assert stage() == "preliminary"
    world.countersign(client, mid, "chair")
    assert stage() == "preliminary"  # the rule asks two members of the convening body
    world.countersign(client, mid, "member")
    assert stage() == "preliminary"  # ... and one of the meeting's scrutineers
    world.countersign(client, mid, "C")
    assert stage() == "final"
    data = world.export(client, mid)
    assert _manifest(data)["stage"] == "final" and codes(data) == set()
    results = world.results(client, mid)
    assert world.certify(client, mid, results[0]).status_code == 201
    assert stage() == "final"  # one motion of two certified
    assert world.certify(client, mid, results[1]).status_code == 201
    assert stage() == "certified"
    assert _manifest(world.export(client, mid))["stage"] == "certified"


def test_a_revocation_ends_in_revoked(app, world, client, mid):
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    world.close()
    result = world.results(client, mid)[0]
    assert world.certify(client, mid, result, verdict="object", reason="计票有误").status_code == 201
    assert client.get(f"/api/v1/meetings/{mid}", headers=world.headers("A")).get_json()["stage"] == "objected"
    resp = world.certify(client, mid, result, verdict="revoke", reason="撤销", name="auditor")
    assert resp.status_code == 409  # one verdict per auditor and result
