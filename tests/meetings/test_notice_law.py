"""The law in the notice (issue #13 items 3-7): voting-window bounds, matter class from the art. 278 item, motion
attachments, deemed consent beside the strict result, and art. 279 decided over the interested owners."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from govern.core.archive import read_record
from govern.errors import DomainError
from govern.extensions import db
from tests.ballots.helpers import OPENS, PDF, RecordWorld, codes
from tests.factories import Factory

#: Building 1 holds the applicant A (101) and the interested owners B (102) and C (103); D (301) lives elsewhere.
ART_279_REGISTER = """unit,building,area,status,owners,owner_names,owner_phones
101,1,80.00,delivered,A,A=张三,
102,1,80.00,delivered,B1,B1=李四,
103,1,100.00,delivered,C,C=赵六,
301,3,100.00,delivered,D,D=钱七,
"""


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _community(app, world):
    from govern.register.models import Community

    return db.session.get(Community, world.cid)


def _set(app, world, **values) -> None:
    with app.app_context():
        community = _community(app, world)
        community.settings_json = {**(community.settings_json or {}), **values}
        db.session.commit()


def _draft(app, world, motions, **kw) -> int:
    from govern.meetings import services

    with app.test_request_context():
        data = services.MeetingData(title="Assembly", opens_at=kw.get("opens", OPENS),
                                    closes_at=kw.get("closes", OPENS + timedelta(days=10)), motions=motions)
        meeting = services.create_meeting(_community(app, world), data, actor=world.user("chair"))
        db.session.commit()
        return meeting.id


def _publish(app, world, mid: int) -> None:
    from govern.meetings import services

    with app.test_request_context():
        services.publish_meeting(world.meeting(mid), actor=world.user("chair"))
        db.session.commit()


# --------------------------------------------------------------------------- item 3: window bounds (R12)


@pytest.mark.parametrize("days", [4, 61])
def test_a_window_outside_5_to_60_days_is_not_published(app, world, client, days):
    from govern.meetings import services

    mid = _draft(app, world, [services.MotionData(title="Hire")], closes=OPENS + timedelta(days=days))
    with pytest.raises(DomainError) as err, app.test_request_context():
        services.publish_meeting(world.meeting(mid), actor=world.user("chair"))
    assert err.value.code == "window_out_of_bounds" and err.value.status == 400
    assert err.value.details["min_days"] == 5 and err.value.details["max_days"] == 60
    # the committee's page says why, and the notice stays unpublished
    world.login(client, "chair")
    page = client.post(f"/meetings/{mid}/publish", follow_redirects=True).get_data(as_text=True)
    assert "5" in page and "60" in page
    with app.app_context():
        assert world.meeting(mid).published_at is None


def test_the_bounds_are_community_settings(app, world):
    from govern.meetings import services

    _set(app, world, window_max_days=7)
    mid = _draft(app, world, [services.MotionData(title="Hire")])  # 10 days
    with pytest.raises(DomainError) as err, app.test_request_context():
        services.publish_meeting(world.meeting(mid), actor=world.user("chair"))
    assert err.value.code == "window_out_of_bounds"
    _set(app, world, window_max_days=10)
    _publish(app, world, mid)


# --------------------------------------------------------------------------- item 5: class from the item


def test_a_major_item_cannot_be_classed_ordinary(app, world, client):
    from govern.meetings import services

    with pytest.raises(DomainError) as err, app.test_request_context():
        services.create_meeting(_community(app, world), services.MeetingData(
            title="Sheds", opens_at=OPENS, closes_at=OPENS + timedelta(days=10),
            motions=[services.MotionData(title="Charging shed on common land", item=8, matter="ordinary")]),
            actor=world.user("chair"))
    assert err.value.code == "matter_below_item" and err.value.status == 400
    # through the committee's form too
    world.login(client, "chair")
    form = {"title": "Sheds", "kind": "regular", "opens_at": "2025-03-25T10:00", "closes_at": "2025-04-04T10:00",
            "revision_policy": "single-cast", "invalid_policy": "as-abstain",
            "motions-0-title": "Charging shed", "motions-0-item": "8", "motions-0-matter": "ordinary"}
    resp = client.post("/c/garden/meetings/new", data=form)
    assert resp.status_code == 400 and "第（8）项" in resp.get_data(as_text=True)
    # a higher class than the item needs is allowed, and the agenda names the item
    mid = _draft(app, world, [services.MotionData(title="Charging shed", item=8, matter="major"),
                              services.MotionData(title="Covenant", item=2, matter="major")])
    _publish(app, world, mid)
    with app.app_context():
        agenda = world.meeting(mid).agenda
    assert [(m["item"], m["matter"]) for m in agenda["motions"]] == [(8, "major"), (2, "major")]


# --------------------------------------------------------------------------- item 4: attachments


def _form_with_file(name: str, content: bytes) -> dict:
    return {"title": "Contract", "kind": "regular", "opens_at": "2025-03-25T10:00", "closes_at": "2025-04-04T10:00",
            "revision_policy": "single-cast", "invalid_policy": "as-abstain",
            "motions-0-title": "Renew the contract", "motions-0-item": "4", "motions-0-matter": "ordinary",
            "motions-0-files": (io.BytesIO(content), name)}


def test_a_motion_carries_a_file_fixed_by_the_notice_and_owners_open_it(app, world, client):
    import hashlib

    from govern.ballots.models import Meeting

    content = PDF + b"contract" * 100
    world.login(client, "chair")
    resp = client.post("/c/garden/meetings/new", data=_form_with_file("合同.pdf", content),
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        mid = db.session.scalar(db.select(Meeting.id).order_by(Meeting.id.desc()))
    # editing the draft keeps the file
    page = client.get(f"/meetings/{mid}/edit").get_data(as_text=True)
    assert "合同.pdf" in page
    _publish(app, world, mid)
    with app.app_context():
        meeting = world.meeting(mid)
        motion_id = meeting.motions[0].id
        files = meeting.agenda["motions"][0]["attachments"]
    digest = hashlib.sha256(content).hexdigest()
    assert files == [{"name": "合同.pdf", "media_type": "application/pdf", "size": len(content), "sha256": digest}]
    world.login(client, "A")
    url = f"/meetings/{mid}/motions/{motion_id}/files/{digest}"
    assert url in client.get(f"/meetings/{mid}").get_data(as_text=True)
    world.clock.set(OPENS + timedelta(hours=1))
    assert url in client.get(f"/meetings/{mid}/ballot").get_data(as_text=True)
    got = client.get(url)
    assert got.status_code == 200 and got.data == content and got.mimetype == "application/pdf"
    assert client.get(f"/meetings/{mid}/motions/{motion_id}/files/{'0' * 64}").status_code == 404


def test_a_file_that_is_not_what_it_says_or_too_large_is_refused(app, world, client):
    world.login(client, "chair")
    resp = client.post("/c/garden/meetings/new", data=_form_with_file("budget.pdf", b"MZ\x90\x00 not a pdf"),
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "PDF" in resp.get_data(as_text=True)
    big = PDF + b"0" * (20 * 1024 * 1024)
    resp = client.post("/c/garden/meetings/new", data=_form_with_file("big.pdf", big),
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "20 MB" in resp.get_data(as_text=True)


# --------------------------------------------------------------------------- item 6: deemed consent (R24)


def _l2_like(app, world, client, clause: str) -> tuple[int, dict]:
    """A and B1 agree; C, the developer and Q do not vote: strict fails the quorum."""
    from govern.meetings import services

    if clause != "off":
        _set(app, world, deemed_consent=clause)
    mid = _draft(app, world, [services.MotionData(title="Hire", item=4)])
    _publish(app, world, mid)
    world.clock.set(OPENS + timedelta(hours=1))
    for name in ("A", "B1"):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, "agree")).status_code == 201
    world.close()
    return mid, world.results(client, mid)[0]["document"]["result"]


def test_plain_deemed_consent_is_shown_beside_the_strict_result_and_verifies(app, world, client):
    mid, result = _l2_like(app, world, client, "plain")
    assert result["adopted"] is False and "QUORUM_COUNT" in result["reasons"]
    deemed = result["deemed_consent"]
    assert deemed["official"] is False and deemed["variant"] == "plain" and deemed["adopted"] is True
    assert deemed["majority"] == "agree" and deemed["added"]["persons"] == result["totals"]["persons"] - 2  # non-voters
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/result").get_data(as_text=True)
    assert "data-deemed-consent" in page and 'data-deemed-adopted="true"' in page
    data = world.export(client, mid)
    assert json.loads(read_record(data)["meeting.json"])["deemed_consent"] == "plain"
    assert codes(data) == set()


def test_zhejiang_needs_an_actual_majority_and_off_adds_nothing(app, world, client):
    _mid, result = _l2_like(app, world, client, "zhejiang")
    assert result["deemed_consent"]["adopted"] is False
    assert result["deemed_consent"]["reasons"] == ["ACTUAL_MAJORITY_COUNT"]


def test_without_the_clause_there_is_no_deemed_result(app, world, client):
    mid, result = _l2_like(app, world, client, "off")
    assert "deemed_consent" not in result
    data = world.export(client, mid)
    assert json.loads(read_record(data)["meeting.json"])["deemed_consent"] is None


# --------------------------------------------------------------------------- item 7: art. 279


@pytest.fixture
def world279(app, monkeypatch):
    class Own(Factory):
        def community(self, *args, **kw):
            return super().community(register=ART_279_REGISTER)

    return RecordWorld(app, Own(app), monkeypatch, owners=("A", "B1", "C"))


def test_art_279_is_decided_over_the_other_owners_of_the_applicants_building(app, world279, client):
    from govern.meetings import services

    world = world279
    motions = [services.MotionData(title=f"Shop in 101 ({n})", matter="unanimous_interested",
                                   applicant_units=["101"]) for n in (1, 2)]
    mid = _draft(app, world, motions)
    with app.app_context():
        meeting = world.meeting(mid)
        assert meeting.motions[0].interested == {"applicant_units": ["101"], "interested_units": ["102", "103"],
                                                 "reason": ""}
        first, second = (str(m.id) for m in meeting.motions)
    _publish(app, world, mid)
    world.clock.set(OPENS + timedelta(hours=1))
    votes = {"B1": {first: "agree", second: "agree"}, "C": {second: "agree"}, "A": {first: "oppose"}}
    for name, choices in votes.items():
        assert world.cast(client, mid, name, world.ballot(client, mid, name, choices=choices)).status_code == 201
    world.close()
    one, two = (r["document"]["result"] for r in world.results(client, mid))
    # C's silence is not consent; the applicant's own vote does not count; D (another building) is not asked
    assert one["adopted"] is False and one["reasons"] == ["UNANIMITY"] and one["interested"] == {"persons": 2,
                                                                                                  "agree": 1}
    assert two["adopted"] is True and two["interested"] == {"persons": 2, "agree": 2}
    data = world.export(client, mid)
    motions_json = json.loads(read_record(data)["meeting.json"])["motions"]
    assert all(len(m["interested_persons"]) == 2 for m in motions_json)
    assert codes(data) == set()


def test_changing_the_interested_owners_needs_a_reason(app, world279):
    from govern.meetings import services

    world = world279
    motion = services.MotionData(title="Shop in 101", matter="unanimous_interested", applicant_units=["101"],
                                 interested_units=["102", "103", "301"])
    with pytest.raises(DomainError) as err:
        _draft(app, world, [motion])
    assert err.value.code == "invalid" and "motion1_interested" in err.value.details
    motion.interested_reason = "301 shares the courtyard the shop opens onto"
    mid = _draft(app, world, [motion])
    with app.app_context():
        assert world.meeting(mid).motions[0].interested["interested_units"] == ["102", "103", "301"]
    missing = services.MotionData(title="Shop", matter="unanimous_interested")
    with pytest.raises(DomainError):
        _draft(app, world, [missing])


# --------------------------------------------------------------------------- item 3: extensions


def _extension(world, client, mid: int, closes, *, name="chair", previous=None, reason="春节期间外出业主较多") -> dict:
    import os

    from govern.core.ballot import format_time, new_nonce
    from govern.core.extensions import build_extension
    from govern.core.keys import sign

    info = world.info(client, mid)
    obj = build_extension(community=info["community"], meeting=str(mid), convener="committee",
                          previous_closes_at=previous or info["closes_at"], closes_at=format_time(closes),
                          reason=reason, issued_at=format_time(world.clock.moment), nonce=new_nonce(os.urandom))
    return {"extension": obj, "signature": sign(world.keys[name], obj), "key_id": world.key_ids[name]}


def _extend(world, client, mid: int, body: dict, name="chair"):
    return client.post(f"/api/v1/meetings/{mid}/extensions", json=body, headers=world.headers(name))


def test_an_extension_signed_before_the_close_moves_it_is_announced_and_verifies(app, world, client):
    from sqlalchemy import select

    from govern.notices.models import Notice
    from tests.ballots.helpers import CLOSES

    mid = world.make_meeting()
    with app.app_context():
        agenda_before = world.meeting(mid).agenda_hash
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    # an owner who is not in the convening body may not extend
    resp = _extend(world, client, mid, _extension(world, client, mid, CLOSES + timedelta(days=5), name="A"), "A")
    assert resp.status_code == 403
    # the whole window must stay within 60 days
    resp = _extend(world, client, mid, _extension(world, client, mid, OPENS + timedelta(days=61)))
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "window_out_of_bounds"
    resp = _extend(world, client, mid, _extension(world, client, mid, CLOSES + timedelta(days=5)))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["agenda_hash"] == agenda_before
    # signed against the old close: stale
    resp = _extend(world, client, mid, _extension(world, client, mid, CLOSES + timedelta(days=6),
                                                  previous="2025-04-01T00:00:00Z"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "extension_stale"
    with app.app_context():
        meeting = world.meeting(mid)
        assert meeting.closes_at == CLOSES + timedelta(days=5) and meeting.agenda_hash == agenda_before
        notice = db.session.scalar(select(Notice).where(Notice.community_id == world.cid))
        assert notice is not None and notice.importance == "important" and notice.recipient_count >= 3
        assert "春节期间外出业主较多" in notice.body
    # a ballot after the old close, before the new one, counts
    world.clock.set(CLOSES + timedelta(days=1))
    assert world.cast(client, mid, "C", world.ballot(client, mid, "C", "agree")).status_code == 201
    world.clock.set(CLOSES + timedelta(days=5, hours=1))
    resp = _extend(world, client, mid, _extension(world, client, mid, CLOSES + timedelta(days=8)))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "extension_too_late"
    world.tick()
    data = world.export(client, mid)
    meeting_json = json.loads(read_record(data)["meeting.json"])
    assert len(meeting_json["extensions"]) == 1 and meeting_json["agenda_hash"] == agenda_before
    assert codes(data) == set()
    # a reason rewritten after signing no longer verifies
    from govern.ballots.models import MeetingExtension

    with app.app_context():
        row = db.session.scalar(select(MeetingExtension))
        envelope = json.loads(json.dumps(row.envelope))
        envelope["extension"]["reason"] = "改过的理由"
        row.envelope = envelope
        db.session.commit()
    assert "extension_invalid" in codes(world.export(client, mid))


def test_the_committee_signs_an_extension_on_the_page(app, world, client):
    import html
    import re

    from govern.core.keys import sign
    from tests.ballots.helpers import CLOSES

    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    world.login(client, "A")
    assert "/extend" not in client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert client.get(f"/meetings/{mid}/extend").status_code == 403
    world.login(client, "chair")
    assert f"/meetings/{mid}/extend" in client.get(f"/meetings/{mid}").get_data(as_text=True)
    page = client.get(f"/meetings/{mid}/extend", query_string={"closes_at": "2025-04-08T08:00",
                                                               "reason": "延长一周"}).get_data(as_text=True)
    text = html.unescape(re.search(r'<pre class="canonical" id="doc-extension">(.*?)</pre>', page, re.S).group(1))
    obj = json.loads(text)
    assert obj["type"] == "govern.extension.v1" and obj["closes_at"] == "2025-04-08T00:00:00Z"
    resp = client.post(f"/meetings/{mid}/extend", data={
        "document": text, "signature": sign(world.keys["chair"], obj), "key_id": world.key_ids["chair"]})
    assert resp.status_code == 303
    page = client.get(f"/meetings/{mid}").get_data(as_text=True)
    assert "延长一周" in page
    with app.app_context():
        assert world.meeting(mid).closes_at == datetime(2025, 4, 8, tzinfo=UTC) > CLOSES
