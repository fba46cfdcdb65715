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

from govern import clock, settings
from govern.agenda.models import Attachment
from govern.audit.services import log_action
from govern.ballots.cast import Cast, Caster, cast, cast_ballot, caster_for, meeting_for  # noqa: F401  (moved)
from govern.ballots.casters import discard_caster_changes
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
from govern.core.items import item_problem
from govern.core.procedure import NoticeReading, notice_period
from govern.core.rules import InvalidPolicy, Matter
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import local_day
from govern.meetings import casters as _casters  # noqa: F401  (connects the register's owners_changed receiver)
from govern.meetings.attachments import file_path
from govern.meetings.interested import building_units, interested_persons, unknown_units
from govern.meetings.participation import Bar, Participation, floor_percent, participation  # noqa: F401  (moved)
from govern.meetings.roll import freeze_roll, keep_voided_roll, load_roll  # noqa: F401  (moved)
from govern.register.models import Building, Community

# --------------------------------------------------------------------------- drafting


@dataclass
class MotionData:
    title: str
    text: str = ""
    matter: str = Matter.ORDINARY.value
    proposal_id: int | None = None
    #: The item of Civil Code art. 278 (1-9) the motion decides; fixes the least class (``govern.core.items``).
    item: int | None = None
    #: The motion's own files, ``[{name, media_type, size, sha256}]`` (``store_motion_file``).
    attachments: list[dict] = field(default_factory=list)
    #: Art. 279 only: the applicant's units, the interested units (None: the other units of the applicant's
    #: building) and the reason when the committee changed that default (``govern.meetings.interested``).
    applicant_units: list[str] = field(default_factory=list)
    interested_units: list[str] | None = None
    interested_reason: str = ""


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
        problems.update(_motion_problems(community, i, m))
    if problems:
        raise DomainError("invalid", " ".join(str(v) for v in problems.values()), status=400, details=problems)


def _motion_problems(community: Community, i: int, m: MotionData) -> dict:
    """What is wrong with motion ``i``; a class lower than its art. 278 item needs is refused outright."""
    problems = {}
    if not m.title.strip():
        problems[f"motion{i}"] = _("Motion %(n)d needs a title.", n=i)
    if m.matter not in {x.value for x in Matter}:
        problems[f"motion{i}"] = _("Motion %(n)d has an unknown matter class.", n=i)
        return problems
    problem = item_problem(m.item, m.matter)
    if problem == "matter_below_item":
        raise DomainError("matter_below_item", _(
            "Motion %(n)d decides item (%(item)d) of Civil Code art. 278, which is a major matter: it cannot "
            "be classed lower.", n=i, item=m.item), status=400, details={"motion": i, "item": m.item})
    if problem is not None:
        problems[f"motion{i}"] = _("Motion %(n)d: the art. 278 item must be 1 to 9, and an art. 279 motion "
                                   "names none.", n=i)
    if m.matter == Matter.UNANIMOUS_INTERESTED.value:
        problems.update(_interested_problems(community, i, m))
    if not all(_stored(a) for a in m.attachments):
        problems[f"motion{i}_files"] = _("Motion %(n)d names a file that was not uploaded.", n=i)
    return problems


def _stored(entry: dict) -> bool:
    """An attachment entry names a stored file of that size."""
    if not isinstance(entry, dict) or set(entry) != {"name", "media_type", "size", "sha256"}:
        return False
    sha = str(entry["sha256"])
    path = file_path(sha) if len(sha) == 64 and sha.isalnum() else None
    return path is not None and path.stat().st_size == entry["size"]


def _interested_problems(community: Community, i: int, m: MotionData) -> dict:
    """Art. 279: the applicant's units are named and known; changed interested units carry a reason."""
    key = f"motion{i}_interested"
    if not m.applicant_units:
        return {key: _("Motion %(n)d (art. 279) must name the applicant's units.", n=i)}
    unknown, default = building_units(community.id, m.applicant_units)
    if m.interested_units is not None:
        unknown += unknown_units(community.id, m.interested_units)
    if unknown:
        return {key: _("Motion %(n)d: unknown unit(s) %(units)s.", n=i, units=", ".join(sorted(set(unknown))))}
    chosen = default if m.interested_units is None else sorted(set(m.interested_units) - set(m.applicant_units))
    if not chosen:
        return {key: _("Motion %(n)d (art. 279) has no interested owners.", n=i)}
    if chosen != default and not m.interested_reason.strip():
        return {key: _("Motion %(n)d: state why the interested owners differ from the other owners of the "
                       "applicant's building.", n=i)}
    return {}


def _interested(community_id: int, m: MotionData) -> dict | None:
    if m.matter != Matter.UNANIMOUS_INTERESTED.value:
        return None
    _unknown, default = building_units(community_id, m.applicant_units)
    chosen = default if m.interested_units is None else sorted(set(m.interested_units) - set(m.applicant_units))
    return {"applicant_units": sorted(set(m.applicant_units)), "interested_units": chosen,
            "reason": m.interested_reason.strip() if chosen != default else ""}


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
    # The form edits the yes/no motions only: election motions (govern.elections) keep their rows, and so their
    # candidates; they follow the yes/no motions in their own order.
    elections = [m for m in meeting.motions if m.is_election]
    for motion in [m for m in meeting.motions if not m.is_election]:
        meeting.motions.remove(motion)
    db.session.flush()
    for i, motion in enumerate(elections, start=len(data.motions) + 1):
        motion.position = i
    for i, m in enumerate(data.motions, start=1):
        motion = Motion(community_id=meeting.community_id, position=i, title=m.title.strip(), text=m.text.strip(),
                        matter=m.matter, proposal_id=m.proposal_id, item=m.item,
                        attachments=list(m.attachments) or None, interested=_interested(meeting.community_id, m))
        meeting.motions.insert(i - 1, motion)


def _snapshot(meeting: Meeting) -> dict:
    return {
        "title": meeting.title, "kind": meeting.kind, "scope": meeting.scope_buildings,
        "opens_at": format_time(meeting.opens_at), "closes_at": format_time(meeting.closes_at),
        "revision_policy": meeting.revision_policy, "invalid_policy": meeting.invalid_policy,
        "motions": [{"title": m.title, "matter": m.matter, "item": m.item, "proposal_id": m.proposal_id,
                     "attachments": [a["sha256"] for a in m.attachments or ()], "interested": m.interested}
                    for m in meeting.motions],
    }


def create_meeting(community: Community, data: MeetingData, *, actor, convener: str = "committee",
                   convening_reason: str = "") -> Meeting:
    """Draft a meeting with its motions (R11: ``convener`` "street_office" when the auditor convenes, which
    needs ``convening_reason``: why, e.g. the committee failed to convene; kept in the audit log and meeting.json)."""
    _validate(community, data)
    reason = (convening_reason or "").strip()
    if convener == "street_office" and not reason:
        raise DomainError("convening_reason_required", _("Say why the street office convenes this meeting "
                                                         "(for example, the committee failed to convene it)."),
                          status=400)
    meeting = Meeting(community_id=community.id, created_by_id=actor.id if actor else None, convener=convener,
                      title="", opens_at=data.opens_at, closes_at=data.closes_at, created_at=clock.now(),
                      convening_reason=reason if convener == "street_office" else "")
    db.session.add(meeting)
    _apply(meeting, data)
    db.session.flush()
    log_action("meeting.create", actor=actor, community=community, obj=meeting,
           data={**_snapshot(meeting), **({"convener": convener, "convening_reason": reason}
                                          if convener == "street_office" else {})})
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
    log_action("meeting.update", actor=actor, community=meeting.community_id, obj=meeting, data=_snapshot(meeting))
    return meeting


def void_notice(meeting: Meeting, *, actor, reason: str) -> None:
    """R10: the published notice is void; the meeting is a draft again. Its frozen roll is kept in
    ``voided_rolls`` (R29) and the live roll is cleared for the next notice."""
    old_hash = meeting.roll_hash
    kept = keep_voided_roll(meeting, actor=actor, reason=reason, moment=clock.now())
    discarded = discard_caster_changes(meeting)
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
    log_action("meeting.notice_void", actor=actor, community=meeting.community_id, obj=meeting,
           data={"reason": reason, "roll_hash": old_hash, "voided_roll": kept.generation,
                 "caster_changes_discarded": discarded})


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
        motions=[{"id": str(m.id), "title": m.title, "text": m.text or "", "item": m.item, "matter": m.matter,
                  "attachments": (files.get(m.proposal_id, []) if m.proposal_id is not None else [])
                  + list(m.attachments or ()), "interested": m.interested,
                  **({"kind": "election", **m.election} if m.is_election else {})}
                 for m in meeting.motions])


def window_bounds(community: Community) -> tuple[int, int]:
    """R12: the community's shortest and longest voting window in days (settings ``window_min_days``,
    ``window_max_days``)."""
    return settings.get(community, "window_min_days"), settings.get(community, "window_max_days")


def check_window(community: Community, opens_at: dt.datetime, closes_at: dt.datetime,
                 bounds: tuple[int | None, int | None] = (None, None)) -> None:
    """Refuse (``window_out_of_bounds``) a voting window shorter or longer than the community allows (R12);
    an extension is checked with its new close, so the total window stays within the bounds (``bounds``: those
    fixed on the published meeting, when it has them)."""
    low, high = bounds if None not in bounds else window_bounds(community)
    length = closes_at - opens_at
    if dt.timedelta(days=low) <= length <= dt.timedelta(days=high):
        return
    raise DomainError("window_out_of_bounds", _(
        "The voting window must last from %(low)d to %(high)d days (the community's rules, R12); this one lasts "
        "%(days)d days and %(hours)d hours.", low=low, high=high, days=length.days, hours=length.seconds // 3600),
        status=400, details={"min_days": low, "max_days": high, "seconds": int(length.total_seconds())})


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
    check_window(community, meeting.opens_at, meeting.closes_at)
    meeting.published_at = moment
    meeting.published_by_id = actor.id if actor else None
    clause = settings.get(community, "deemed_consent")
    meeting.deemed_consent = None if clause == "off" else clause
    meeting.notice_date = local_day(moment)
    meeting.notice_rule = reading.value
    meeting.objection_days = community.setting("objection_days")  # R26: fixed with the notice
    meeting.window_min_days, meeting.window_max_days = window_bounds(community)  # R12: fixed with the notice
    meeting.paper_entry_grace_hours = settings.get(community, "paper_entry_grace")  # #12 item 2: fixed too
    roll = freeze_roll(meeting, moment)
    for motion in meeting.motions:
        if motion.interested is not None and not interested_persons(meeting, motion):
            raise DomainError("invalid", _("The art. 279 motion “%(title)s” has no interested owner on the roll.",
                                           title=motion.title), status=400)
    meeting.agenda = agenda_of(meeting)
    meeting.agenda_hash = agenda_hash(meeting.agenda)
    log_action("meeting.publish", actor=actor, community=community, obj=meeting,
           data={**_snapshot(meeting), "roll_hash": meeting.roll_hash, "agenda_hash": meeting.agenda_hash,
                 "total_area": roll.total_area,
                 "total_persons": roll.total_persons, "notice_date": meeting.notice_date.isoformat(),
                 "notice_rule": reading.value,
                 "motion_texts": {str(m.id): m.text for m in meeting.motions}})
    return meeting
