"""Paper ballots cannot arrive late (#12 item 2): govern.paper_ballot.v2 (collected_at, agenda_hash), the sealed-box
declaration two committee members sign after the close, the grace period and the declared count, both ways."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import timedelta

import pytest

from govern.ballots import paper, sealed_box
from govern.ballots.models import Meeting, PaperBallot
from govern.core.ballot import new_nonce
from govern.core.keys import sign
from govern.core.paper_rules import build_paper_ballot, build_sealed_box
from govern.core.verify import verify_record
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import lifecycle
from tests.ballots.helpers import CLOSES, OPENS, PDF, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def mid(world, client):
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    return mid


def _motion(world, client, mid) -> str:
    return world.info(client, mid)["motions"][0]["id"]


def _enter(world, client, mid, name="B1", *, body=None, entered_by="member", **kw):
    """Enter a paper ballot for ``name`` through the service; the refusal's code, or the row's id."""
    voter = world.person_of(mid, name)
    body = body or world.paper_body(client, mid, voter, {_motion(world, client, mid): "agree"},
                                    entered_by=entered_by, **kw)
    with world.app.test_request_context():
        try:
            row = paper.enter_paper_ballot(db.session.get(Meeting, mid), body, PDF, actor=world.user(entered_by))
        except DomainError as err:
            db.session.rollback()
            return err.code, err.status
        db.session.commit()
        return row.id


def _attest(world, paper_id, attested_by="chair"):
    with world.app.test_request_context():
        row = db.session.get(PaperBallot, paper_id)
        body = world.attest_body(row.ballot, attested_by)
        try:
            entry = paper.attest_paper_ballot(row, body, actor=world.user(attested_by))
        except DomainError as err:
            db.session.rollback()
            return err.code, err.status
        db.session.commit()
        return entry.position


def _box(world, mid, name, declared, *, obj=None, issued_at=None):
    with world.app.test_request_context():
        meeting = db.session.get(Meeting, mid)
        obj = obj or build_sealed_box(community=str(meeting.community_id), meeting=str(mid), declared=declared,
                                      closed_at=meeting.closes_at, issued_at=issued_at or world.clock.moment,
                                      nonce=new_nonce(os.urandom))
        body = {"sealed_box": obj, "signature": sign(world.keys[name], obj), "key_id": world.key_ids[name]}
        try:
            box = sealed_box.sign_sealed_box(meeting, body, actor=world.user(name))
        except DomainError as err:
            db.session.rollback()
            return err.code, err.status
        db.session.commit()
        return dict(box.box)


def _declare(world, mid, declared):
    obj = _box(world, mid, "member", declared)
    assert isinstance(obj, dict), obj
    assert isinstance(_box(world, mid, "chair", declared, obj=obj), dict)


def _stage(world, client, mid) -> str:
    return client.get(f"/api/v1/meetings/{mid}", headers=world.headers("A")).get_json()["stage"]


def test_v2_paper_ballot_binds_the_agenda_and_the_collection_time(world, client, mid):
    assert _enter(world, client, mid, agenda_hash="ab" * 32) == ("wrong_agenda", 400)
    assert _enter(world, client, mid, collected_at=CLOSES + timedelta(seconds=1)) == ("collected_after_close", 400)
    # a v1 paper ballot for a meeting that bound an agenda
    info = world.info(client, mid)
    v1 = build_paper_ballot(community=info["community"], meeting=str(mid), roll_hash=info["roll_hash"],
                            voter=world.person_of(mid, "B1"), choices={_motion(world, client, mid): "agree"},
                            scan_sha256="0" * 64, entered_at=world.clock.moment, nonce=new_nonce(os.urandom))
    body = {"ballot": v1, "signature": sign(world.keys["member"], v1), "key_id": world.key_ids["member"]}
    assert _enter(world, client, mid, body=body) == ("bad_request", 400)
    # collected exactly at the close, entered and attested during voting: counted
    row = _enter(world, client, mid, collected_at=CLOSES)
    assert isinstance(row, int)
    assert _attest(world, row) == 1


def test_no_declaration_no_paper_after_the_close(world, client, mid):
    world.clock.set(CLOSES + timedelta(minutes=5))
    assert _enter(world, client, mid) == ("undeclared_paper", 409)
    # nothing declared, nothing awaiting attestation: the result is due at the close
    assert _stage(world, client, mid) == "closed"
    world.tick()
    assert _stage(world, client, mid) == "preliminary"


def test_declared_paper_is_entered_within_the_count_then_the_result_is_signed(world, client, mid):
    pending = _enter(world, client, mid, "B1")  # collected and entered during voting, not yet attested
    world.clock.set(CLOSES + timedelta(minutes=10))
    assert _attest(world, pending) == ("undeclared_paper", 409)
    world.tick()  # a paper ballot awaits attestation: the result waits for the declaration window
    assert _stage(world, client, mid) == "paper_grace"
    obj = _box(world, mid, "member", 2)
    assert _box(world, mid, "member", 2, obj=obj) == ("same_member", 403)
    assert _attest(world, pending) == ("undeclared_paper", 409)  # one signature is not a declaration
    assert isinstance(_box(world, mid, "chair", 2, obj=obj), dict)
    assert _box(world, mid, "chair", 2, obj=obj) == ("already_declared", 409)
    assert _attest(world, pending) == 1
    late = _enter(world, client, mid, "C", collected_at=CLOSES - timedelta(minutes=1))
    assert isinstance(late, int)
    assert _enter(world, client, mid, "A") == ("sealed_box_exceeded", 409)  # 1 in the ledger + 1 pending = 2
    world.tick()
    assert _stage(world, client, mid) == "paper_grace"  # one declared ballot is still to be attested
    world.clock.set(CLOSES + timedelta(minutes=20))
    assert _attest(world, late) == 2
    world.tick()  # every declared ballot is in the ledger: the grace period ends early
    assert _stage(world, client, mid) == "preliminary"
    data = world.export(client, mid, "auditor")
    meeting_json = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("meeting.json"))
    assert meeting_json["paper"]["sealed_box"]["object"]["declared"] == 2
    assert meeting_json["paper"]["entry_grace_seconds"] == 24 * 3600
    assert len(meeting_json["paper"]["sealed_box"]["signatures"]) == 2
    report = verify_record(data)
    assert not report.problems, report.problems


def test_grace_period_ends_paper_entries(world, client, mid):
    world.clock.set(CLOSES + timedelta(hours=1))
    _declare(world, mid, 3)
    assert _stage(world, client, mid) == "paper_grace"
    with world.app.app_context():
        ends = lifecycle.paper_grace_ends(db.session.get(Meeting, mid))
    assert ends == CLOSES + timedelta(hours=24)
    world.clock.set(CLOSES + timedelta(hours=23, minutes=59))
    assert isinstance(_enter(world, client, mid, "B1"), int)
    world.clock.set(CLOSES + timedelta(hours=24))
    assert _enter(world, client, mid, "C") == ("window_closed", 409)
    assert _attest(world, world.latest_paper_id()) == ("window_closed", 409)
    world.tick()
    assert _stage(world, client, mid) == "preliminary"


def _set_grace(world, hours: int) -> None:
    from govern.register.models import Community

    with world.app.test_request_context():
        community = db.session.get(Community, world.cid)
        community.settings_json = {**(community.settings_json or {}), "paper_entry_grace": hours}
        db.session.commit()


def test_the_grace_period_is_a_community_setting_fixed_with_the_notice(world, client):
    from govern import settings

    assert settings.validate({"paper_entry_grace": 49}) == {"paper_entry_grace": "at most 48 hours"}
    assert settings.validate({"paper_entry_grace": 48}) == {}
    _set_grace(world, 2)
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    _set_grace(world, 48)  # a change after the notice does not move this meeting's window
    world.clock.set(CLOSES + timedelta(minutes=30))
    _declare(world, mid, 5)
    world.clock.set(CLOSES + timedelta(hours=2))
    assert _enter(world, client, mid) == ("window_closed", 409)


def test_a_grace_change_after_the_notice_moves_neither_the_window_nor_the_record(world, client, mid):
    _set_grace(world, 2)  # the notice was published with the default, 24 h
    world.clock.set(CLOSES + timedelta(minutes=30))
    _declare(world, mid, 1)
    world.clock.set(CLOSES + timedelta(hours=3))
    paper_id = _enter(world, client, mid, "B1")
    assert isinstance(paper_id, int)
    assert isinstance(_attest(world, paper_id), int)
    world.tick()
    assert _stage(world, client, mid) == "preliminary"
    meeting_json = json.loads(zipfile.ZipFile(io.BytesIO(world.export(client, mid, "auditor"))).read("meeting.json"))
    assert meeting_json["paper"]["entry_grace_seconds"] == 24 * 3600


def test_the_declaration_is_made_within_two_hours_after_the_close(world, client, mid):
    assert _box(world, mid, "member", 1, issued_at=CLOSES) == ("not_closed", 409)  # voting still open
    world.clock.set(CLOSES + timedelta(hours=2, minutes=1))
    assert _box(world, mid, "member", 1) == ("window_closed", 409)
    world.clock.set(CLOSES + timedelta(hours=1))
    assert _box(world, mid, "member", 1, issued_at=CLOSES - timedelta(minutes=1))[0] == "bad_request"
    assert _box(world, mid, "A", 1) == ("not_committee", 403)
    first = _box(world, mid, "member", 1)
    other = dict(first, declared=4)
    assert _box(world, mid, "chair", 4, obj=other) == ("bad_request", 400)  # not the declaration awaiting


def test_committee_page_offers_the_declaration_and_shows_the_deadline(world, client, mid):
    world.clock.set(CLOSES + timedelta(minutes=30))
    world.login(client, "member")
    page = client.get(f"/meetings/{mid}/paper", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'id="sealed-box-form"' in page and 'id="sealed-box-none"' in page and 'id="paper-grace-ends"' in page
    assert "封箱" in page
    obj = _box(world, mid, "member", 1)
    page = client.get(f"/meetings/{mid}/paper").get_data(as_text=True)
    assert 'id="sealed-box-pending"' in page and 'id="sealed-box-form"' not in page  # signed already
    world.login(client, "chair")
    page = client.get(f"/meetings/{mid}/paper").get_data(as_text=True)
    assert 'id="sealed-box-object"' in page  # the second member signs the same object, shown
    # the browser's form post: the signed declaration in the "body" field
    body = {"sealed_box": obj, "signature": sign(world.keys["chair"], obj), "key_id": world.key_ids["chair"]}
    resp = client.post(f"/meetings/{mid}/paper/sealed-box", data={"body": json.dumps(body)})
    assert resp.status_code == 303
    page = client.get(f"/meetings/{mid}/paper").get_data(as_text=True)
    assert 'id="sealed-box-declared"' in page and 'data-declared="1"' in page
