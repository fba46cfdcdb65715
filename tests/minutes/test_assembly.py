"""Assembly minutes: sections from the record, append-only revisions, identical save no-op, signed approvals under
the committee rule, immutable publication with linked corrections, and the PDFs (text and embedded CJK fonts)."""

from __future__ import annotations

import pytest

from govern.ballots.models import Meeting
from govern.core.keys import sign
from govern.errors import DomainError
from govern.extensions import db
from govern.minutes import services
from govern.minutes.models import AssemblyMinutes, MinutesRevision
from govern.minutes.sections import record_hash
from govern.register.models import Community
from tests.minutes.helpers import World, add_members, approve, closed_assembly, has_poppler, pdffonts, pdftotext

TEXT = "## 讨论情况\n\n业主对**电梯维保**提出意见，物业承诺三个月内整改。"


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


@pytest.fixture
def mid(app, client, world):
    return closed_assembly(app, client, world)


def _save(app, world, mid, text=TEXT, who="chair"):
    with app.test_request_context():
        revision, created = services.save_minutes(db.session.get(Meeting, mid), text, actor=world.user(who))
        db.session.commit()
        return revision.id, revision.number, created


def test_save_fills_sections_from_the_record(app, world, mid):
    rid, number, created = _save(app, world, mid)
    assert (number, created) == (1, True)
    with app.app_context():
        rev = db.session.get(MinutesRevision, rid)
        meeting = db.session.get(Meeting, mid)
        s = rev.sections
        assert s["roll"]["roll_hash"] == meeting.roll_hash and s["roll"]["total_persons"] == 4
        assert s["participation"]["persons"] == 3 and s["participation"]["quorum_met"] is True
        assert [r["title"] for r in s["results"]] == ["续聘物业服务企业", "筹集维修资金"]
        assert s["results"][0]["result"]["adopted"] is True and s["results"][1]["result"]["adopted"] is False
        assert s["record"]["hash"] == record_hash(meeting) and s["record"]["ledger_length"] == 3


def test_identical_save_is_a_no_op(app, world, mid):
    first = _save(app, world, mid)
    again = _save(app, world, mid, text=TEXT + "\n")  # trailing whitespace is not content
    assert again == (first[0], 1, False)
    changed = _save(app, world, mid, text=TEXT + "\n\n补充。")
    assert changed[1:] == (2, True)
    with app.app_context():
        minutes = db.session.query(AssemblyMinutes).one()
        assert minutes.current_revision_id == changed[0] and len(minutes.revisions) == 2


def test_minutes_only_after_close(app, client, world):
    other = world.make_meeting()
    with pytest.raises(DomainError) as exc:
        _save(app, world, other)
    assert exc.value.code == "meeting_not_closed"


@pytest.mark.parametrize("rule, approved", [("half_or_more", True), ("more_than_half", False)])
def test_approval_two_of_four_members_at_the_boundary(app, factory, world, mid, rule, approved):
    add_members(app, factory, world, ["m3", "m4"])
    with app.app_context():
        db.session.get(Community, world.cid).settings_json = {"committee_rule": rule}
        db.session.commit()
    rid, _n, _c = _save(app, world, mid)
    assert approve(app, world, rid, "chair") is False
    assert approve(app, world, rid, "member") is approved
    if not approved:
        assert approve(app, world, rid, "m3") is True


def test_approval_with_wrong_signature_or_twice_refused(app, world, mid):
    rid, _n, _c = _save(app, world, mid)
    with app.test_request_context():
        rev = db.session.get(MinutesRevision, rid)
        with pytest.raises(DomainError) as exc:
            services.approve_revision(rev, {"signature": sign(world.keys["chair"], {"other": "doc"})},
                                      actor=world.user("chair"))
        assert exc.value.code == "bad_signature"
        with pytest.raises(DomainError) as exc:  # an owner is not a committee member
            services.approve_revision(rev, {"signature": "x"}, actor=world.user("A"))
        assert exc.value.code == "not_a_member"
    approve(app, world, rid, "chair")
    with pytest.raises(DomainError) as exc:
        approve(app, world, rid, "chair")
    assert exc.value.code == "already_approved"


def _publish(app, world, rid):
    with app.test_request_context():
        services.publish_revision(db.session.get(MinutesRevision, rid), actor=world.user("chair"))
        db.session.commit()


def test_published_minutes_are_immutable_and_corrections_are_new_linked_versions(app, world, mid):
    rid, _n, _c = _save(app, world, mid)
    with pytest.raises(DomainError) as exc:
        _publish(app, world, rid)
    assert exc.value.code == "not_approved"
    approve(app, world, rid, "chair")
    approve(app, world, rid, "member")
    _publish(app, world, rid)
    with app.app_context():
        published = db.session.get(MinutesRevision, rid)
        snapshot = (published.text, published.content_hash, published.published_at)
    with pytest.raises(DomainError):
        _publish(app, world, rid)
    assert _save(app, world, mid)[2] is False  # same content: still a no-op
    correction_id, number, created = _save(app, world, mid, text=TEXT + "\n\n更正：整改期限为两个月。")
    assert (number, created) == (2, True)
    with app.app_context():
        correction = db.session.get(MinutesRevision, correction_id)
        assert correction.corrects_id == rid and correction.published_at is None
        published = db.session.get(MinutesRevision, rid)
        assert (published.text, published.content_hash, published.published_at) == snapshot
        assert db.session.query(AssemblyMinutes).one().published_revision.id == rid
    with pytest.raises(DomainError) as exc:  # the old version can no longer be approved: it is not current
        approve(app, world, rid, "chair")
    assert exc.value.code in ("not_current", "published", "already_approved")


@pytest.mark.skipif(not has_poppler(), reason="poppler-utils is not installed")
def test_published_minutes_pdf_has_chinese_text_record_hash_results_and_cjk_fonts(app, client, auth, world, mid,
                                                                                    tmp_path):
    rid, _n, _c = _save(app, world, mid)
    approve(app, world, rid, "chair")
    approve(app, world, rid, "member")
    auth.login("a")
    assert client.get(f"/meetings/{mid}/minutes.pdf").status_code == 404  # not published yet
    _publish(app, world, rid)
    resp = client.get(f"/meetings/{mid}/minutes.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdftotext(resp.data, tmp_path)
    flat = text.replace("\n", "").replace(" ", "")
    with app.app_context():
        meeting = db.session.get(Meeting, mid)
        rev = db.session.get(MinutesRevision, rid)
        assert record_hash(meeting) in flat and meeting.roll_hash in flat and rev.content_hash in flat
        fps = [a.fingerprint for a in rev.approvals]
    assert "电梯维保" in text and "续聘物业服务企业" in text and "筹集维修资金" in text
    assert "300.00" in text and "200.00" in text  # A's agreeing area, the totals of the tables
    assert all(fp in text for fp in fps)
    fonts = pdffonts(resp.data, tmp_path)
    assert any("WenQuanYi" in f["name"] or "NotoSansCJK" in f["name"] for f in fonts) and all(
        f["emb"] == "yes" for f in fonts)
    # The same content is served from the cache: same bytes, no new rendering.
    again = client.get(f"/meetings/{mid}/minutes.pdf")
    assert again.data == resp.data


@pytest.mark.skipif(not has_poppler(), reason="poppler-utils is not installed")
def test_notice_and_result_pdfs(app, client, auth, world, mid, tmp_path):
    auth.login("c")
    notice = client.get(f"/meetings/{mid}/notice.pdf")
    assert notice.status_code == 200
    text = pdftotext(notice.data, tmp_path)
    assert f"/meetings/{mid}/ballot" in text and "续聘物业服务企业" in text
    result = client.get(f"/meetings/{mid}/result.pdf")
    assert result.status_code == 200
    text = pdftotext(result.data, tmp_path)
    with app.app_context():
        assert record_hash(db.session.get(Meeting, mid)) in text.replace("\n", "").replace(" ", "")
    assert "筹集维修资金" in text and "301" in text  # a participating home by its number


def test_missing_font_answers_503_naming_the_package(app, client, auth, world, mid, monkeypatch):
    from govern.pdf import fonts

    monkeypatch.setattr(fonts, "find_cjk_font", lambda: fonts.FontStatus(None))
    auth.login("c")
    resp = client.get(f"/meetings/{mid}/notice.pdf")
    assert resp.status_code == 503 and b"fonts-wqy-microhei" in resp.data


def test_minutes_audit_section_shows_street_office_verdicts(app, world, mid):
    """The street office's objection (recorded by the record feature) appears in the minutes' audit section."""
    from govern.meetings.results import results_of
    from govern.record.models import Certification

    with app.test_request_context():
        meeting = db.session.get(Meeting, mid)
        result = results_of(meeting)[0]
        db.session.add(Certification(community_id=meeting.community_id, meeting_id=mid, result_id=result.id,
                                     user_id=world.users["auditor"], verdict="object", reason="计票有误",
                                     envelope={}, key_id=world.key_ids["auditor"], signed_at=world.clock.moment))
        db.session.commit()
    rid, _number, _created = _save(app, world, mid)
    with app.app_context():
        from govern.minutes.models import MinutesRevision

        audit = db.session.get(MinutesRevision, rid).sections["audit"]
    assert audit["status"] == "objected"
    assert audit["items"][0]["verdict"] == "object" and audit["items"][0]["reason"] == "计票有误"
    assert audit["items"][0]["motion"] == "续聘物业服务企业"
