"""Demo content: the paper ballots of the closed assembly, entered by one committee member, attested by another.

Only the demo's 40 owner accounts vote electronically, which leaves most of 示范花园's voting persons
without a ballot. As in a real community, the committee collects paper ballots door to door while
voting is open and enters them every evening: one member enters a batch (with the scan of each
ballot, signed with their own key) and a second member attests it, through the real services of
``govern.ballots.paper``. The scans are small generated PDF files that say on their face that they are
demo placeholders; they are hashed and signed exactly like real scans.

The meetings demo step (``govern.meetings.demo``) calls :func:`enter_paper_ballots` between the
electronic ballots and the results: no later step could add a ballot, since the signed results pin
the ledger. The choices come from a seeded generator, so the published result is the same on every
load: the first motion (renewing the property company) is adopted, the second (spending the common
income on one building's lift) is opposed by most owners of the other buildings and is not adopted.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from govern import clock
from govern.ballots import paper
from govern.ballots.models import BallotEntry, RollPerson
from govern.ballots.voter import persons_for
from govern.core.ballot import new_nonce
from govern.core.keys import sign
from govern.core.paper_rules import build_attestation, build_paper_ballot, build_paper_ballot_v2
from govern.extensions import db
from govern.formats import LOCAL_TZ, local_day

#: Share of the persons without an electronic ballot who return a paper ballot.
PAPER_SHARE = 0.72
#: Seed of the choices and of who returns a ballot.
SEED = 2025
#: Paper ballots spoilt on one motion (R17): ``{ballot number: (motion index, reason)}``.
INVALID_MARKS = {
    23: (0, "该事项同时勾选了“同意”和“反对”"),
    141: (1, "该事项的勾选处被涂改，无法辨认"),
}
#: ``(agree, oppose)`` probabilities (the rest abstain) of the second motion, by whether the person owns
#: a home in building 2, whose lift the common income would replace.
LIFT_CHOICES = {True: (0.70, 0.16), False: (0.10, 0.80)}
#: ``(agree, oppose)`` probabilities of every other motion.
DEFAULT_CHOICES = (0.68, 0.18)


@dataclass(frozen=True)
class Member:
    """A committee member who enters or attests paper ballots, with the demo key pair enrolled for them."""

    user: object
    private: str
    public: str


def _pdf_text(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def placeholder_scan(meeting_id: int, number: int) -> bytes:
    """A one-page PDF that says it stands for the scan of paper ballot ``number``: demo data, not a scan."""
    lines = [
        "DEMO DATA - NOT A REAL SCAN",
        "govern demo: placeholder for the scanned paper ballot",
        "Community: Shifan Garden (demo community)",
        f"Meeting {meeting_id}, paper ballot no. {number:04d}",
        "A real entry carries the photo or scan of the signed paper ballot.",
    ]
    text = "BT /F1 14 Tf 56 780 Td 20 TL " + " ".join(f"({_pdf_text(line)}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("ascii")),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _choice(rng: random.Random, agree: float, oppose: float) -> str:
    x = rng.random()
    return "agree" if x < agree else "oppose" if x < agree + oppose else "abstain"


def paper_choices(rng: random.Random, number: int, motion_ids: list[str], buildings: list[str]
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """The marks of paper ballot ``number``: ``(choices, invalid_reasons)``."""
    choices = {}
    for index, mid in enumerate(motion_ids):
        agree, oppose = LIFT_CHOICES["2" in buildings] if index == 1 else DEFAULT_CHOICES
        choices[mid] = _choice(rng, agree, oppose)
    reasons = {}
    if number in INVALID_MARKS:
        index, reason = INVALID_MARKS[number]
        if index < len(motion_ids):
            choices[motion_ids[index]] = "invalid"
            reasons[motion_ids[index]] = reason
    return choices, reasons


def _returned(meeting, persons: list, voted: set[str], rng: random.Random) -> list:
    """The persons who return a paper ballot: ``PAPER_SHARE`` of those without one, in collection order.

    The quorum (R18) must then hold in both legs; should the area fall short, more ballots come in.
    """
    waiting = [p for p in persons if p.person not in voted]
    rng.shuffle(waiting)
    count = round(len(waiting) * PAPER_SHARE)
    chosen, rest = waiting[:count], waiting[count:]
    voted_area = sum(p.area for p in persons if p.person in voted)
    while rest and 3 * (voted_area + sum(p.area for p in chosen)) < 2 * meeting.total_area:
        chosen.append(rest.pop(0))
    return chosen


def enter_paper_ballots(meeting, members: Mapping[str, Member], *, first_day: datetime, days: int) -> int:
    """Enter and attest the demo's paper ballots for ``meeting``, one batch a day from ``first_day``; return how many.

    ``members`` names the committee members (at least three, in rota order). Each evening's batch (from
    19:30 Shanghai time, at most 16.5 hours before ``first_day`` and 7.5 hours after it) is entered by one
    member, one ballot every two minutes, and attested from two hours later by the next member in the same
    order, so the ledger stays in time order. A member's own ballot goes to the two other members. The
    caller leaves room for this in the voting window.
    """
    rng = random.Random(SEED)
    persons = list(db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id)
                                      .order_by(RollPerson.register_person)))
    voted = set(db.session.scalars(select(BallotEntry.voter).where(BallotEntry.meeting_id == meeting.id)))
    returned = _returned(meeting, persons, voted, rng)
    motion_ids = [str(m.id) for m in meeting.motions]
    rota = list(members)
    own = {p.person: name for name, m in members.items() for p in persons_for(meeting, m.user)}
    per_day = -(-len(returned) // days)
    # 19:30 in Shanghai of the day before or of the day of ``first_day``: within 16.5 hours before it and 7.5 after.
    evening = datetime.combine(local_day(first_day - timedelta(hours=12)), time(19, 30), LOCAL_TZ).astimezone(UTC)
    for day in range(days):
        batch = evening + timedelta(days=day)
        entered = []
        for slot, person in enumerate(returned[day * per_day:(day + 1) * per_day]):
            number = day * per_day + slot + 1
            entering, attesting = rota[day % len(rota)], rota[(day + 1) % len(rota)]
            if own.get(person.person) in (entering, attesting):
                entering, attesting = [n for n in rota if n != own[person.person]][:2]
            choices, reasons = paper_choices(rng, number, motion_ids, person.buildings)
            scan = placeholder_scan(meeting.id, number)
            member = members[entering]
            with clock.frozen_at(batch + timedelta(minutes=2 * slot)):
                fields = dict(
                    community=str(meeting.community_id), meeting=str(meeting.id), roll_hash=meeting.roll_hash,
                    voter=person.person, choices=choices, invalid_reasons=reasons,
                    scan_sha256=hashlib.sha256(scan).hexdigest(), entered_at=clock.now(),
                    nonce=new_nonce(os.urandom))
                ballot = build_paper_ballot(**fields) if meeting.record_version == 1 else build_paper_ballot_v2(
                    collected_at=clock.now(), agenda_hash=meeting.agenda_hash, **fields)
                body = {"ballot": ballot, "signature": sign(member.private, ballot), "key_id": member.public}
                entered.append((paper.enter_paper_ballot(meeting, body, scan, actor=member.user), attesting))
        for slot, (row, attesting) in enumerate(entered):
            member = members[attesting]
            with clock.frozen_at(batch + timedelta(hours=2, minutes=2 * slot)):
                attestation = build_attestation(paper_ballot=row.ballot, attested_at=clock.now(),
                                                nonce=new_nonce(os.urandom))
                body = {"attestation": attestation, "signature": sign(member.private, attestation),
                        "key_id": member.public}
                paper.attest_paper_ballot(row, body, actor=member.user)
    return len(returned)
