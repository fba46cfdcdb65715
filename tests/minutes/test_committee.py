"""Committee meetings: agenda notice (R31), quorum, the decision rule at its boundary, no proxies, R32, signed
minutes published within 3 days, and the minutes PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.core.keys import sign
from govern.errors import DomainError
from govern.extensions import db
from govern.minutes import services
from govern.minutes.models import CommitteeMeeting
from govern.register.models import Community
from tests.minutes.helpers import START, World, add_members, has_poppler, pdffonts, pdftotext

MEETING_AT = START + timedelta(days=10)


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch, owners=("A",))


def _meeting(app, world, *, items=(("更换车库灯具", None),), starts=MEETING_AT, publish=True) -> int:
    with app.test_request_context():
        community = db.session.get(Community, world.cid)
        cm = services.create_committee_meeting(community, services.CommitteeMeetingData(
            title="业委会第三次会议", starts_at=starts, location="会所",
            items=[services.ItemData(title=t, art278_item=a) for t, a in items]), actor=world.user("chair"))
        if publish:
            services.publish_agenda(cm, actor=world.user("chair"))
        db.session.commit()
        return cm.id


def _hold(app, world, cm_id, present, *, rule=None):
    world.clock.set(MEETING_AT + timedelta(hours=1))
    with app.test_request_context():
        if rule:
            c = db.session.get(Community, world.cid)
            c.settings_json = {"committee_rule": rule}
        cm = db.session.get(CommitteeMeeting, cm_id)
        services.record_attendance(cm, [world.users[n] for n in present], actor=world.user("chair"))
        db.session.commit()


def _decide(app, world, cm_id, votes):
    with app.test_request_context():
        cm = db.session.get(CommitteeMeeting, cm_id)
        item = services.decide_item(cm.items[0], {world.users[n]: c for n, c in votes.items()},
                                    actor=world.user("chair"))
        db.session.commit()
        return item.adopted, list(item.reasons)


def test_agenda_published_less_than_7_days_ahead_refused(app, world):
    with pytest.raises(DomainError) as exc:
        _meeting(app, world, starts=START + timedelta(days=6))
    assert exc.value.code == "agenda_too_late"
    _meeting(app, world, starts=START + timedelta(days=7))  # exactly 7 days: allowed


def test_agenda_days_follow_community_setting(app, world):
    with app.app_context():
        db.session.get(Community, world.cid).settings_json = {"committee_notice_days": 3}
        db.session.commit()
    _meeting(app, world, starts=START + timedelta(days=3))


def test_quorum_needs_more_than_half_present(app, factory, world):
    add_members(app, factory, world, ["m3"])  # 3 members
    cm_id = _meeting(app, world)
    _hold(app, world, cm_id, ["chair"])
    with pytest.raises(DomainError) as exc:
        _decide(app, world, cm_id, {"chair": "agree"})
    assert exc.value.code == "committee_quorum"


@pytest.mark.parametrize("rule, adopted", [("half_or_more", True), ("more_than_half", False)])
def test_even_committee_two_of_four_at_the_boundary(app, factory, world, rule, adopted):
    add_members(app, factory, world, ["m3", "m4"])  # 4 members
    cm_id = _meeting(app, world)
    _hold(app, world, cm_id, ["chair", "member", "m3"], rule=rule)  # 3 of 4 present: quorate
    result = _decide(app, world, cm_id, {"chair": "agree", "member": "agree", "m3": "oppose"})
    assert result == (adopted, [] if adopted else ["COMMITTEE_MAJORITY"])


def test_three_of_four_passes_under_both_rules(app, factory, world):
    add_members(app, factory, world, ["m3", "m4"])
    cm_id = _meeting(app, world)
    _hold(app, world, cm_id, ["chair", "member", "m3"], rule="more_than_half")
    assert _decide(app, world, cm_id, {"chair": "agree", "member": "agree", "m3": "agree"}) == (True, [])


def test_proxies_refused_and_absent_members_cannot_vote(app, factory, world):
    add_members(app, factory, world, ["m3"])
    cm_id = _meeting(app, world)
    world.clock.set(MEETING_AT + timedelta(hours=1))
    with app.test_request_context():
        cm = db.session.get(CommitteeMeeting, cm_id)
        with pytest.raises(DomainError) as exc:
            services.record_attendance(cm, [world.users["chair"], world.users["member"]], actor=world.user("chair"),
                                       proxies=[world.users["m3"]])
        assert exc.value.code == "no_proxies"
    _hold(app, world, cm_id, ["chair", "member"])
    with pytest.raises(DomainError) as exc:
        _decide(app, world, cm_id, {"chair": "agree", "member": "agree", "m3": "agree"})
    assert exc.value.code == "voter_not_present"


def test_art278_matter_refused_with_reason(app, world):
    cm_id = _meeting(app, world, items=(("解聘物业服务企业", 4),))
    _hold(app, world, cm_id, ["chair", "member"])
    with pytest.raises(DomainError) as exc:
        _decide(app, world, cm_id, {"chair": "agree", "member": "agree"})
    assert exc.value.code == "reserved_to_assembly"
    assert "278" in exc.value.message or "二百七十八" in exc.value.message


def _close_and_sign(app, world, cm_id, signers):
    with app.test_request_context():
        cm = db.session.get(CommitteeMeeting, cm_id)
        services.close_committee_minutes(cm, "与会委员一致同意更换车库灯具。", actor=world.user("chair"))
        for name in signers:
            services.sign_committee_minutes(cm, {"signature": sign(world.keys[name], cm.minutes_document)},
                                            actor=world.user(name))
        db.session.commit()


def test_minutes_need_every_present_signature_then_publish_on_time(app, world):
    cm_id = _meeting(app, world)
    _hold(app, world, cm_id, ["chair", "member"])
    _decide(app, world, cm_id, {"chair": "agree", "member": "agree"})
    _close_and_sign(app, world, cm_id, ["chair"])
    with app.test_request_context():
        cm = db.session.get(CommitteeMeeting, cm_id)
        with pytest.raises(DomainError) as exc:
            services.publish_committee_minutes(cm, actor=world.user("chair"))
        assert exc.value.code == "signatures_missing"
        with pytest.raises(DomainError) as exc:  # a signature over other bytes
            services.sign_committee_minutes(cm, {"signature": sign(world.keys["member"], {"x": 1})},
                                            actor=world.user("member"))
        assert exc.value.code == "bad_signature"
        services.sign_committee_minutes(cm, {"signature": sign(world.keys["member"], cm.minutes_document)},
                                        actor=world.user("member"))
        world.clock.set(MEETING_AT + timedelta(days=3))
        services.publish_committee_minutes(cm, actor=world.user("chair"))
        assert cm.published_at is not None and cm.is_late is False


def test_publication_after_three_days_flagged_late(app, world):
    cm_id = _meeting(app, world)
    _hold(app, world, cm_id, ["chair", "member"])
    _close_and_sign(app, world, cm_id, ["chair", "member"])
    world.clock.set(MEETING_AT + timedelta(days=4))
    with app.test_request_context():
        cm = db.session.get(CommitteeMeeting, cm_id)
        services.publish_committee_minutes(cm, actor=world.user("chair"))
        assert cm.is_late is True


@pytest.mark.skipif(not has_poppler(), reason="poppler-utils is not installed")
def test_committee_minutes_pdf_text_and_fonts(app, client, auth, world, tmp_path):
    cm_id = _meeting(app, world, items=(("更换车库灯具", None), ("解聘物业服务企业", 4)))
    _hold(app, world, cm_id, ["chair", "member"])
    _decide(app, world, cm_id, {"chair": "agree", "member": "agree"})
    _close_and_sign(app, world, cm_id, ["chair", "member"])
    auth.login("chair")
    resp = client.get(f"/c/garden/committee-meetings/{cm_id}/minutes.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdftotext(resp.data, tmp_path)
    with app.app_context():
        cm = db.session.get(CommitteeMeeting, cm_id)
        assert cm.minutes_hash in text.replace("\n", "").replace(" ", "")
        fingerprints = [s.fingerprint for s in cm.signatures]
    assert "更换车库灯具" in text and "与会委员一致同意更换车库灯具" in text
    assert all(fp in text for fp in fingerprints)
    assert any("WenQuanYi" in f["name"] or "NotoSansCJK" in f["name"] for f in pdffonts(resp.data, tmp_path))
