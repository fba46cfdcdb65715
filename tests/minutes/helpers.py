"""A closed owners' assembly with ballots, and committee meetings, for the minutes tests."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

from govern.core.keys import generate_keypair, sign
from govern.extensions import db
from tests.meetings.helpers import CLOSES, OPENS, START, World  # noqa: F401  (re-exported for the tests)


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdffonts(pdf: bytes, tmp_path) -> list[dict]:
    """The fonts of a PDF as pdffonts lists them: name, type, emb (yes/no)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    rows = []
    for line in out:
        parts = line.split()
        # name type... encoding emb sub uni object-id gen: emb is the 5th field from the end
        rows.append({"name": parts[0], "emb": parts[-5], "line": line})
    return rows


def has_poppler() -> bool:
    return bool(shutil.which("pdftotext") and shutil.which("pdffonts"))


def closed_assembly(app, client, world: World) -> int:
    """A published assembly; A and C agree, B1 opposes; the clock is moved past the close."""
    mid = world.make_meeting(motions=(("续聘物业服务企业", "ordinary"), ("筹集维修资金", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    for name, choice in (("A", "agree"), ("B1", "oppose"), ("C", "agree")):
        resp = world.cast(client, mid, name, world.ballot(client, mid, name, choice))
        assert resp.status_code in (200, 201), resp.get_json()
    world.clock.set(CLOSES + timedelta(hours=1))
    world.tick()  # the preliminary result is signed
    return mid


def approve(app, world: World, revision_id: int, name: str):
    """``name`` (chair or member) approves the revision with their enrolled key."""
    from govern.minutes import services, signing
    from govern.minutes.models import MinutesRevision

    with app.test_request_context():
        revision = db.session.get(MinutesRevision, revision_id)
        doc = signing.approval_document(revision, revision.minutes.meeting_id)
        services.approve_revision(revision, {"signature": sign(world.keys[name], doc)}, actor=world.user(name))
        db.session.commit()
        return revision.approved_at is not None


def add_members(app, factory, world: World, names) -> None:
    """More committee members (with keys), to make the committee an even or larger size."""
    from govern.meetings import services

    for name in names:
        uid = factory.user(name, roles=("committee_member",), community=world.cid)
        world.users[name] = uid
        with app.test_request_context():
            private, public = generate_keypair()
            services.enroll_key(world.user(name), {"public_key": public}, actor=world.user(name), check_pw=False)
            world.keys[name], world.key_ids[name] = private, public
            db.session.commit()


def authz_sample(app, community_id: int, users: dict[str, int]) -> dict:
    """For tests/test_authz_matrix.py: a closed assembly with published minutes (approved by the two committee
    users), a published committee meeting, and a failed PDF rendering. URL samples: ``assembly_id``,
    ``version``, ``cm_id``, ``item_id``, ``doc_id``."""
    from govern import clock
    from govern.accounts.models import User
    from govern.meetings import services as meetings
    from govern.meetings.results import sign_results
    from govern.minutes import services, signing
    from govern.pdf.models import PdfDocument
    from govern.register.models import Community

    moment = clock.now()
    with app.test_request_context():
        community = db.session.get(Community, community_id)
        chair, member = (db.session.get(User, users[n]) for n in ("committee_chair", "committee_member"))
        keys = {}
        for user in (chair, member):
            private, public = generate_keypair()
            meetings.enroll_key(user, {"public_key": public}, actor=user, check_pw=False)
            keys[user.id] = private
        meeting = meetings.create_meeting(community, meetings.MeetingData(
            title="已结束的业主大会", opens_at=moment + timedelta(days=20), closes_at=moment + timedelta(days=30),
            motions=[meetings.MotionData(title="议题", text="全文")]), actor=chair)
        meetings.publish_meeting(meeting, actor=chair)
        meeting.opens_at, meeting.closes_at = moment - timedelta(hours=2), moment - timedelta(hours=1)
        db.session.flush()
        sign_results(meeting)  # what `govern tick` does after the close
        revision, _ = services.save_minutes(meeting, "会议纪要正文", actor=chair)
        for user in (chair, member):
            doc = signing.approval_document(revision, meeting.id)
            services.approve_revision(revision, {"signature": sign(keys[user.id], doc)}, actor=user)
        services.publish_revision(revision, actor=chair)
        cm = services.create_committee_meeting(community, services.CommitteeMeetingData(
            title="业委会会议", starts_at=moment + timedelta(days=8), items=[services.ItemData(title="议题")]),
            actor=chair)
        services.publish_agenda(cm, actor=chair)
        cm.starts_at = moment - timedelta(hours=1)
        services.record_attendance(cm, [chair.id, member.id], actor=chair)
        services.decide_item(cm.items[0], {chair.id: "agree", member.id: "agree"}, actor=chair)
        services.close_committee_minutes(cm, "纪要", actor=chair)
        for user in (chair, member):
            services.sign_committee_minutes(cm, {"signature": sign(keys[user.id], cm.minutes_document)}, actor=user)
        services.publish_committee_minutes(cm, actor=chair)
        failed = PdfDocument(community_id=community_id, kind="notice", subject_type="meeting", subject_id=meeting.id,
                             template_version="t", content_hash="f" * 64, html="<p>重试</p>", status="failed",
                             error="boom", attempts=1)
        db.session.add(failed)
        db.session.commit()
        return {"assembly_id": meeting.id, "version": revision.number, "cm_id": cm.id, "item_id": cm.items[0].id,
                "doc_id": failed.id}
