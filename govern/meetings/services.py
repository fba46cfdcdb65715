"""Meeting use cases: drafting a meeting and its motions, editing (which voids a published notice, R10) and
publishing the notice (R9), which freezes the roll (:mod:`govern.meetings.roll`).

Every rule that decides an outcome lives in ``govern.core``; these functions load rows, call the core,
store and log. They flush and never commit: the view commits once. Participation is in
:mod:`govern.meetings.participation`; owner keys, the voter's view, the ledger and casting in
:mod:`govern.ballots` (all re-exported below while callers move).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select

from govern import clock
from govern.agenda.models import Attachment
from govern.audit.services import record
from govern.ballots.cast import Cast, Caster, cast, cast_ballot, caster_for, meeting_for  # noqa: F401  (moved)
from govern.ballots.common import STATUS as REJECTION_STATUS  # noqa: F401  (moved)
from govern.ballots.ledger import counting, has_voted, ledger_entries, lock_meeting, to_core_entry  # noqa: F401
from govern.ballots.models import (
    Meeting,
    MeetingKind,
    MeetingStatus,
    Motion,
    RollCaster,
    RollPerson,
    RollUnit,
)
from govern.ballots.owner_keys import active_key, enroll_key, key_history  # noqa: F401  (moved)
from govern.ballots.voter import ballot_context, persons_for, voter_summary  # noqa: F401  (moved)
from govern.core.agenda import agenda_hash, build_agenda
from govern.core.ballot import RevisionPolicy, format_time
from govern.core.procedure import NoticeReading, notice_period
from govern.core.rules import InvalidPolicy, Matter
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import local_day
from govern.meetings.participation import Bar, Participation, floor_percent, participation  # noqa: F401  (moved)
from govern.meetings.roll import freeze_roll, load_roll  # noqa: F401  (moved)
from govern.register.models import Building, Community

# --------------------------------------------------------------------------- drafting


@dataclass
class MotionData:
    title: str
    text: str = ""
    matter: str = Matter.ORDINARY.value
    proposal_id: int | None = None


@dataclass
class MeetingData:
    title: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    description: str = ""
    kind: str = MeetingKind.REGULAR.value
    scope_buildings: list[str] | None = None
    revision_policy: str = RevisionPolicy.SINGLE_CAST.value
    invalid_policy: str = InvalidPolicy.AS_ABSTAIN.value
    motions: list[MotionData] = field(default_factory=list)


#: R36 (北京 art. 13): the candidates of the first assembly are published at least this many days before voting.
FIRST_ASSEMBLY_CANDIDATE_DAYS = 15

def _validate(community: Community, data: MeetingData) -> None:
    problems = {}
    if not data.title.strip():
        problems["title"] = _("A title is required.")
    for name in ("opens_at", "closes_at"):
        value = getattr(data, name)
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise DomainError("bad_request", _("The voting window needs aware times."))
    if data.closes_at <= data.opens_at:
        problems["closes_at"] = _("Voting must close after it opens.")
    if data.kind not in {k.value for k in MeetingKind}:
        problems["kind"] = _("Unknown meeting kind.")
    if data.revision_policy not in {p.value for p in RevisionPolicy}:
        problems["revision_policy"] = _("Unknown revision policy.")
    if data.invalid_policy not in {p.value for p in InvalidPolicy}:
        problems["invalid_policy"] = _("Unknown invalid-ballot policy.")
    if data.scope_buildings is not None:
        codes = set(db.session.scalars(select(Building.code).where(Building.community_id == community.id)))
        unknown = sorted(set(data.scope_buildings) - codes)
        if not data.scope_buildings or unknown:
            problems["scope"] = _("Unknown building(s): %(codes)s", codes=", ".join(unknown) or "-")
    for i, m in enumerate(data.motions, start=1):
        if not m.title.strip():
            problems[f"motion{i}"] = _("Motion %(n)d needs a title.", n=i)
        if m.matter not in {x.value for x in Matter}:
            problems[f"motion{i}"] = _("Motion %(n)d has an unknown matter class.", n=i)
    if problems:
        raise DomainError("invalid", " ".join(str(v) for v in problems.values()), status=400, details=problems)


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.title = data.title.strip()
    meeting.description = data.description.strip()
    meeting.kind = data.kind
    meeting.scope_buildings = sorted(set(data.scope_buildings)) if data.scope_buildings else None
    meeting.opens_at = data.opens_at
    meeting.closes_at = data.closes_at
    meeting.revision_policy = data.revision_policy
    meeting.invalid_policy = data.invalid_policy
    meeting.updated_at = clock.now()
    meeting.motions.clear()
    db.session.flush()
    for i, m in enumerate(data.motions, start=1):
        meeting.motions.append(Motion(community_id=meeting.community_id, position=i, title=m.title.strip(),
                                      text=m.text.strip(), matter=m.matter, proposal_id=m.proposal_id))


def _snapshot(meeting: Meeting) -> dict:
    return {
        "title": meeting.title, "kind": meeting.kind, "scope": meeting.scope_buildings,
        "opens_at": format_time(meeting.opens_at), "closes_at": format_time(meeting.closes_at),
        "revision_policy": meeting.revision_policy, "invalid_policy": meeting.invalid_policy,
        "motions": [{"title": m.title, "matter": m.matter, "proposal_id": m.proposal_id} for m in meeting.motions],
    }


def create_meeting(community: Community, data: MeetingData, *, actor, convener: str = "committee") -> Meeting:
    """Draft a meeting with its motions (R11: ``convener`` "street_office" when the auditor convenes)."""
    _validate(community, data)
    meeting = Meeting(community_id=community.id, created_by_id=actor.id if actor else None, convener=convener,
                      title="", opens_at=data.opens_at, closes_at=data.closes_at, created_at=clock.now())
    db.session.add(meeting)
    _apply(meeting, data)
    db.session.flush()
    record("meeting.create", actor=actor, community=community, obj=meeting, data=_snapshot(meeting))
    return meeting


def update_meeting(meeting: Meeting, data: MeetingData, *, actor) -> Meeting:
    """Edit a draft or an announced meeting. Editing a published notice voids it (R10): back to draft,
    roll discarded, logged; a new publication restarts the notice period. Refused once voting opened."""
    if meeting.status in (MeetingStatus.OPEN, MeetingStatus.CLOSED):
        raise DomainError("locked", _("Voting has opened: the meeting can no longer be edited."), status=409)
    _validate(meeting.community, data)
    if meeting.is_published:
        void_notice(meeting, actor=actor, reason="edited")
    _apply(meeting, data)
    db.session.flush()
    record("meeting.update", actor=actor, community=meeting.community_id, obj=meeting, data=_snapshot(meeting))
    return meeting


def void_notice(meeting: Meeting, *, actor, reason: str) -> None:
    """R10: the published notice is void; the meeting is a draft again and its frozen roll is discarded."""
    old_hash = meeting.roll_hash
    for model in (RollCaster, RollUnit, RollPerson):
        db.session.execute(delete(model).where(model.meeting_id == meeting.id))
    meeting.published_at = None
    meeting.notice_date = None
    meeting.roll_hash = None
    meeting.agenda, meeting.agenda_hash = None, None
    meeting.roll_frozen_at = None
    meeting.total_area = 0
    meeting.total_persons = 0
    meeting.void_count += 1
    db.session.flush()
    record("meeting.notice_void", actor=actor, community=meeting.community_id, obj=meeting,
           data={"reason": reason, "roll_hash": old_hash})


def agenda_of(meeting: Meeting) -> dict:
    """The ``govern.agenda.v1`` object of the meeting's notice (``govern.core.agenda``): its motions in notice
    order with their texts and the attachments of the proposals they come from, and its policies."""
    proposals = [m.proposal_id for m in meeting.motions if m.proposal_id is not None]
    files: dict[int, list[dict]] = {}
    if proposals:
        for a in db.session.scalars(select(Attachment).where(Attachment.proposal_id.in_(proposals))
                                    .order_by(Attachment.id)):
            files.setdefault(a.proposal_id, []).append(
                {"name": a.filename, "media_type": a.content_type, "size": a.size, "sha256": a.sha256})
    return build_agenda(
        community=str(meeting.community_id), meeting=str(meeting.id), revision_policy=meeting.revision_policy,
        invalid_policy=meeting.invalid_policy,
        motions=[{"id": str(m.id), "title": m.title, "text": m.text or "", "item": None, "matter": m.matter,
                  "attachments": files.get(m.proposal_id, []) if m.proposal_id is not None else [],
                  **({"kind": "election", **m.election} if m.is_election else {})}
                 for m in meeting.motions])


def publish_meeting(meeting: Meeting, *, actor) -> Meeting:
    """Publish the notice: check R9, lock the motion texts, freeze the roll (R6) and record its hash; fix the
    agenda object and its hash (ballots, paper ballots and delegations bind it)."""
    if meeting.is_published:
        raise DomainError("already_published", _("The notice is already published."), status=409)
    if not meeting.motions:
        raise DomainError("no_motions", _("Add at least one motion before publishing."), status=400)
    if any(m.is_election and m.election.get("candidates") is None for m in meeting.motions):
        raise DomainError("nominations_open", _("Close the nominations of every election before publishing the "
                                                "notice: the candidates are published with it."), status=409)
    moment = clock.now()
    community = meeting.community
    reading = NoticeReading(community.setting("notice_rule") or "conservative")
    notice_days = int(community.setting("notice_days") or 15)
    if meeting.kind == MeetingKind.INTERIM and community.setting("interim_notice_days"):
        notice_days = int(community.setting("interim_notice_days"))
    if any(m.is_election for m in meeting.motions):  # R36: the candidates are published with the notice
        notice_days = max(notice_days, FIRST_ASSEMBLY_CANDIDATE_DAYS if meeting.kind == MeetingKind.FIRST
                          else community.setting("election_candidate_days"))
    check = notice_period(notice_date=local_day(moment), opens=local_day(meeting.opens_at), reading=reading,
                          notice_days=notice_days)
    if not check.ok:
        raise DomainError(
            "notice_too_short",
            _("The notice period is too short (%(reason)s): %(days)d days between the notice and the opening, "
              "%(required)d required under the %(reading)s reading. Voting may open on %(earliest)s at the earliest.",
              reason=check.reason, days=check.days, required=check.required_days, reading=reading.value,
              earliest=check.earliest_opening.isoformat()),
            status=400,
            details={"reason": check.reason, "days": check.days, "required_days": check.required_days,
                     "earliest_opening": check.earliest_opening.isoformat()},
        )
    meeting.published_at = moment
    meeting.published_by_id = actor.id if actor else None
    meeting.notice_date = local_day(moment)
    meeting.notice_rule = reading.value
    roll = freeze_roll(meeting, moment)
    meeting.agenda = agenda_of(meeting)
    meeting.agenda_hash = agenda_hash(meeting.agenda)
    record("meeting.publish", actor=actor, community=community, obj=meeting,
           data={**_snapshot(meeting), "roll_hash": meeting.roll_hash, "agenda_hash": meeting.agenda_hash,
                 "total_area": roll.total_area,
                 "total_persons": roll.total_persons, "notice_date": meeting.notice_date.isoformat(),
                 "notice_rule": reading.value,
                 "motion_texts": {str(m.id): m.text for m in meeting.motions}})
    return meeting
