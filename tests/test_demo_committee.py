"""#13 item 9: the demo community has a 5-member committee (R30) with its term, and still verifies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from govern.accounts.models import Role, RoleGrant
from govern.extensions import db
from govern.register.models import Community


def test_demo_committee_has_five_members_with_a_term_and_no_warning(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        from govern.accounts.committee import committee_warnings, members

        community = db.session.scalar(select(Community).where(Community.slug == "shifan"))
        sitting = members(community)
        assert len(sitting) == 5
        assert all(g.term_ends_on is not None and g.term_ends_on - g.term_starts_on > dt.timedelta(days=4 * 365)
                   for g in sitting)
        assert committee_warnings(community) == []
        chairs = db.session.scalars(select(RoleGrant).where(RoleGrant.community_id == community.id,
                                                            RoleGrant.role == Role.COMMITTEE_CHAIR)).all()
        assert len(chairs) == 1
        from govern.ballots.models import Meeting, MeetingStatus
        from govern.core.verify import verify_record
        from govern.meetings.serverkey import server_public_key
        from govern.record.export import export_record

        closed = [m for m in db.session.scalars(select(Meeting).where(Meeting.community_id == community.id))
                  if m.status is MeetingStatus.CLOSED]
        assert closed
        for meeting in closed:
            report = verify_record(export_record(meeting), workers=1, server_key=server_public_key())
            assert report.valid, [p.code for p in report.problems]
        _assert_open_assembly_agenda(community)


def _assert_open_assembly_agenda(community) -> None:
    """#13: the open assembly's published agenda carries the covenant draft (its SHA-256 that of the stored
    file), and the charging shed is art. 278 item (8), a major matter."""
    import hashlib

    from govern.ballots.models import Meeting, MeetingStatus
    from govern.meetings.attachments import file_path

    assembly = [m for m in db.session.scalars(select(Meeting).where(Meeting.community_id == community.id)
                                              .order_by(Meeting.id))
                if m.status is MeetingStatus.OPEN and m.title.endswith("（临时会议）")]
    assert len(assembly) == 1
    motions = {m["title"]: m for m in assembly[0].agenda["motions"]}
    shed = motions["增设电动自行车充电设施"]
    assert shed["item"] == 8 and shed["matter"] == "major" and shed["attachments"] == []
    (attachment,) = motions["修订停车管理规约"]["attachments"]
    assert attachment["name"] == "停车管理规约第五条修订稿.pdf" and attachment["media_type"] == "application/pdf"
    path = file_path(attachment["sha256"])
    assert path is not None
    content = path.read_bytes()
    assert attachment["size"] == len(content) and attachment["sha256"] == hashlib.sha256(content).hexdigest()
