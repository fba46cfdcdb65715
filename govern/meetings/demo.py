"""Demo content: one assembly open for voting now (some owners have voted) and one closed with its signed result.

The closed assembly is a valid vote that meets the quorum: the demo's 40 owner accounts vote electronically,
and the committee enters and attests paper ballots for most of the other owners (``govern.ballots.demo``),
so its result shows one motion adopted and one rejected by the owners. The open one has, realistically,
few ballots yet.

The demo makes key pairs for its owners with ``govern.core.keys`` (marked ``is_demo``: real owners
make theirs on their own device) and moves the meetings' clock to the past while it convenes and
casts, so notices, windows and ballot times are all lawful and consistent.
"""

from __future__ import annotations

import os
from datetime import timedelta

from govern import clock
from govern.ballots.cast import cast_ballot
from govern.ballots.demo import Member, enter_paper_ballots
from govern.ballots.ledger import has_voted
from govern.ballots.owner_keys import enroll_key
from govern.ballots.voter import persons_for
from govern.core.ballot import build_ballot, new_nonce
from govern.core.keyproof import key_proof_body
from govern.core.keys import generate_keypair, sign
from govern.demo import assembly_title, at_local_hour, demo_step
from govern.extensions import db
from govern.meetings import results, scrutineers, services
from govern.meetings.attachments import store_motion_file

#: The demo owners' key pairs by account id, for later demo steps that cast (the elections' step).
DEMO_KEYS: dict[int, tuple[str, str]] = {}


def _cast(meeting, user, private, public, choices) -> None:
    persons = persons_for(meeting, user)
    if not persons or has_voted(meeting.id, persons[0].person):
        return  # co-owners share one person: one ballot each person
    voter = persons[0].person
    ballot = build_ballot(community=str(meeting.community_id), meeting=str(meeting.id), roll_hash=meeting.roll_hash,
                          voter=voter, choices=choices, issued_at=clock.now(), nonce=new_nonce(os.urandom),
                          agenda_hash=meeting.agenda_hash)
    cast_ballot(meeting, {"ballot": ballot, "signature": sign(private, ballot), "key_id": public}, actor=user)


def _covenant_pdf() -> bytes:
    """A one-page PDF: the draft of the parking covenant's article 5 the demo motion attaches."""
    text = b"BT /F1 14 Tf 72 760 Td (Parking covenant, article 5 - revised draft) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@demo_step("meetings")
def demo_meetings(community, accounts) -> None:
    """An open assembly (12 owners voted) and a closed one (electronic and paper ballots, result signed)."""
    real_now = clock.now()
    chair = accounts["chair"]
    owners = [accounts[k] for k in sorted(accounts) if k.startswith("owner")]
    keys = {}
    # The demo backdates its meetings, so the keys are enrolled (in the demo's past) before the first roll
    # is frozen: a record exported from the demo then verifies like a real one.
    with clock.frozen_at(real_now - timedelta(days=60)):
        for user in [chair, accounts["committee1"], accounts["committee2"], *owners]:
            private, public = generate_keypair()
            enroll_key(user, key_proof_body(private, str(user.id), clock.now()), actor=user, is_demo=True,
                       check_pw=False, require_proof=True)
            keys[user.id] = (private, public)
    DEMO_KEYS.update(keys)

    # Closed: convened 45 days ago, voting from day 20 to day 30.
    start = real_now - timedelta(days=45)
    with clock.frozen_at(start):
        opens = at_local_hour(start + timedelta(days=20), 8, not_before=False)
        closed = services.create_meeting(community, services.MeetingData(
            title=assembly_title(community, opens), description="审议物业服务合同续签及公共收益使用方案。",
            opens_at=opens, closes_at=at_local_hour(start + timedelta(days=30), 20, not_before=True),
            motions=[
                services.MotionData(title="续聘现物业服务企业", text="续聘现物业服务企业，合同期三年，收费标准不变。",
                                    item=4),
                services.MotionData(title="使用公共收益维修电梯", text="使用公共收益 18 万元更换 2 号楼电梯主机。",
                                    item=9),
            ]), actor=chair)
        services.publish_meeting(closed, actor=chair)
    scrutineer = owners[-1]  # the convening body names an owner as scrutineer (监票人) before voting closes
    with clock.frozen_at(start + timedelta(days=20, hours=1)):
        scrutineers.name_scrutineer(closed, scrutineer, actor=chair)
    for i, user in enumerate(owners):
        with clock.frozen_at(start + timedelta(days=21, minutes=7 * i)):
            first = "agree" if i % 5 else "oppose"
            second = "abstain" if i % 7 == 3 else "agree"
            _cast(closed, user, *keys[user.id], {str(closed.motions[0].id): first, str(closed.motions[1].id): second})
    # Most of the other owners voted on paper: the committee entered and attested their ballots every evening
    # from about day 22 to day 29, inside the window and before the results were signed (they pin the ledger).
    members = {name: Member(accounts[name], *keys[accounts[name].id]) for name in ("committee1", "committee2", "chair")}
    enter_paper_ballots(closed, members, first_day=start + timedelta(days=22), days=8)
    db.session.flush()
    rows = results.sign_results(closed)
    for row in rows:  # two members of the convening body and the scrutineer: the closed meeting is final
        for signer in (chair, accounts["committee1"], scrutineer):
            results.countersign_result(row, {"signature": sign(keys[signer.id][0], row.document),
                                             "key_id": keys[signer.id][1]}, actor=signer)

    # Open now: convened 20 days ago, voting for another 10 days; 12 owners have voted.
    start = real_now - timedelta(days=20)
    with clock.frozen_at(start):
        opens = at_local_hour(real_now - timedelta(days=1), 8, not_before=False)
        current = services.create_meeting(community, services.MeetingData(
            title=assembly_title(community, opens, "（临时会议）"), kind="interim",
            description="审议增设电动自行车充电设施及调整停车管理规约。",
            opens_at=opens, closes_at=at_local_hour(real_now + timedelta(days=10), 20, not_before=True),
            revision_policy="revisable-until-close",
            motions=[
                # a shed on common land changes the use of common parts: art. 278 item (8), a major matter
                services.MotionData(title="增设电动自行车充电设施",
                                    text="在 1、2 号楼之间增设充电车棚，费用由公共收益列支。", item=8, matter="major"),
                services.MotionData(title="修订停车管理规约", text="按附件修订停车管理规约第五条。", item=2,
                                    attachments=[store_motion_file("停车管理规约第五条修订稿.pdf", _covenant_pdf())]),
            ]), actor=chair)
        services.publish_meeting(current, actor=chair)
        scrutineers.name_scrutineer(current, owners[-1], actor=chair)
    for i, user in enumerate(owners[:12]):
        with clock.frozen_at(real_now - timedelta(hours=12) + timedelta(minutes=13 * i)):
            _cast(current, user, *keys[user.id], {str(m.id): "agree" for m in current.motions})
    db.session.flush()
