"""A paper ballot for the demo's closed assembly is refused (#12 item 2): its result is signed, its paper period
ended at the close (no sealed box was declared) and a declaration can no longer be made."""

from __future__ import annotations

import hashlib
import os

from sqlalchemy import select

from govern import clock
from govern.accounts.models import User
from govern.ballots import paper, sealed_box
from govern.ballots.models import BallotEntry, Meeting, MeetingStatus, RollPerson
from govern.core.ballot import new_nonce
from govern.core.keys import generate_keypair, sign
from govern.core.paper_rules import build_paper_ballot, build_paper_ballot_v2, build_sealed_box
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import lifecycle, services

SCAN = b"%PDF-1.4\n% a paper ballot found after the close\n"


def test_a_paper_ballot_for_the_demos_closed_assembly_is_refused(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.test_request_context():
        closed = next(m for m in db.session.scalars(select(Meeting)) if m.status is MeetingStatus.CLOSED)
        assert lifecycle.stage_of(closed) not in (lifecycle.OPEN, lifecycle.PAPER_GRACE)
        member = db.session.scalar(select(User).where(User.username == "committee1"))
        private, public = generate_keypair()
        services.enroll_key(member, {"public_key": public}, actor=member, check_pw=False)
        voted = set(db.session.scalars(select(BallotEntry.voter).where(BallotEntry.meeting_id == closed.id)))
        voter = next(p for p in db.session.scalars(select(RollPerson.person).where(RollPerson.meeting_id == closed.id))
                     if p not in voted)
        fields = dict(community=str(closed.community_id), meeting=str(closed.id), roll_hash=closed.roll_hash,
                      voter=voter, choices={str(closed.motions[0].id): "agree"},
                      scan_sha256=hashlib.sha256(SCAN).hexdigest(), entered_at=clock.now(),
                      nonce=new_nonce(os.urandom))
        ballot = build_paper_ballot(**fields) if closed.record_version == 1 else build_paper_ballot_v2(
            collected_at=closed.closes_at, agenda_hash=closed.agenda_hash, **fields)
        body = {"ballot": ballot, "signature": sign(private, ballot), "key_id": public}
        try:
            paper.enter_paper_ballot(closed, body, SCAN, actor=member)
            raise AssertionError("a late paper ballot was accepted")
        except DomainError as err:
            assert err.code in ("results_signed", "window_closed", "undeclared_paper") and err.status == 409
        obj = build_sealed_box(community=str(closed.community_id), meeting=str(closed.id), declared=1,
                               closed_at=closed.closes_at, issued_at=clock.now(), nonce=new_nonce(os.urandom))
        try:
            sealed_box.sign_sealed_box(closed, {"sealed_box": obj, "signature": sign(private, obj), "key_id": public},
                                       actor=member)
            raise AssertionError("a sealed box was declared long after the close")
        except DomainError as err:
            assert err.code == "window_closed"
        db.session.rollback()
