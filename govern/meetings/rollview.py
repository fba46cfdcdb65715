"""The published roll (R6) as owners see it, the committee's flags on it (R4d, SPC art. 9), and owners'
objections to it with the convening body's answers (docs/meetings.md, "The published roll and objections").

Owners see units, buildings, areas and area sources grouped by person, numbered in roll order, with no names
and no owner ids. Objections are filed before voting opens; the answer is recorded (audit log, and
``roll_objections`` in the record's ``meeting.json``); an upheld objection that changes the roll voids the
notice (R10) through :func:`govern.meetings.services.void_notice`, so the notice period restarts when the
corrected notice is published.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.accounts.access import is_committee, is_confirmed_owner
from govern.audit.services import log_action
from govern.ballots.models import Meeting, RollCaster, RollPerson, RollUnit
from govern.core.ballot import format_time
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from govern.meetings.models import RollObjection
from govern.meetings.services import void_notice

#: The longest objection or answer text kept.
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class RollRow:
    """One person of the published roll: its number in roll order, units ``(unit, building, area, source)``,
    area and weight."""

    number: int
    units: tuple[tuple[str, str, int, str], ...]
    area: int
    weight: int


def published_roll(meeting: Meeting) -> list[RollRow]:
    """The meeting's frozen roll, person by person (no names, no owner ids)."""
    units: dict[int, list[RollUnit]] = defaultdict(list)
    for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.unit)):
        units[u.roll_person_id].append(u)
    persons = db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id).order_by(RollPerson.id))
    return [RollRow(number=i, units=tuple((u.unit, u.building, u.area, u.area_source) for u in units[p.id]),
                    area=p.area, weight=p.weight)
            for i, p in enumerate(persons, start=1)]


def overlap_flags(meeting: Meeting) -> list[tuple[str, list[int]]]:
    """R4d: owners who belong to several distinct persons of the frozen roll, as ``(owner id, person numbers)``
    for the committee to confirm (the same flags ``govern tally`` prints from the register)."""
    persons = list(db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id)
                                      .order_by(RollPerson.id)))
    numbers: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(persons, start=1):
        for owner in p.owners:
            numbers[owner].append(i)
    return [(owner, nums) for owner, nums in sorted(numbers.items()) if len(nums) > 1]


def shared_casters(meeting: Meeting) -> dict[int, int]:
    """Accounts that may cast for more than one person now (a buyer who already was a voting person, SPC art.
    9: the roll's grouping decides, and the account casts once per person): account → number of persons."""
    counts = Counter(db.session.scalars(select(RollCaster.user_id).where(RollCaster.meeting_id == meeting.id)))
    return {account: n for account, n in sorted(counts.items()) if n > 1}


def may_see_roll(user, community) -> bool:
    """Owners of the community and the committee see a published roll."""
    return is_committee(user, community) or is_confirmed_owner(user, community)


def objections_open(meeting: Meeting) -> bool:
    """Objections to the roll are filed while the notice is published and voting has not opened."""
    return meeting.is_published and clock.now() < meeting.opens_at


def _text(value, what: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text or len(text) > TEXT_LIMIT:
        raise DomainError("bad_request", _("Write the %(what)s (at most %(n)d characters).", what=what,
                                           n=TEXT_LIMIT))
    return text


def file_objection(meeting: Meeting, text: str, *, actor, unit: str = "") -> RollObjection:
    """An owner objects to the published roll (a wrong area, unit or grouping) before voting opens."""
    if not is_confirmed_owner(actor, meeting.community):
        raise Forbidden("forbidden", _("Only owners of this community can object to the roll."))
    if not objections_open(meeting):
        raise Conflict("roll_objection_closed", _("Objections to the roll are filed before voting opens."))
    unit = (unit or "").strip()[:64]
    objection = RollObjection(community_id=meeting.community_id, meeting_id=meeting.id, user_id=actor.id,
                              roll_hash=meeting.roll_hash or "", unit=unit,
                              text=_text(text, _("objection")), filed_at=clock.now())
    db.session.add(objection)
    db.session.flush()
    log_action("meeting.roll_objection", actor=actor, community=meeting.community_id, obj=objection,
           data={"meeting": meeting.id, "unit": unit, "roll_hash": objection.roll_hash})
    return objection


def answer_objection(objection: RollObjection, *, actor, upheld: bool, answer: str, changes_roll: bool = False
                     ) -> RollObjection:
    """The convening body answers an objection (upheld or rejected, with the reason). An upheld objection
    that changes the roll voids the notice (R10), while voting has not opened: the committee corrects the
    register and publishes again, which freezes a new roll and restarts the notice period."""
    meeting = db.session.get(Meeting, objection.meeting_id)
    if not is_committee(actor, meeting.community):
        raise Forbidden("forbidden", _("Only the committee answers objections to the roll."))
    if objection.outcome:
        raise Conflict("already_decided", _("This objection has already been answered."))
    reason = _text(answer, _("answer"))
    objection.outcome = "upheld" if upheld else "rejected"
    objection.answer = reason
    objection.answered_by_id = actor.id
    objection.answered_at = clock.now()
    void = upheld and changes_roll and meeting.is_published and objection.roll_hash == meeting.roll_hash
    if void:
        if not objections_open(meeting):
            raise Conflict("roll_objection_closed", _("Voting has opened: the notice can no longer be voided."))
        void_notice(meeting, actor=actor, reason="roll_objection")
        objection.voided_notice = True
    db.session.flush()
    log_action("meeting.roll_objection_answer", actor=actor, community=meeting.community_id, obj=objection,
           data={"meeting": meeting.id, "outcome": objection.outcome, "voided_notice": objection.voided_notice})
    return objection


def objections_of(meeting: Meeting, user=None) -> list[RollObjection]:
    """The meeting's objections (``user``: only theirs), oldest first."""
    query = select(RollObjection).where(RollObjection.meeting_id == meeting.id)
    if user is not None:
        query = query.where(RollObjection.user_id == user.id)
    return list(db.session.scalars(query.order_by(RollObjection.id)))


def objections_json(meeting: Meeting) -> list[dict]:
    """``roll_objections`` of the record's ``meeting.json``: every objection and its answer, without who filed
    or answered it."""
    return [{"roll_hash": o.roll_hash, "unit": o.unit, "text": o.text, "filed_at": format_time(o.filed_at),
             "outcome": o.outcome or None, "answer": o.answer or None, "voided_notice": o.voided_notice,
             "answered_at": None if o.answered_at is None else format_time(o.answered_at)}
            for o in objections_of(meeting)]
