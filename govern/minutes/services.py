"""Use cases of the minutes feature. Each validates, changes state, flushes, writes the audit entry and
raises ``DomainError``; none commits (the view or command does, once).

Committee meetings (R31, R32): agenda published ``notice_days`` in advance, attendance with its
quorum, decisions under the community's committee rule by the members present (no proxies), no
decision on a matter of Civil Code art. 278, minutes signed by every member present and published
within 3 days (a late publication is flagged, not refused: late minutes beat none).

Assembly minutes: append-only revisions (an identical save is a no-op, as Indico's
``EventNote.create_revision``), approved by committee members' signatures under the committee
rule, then published and immutable; a correction is a new revision linked to the one it corrects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock, settings
from govern.accounts.models import User
from govern.audit.services import log_action
from govern.ballots.models import MeetingStatus
from govern.core.ballot import format_time
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.procedure import CommitteeRule, committee_decision, committee_decision_passes, committee_meeting_quorum
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from govern.formats import format_moment, local_day
from govern.meetings.lifecycle import is_counted
from govern.minutes import signing
from govern.minutes.matters import ART278_ITEMS, art278_label
from govern.minutes.models import (
    AssemblyMinutes,
    CommitteeAgendaItem,
    CommitteeAttendance,
    CommitteeMeeting,
    CommitteeMinutesSignature,
    CommitteeVote,
    MinutesApproval,
    MinutesRevision,
)
from govern.minutes.sections import sections_for

#: R31: the agenda of a committee meeting is published this many days ahead unless the community says otherwise.
DEFAULT_AGENDA_DAYS = 7
#: R31: committee decisions are published within 3 days.
PUBLISH_WITHIN_DAYS = 3
CHOICES = ("agree", "oppose", "abstain")


settings.declare("minutes", "committee_notice_days", DEFAULT_AGENDA_DAYS, parse=settings.positive_int,
                 doc="R30: days before a committee meeting by which its agenda must be published.")


def committee_rule(community) -> CommitteeRule:
    return CommitteeRule(community.setting("committee_rule"))


def agenda_days(community) -> int:
    return community.setting("committee_notice_days")


def _require_member(user, community) -> None:
    if user is None or user.id not in {u.id for u in signing.committee_members(community)}:
        raise Forbidden("not_a_member", _("Only members of the owners' committee can do this."))


# --------------------------------------------------------------------------- committee meetings


@dataclass
class ItemData:
    title: str
    text: str = ""
    art278_item: int | None = None


@dataclass
class CommitteeMeetingData:
    title: str
    starts_at: dt.datetime
    location: str = ""
    items: list[ItemData] = field(default_factory=list)


def _apply(cm: CommitteeMeeting, data: CommitteeMeetingData) -> None:
    title = (data.title or "").strip()
    if not title:
        raise DomainError("title_required", _("Give the meeting a title."))
    if data.starts_at.tzinfo is None:
        raise ValueError("starts_at must be aware")
    items = [i for i in data.items if (i.title or "").strip()]
    for item in items:
        if item.art278_item is not None and item.art278_item not in ART278_ITEMS:
            raise DomainError("bad_matter", _("Unknown article 278 item."))
    cm.title, cm.location, cm.starts_at = title[:200], (data.location or "").strip()[:200], data.starts_at
    cm.items[:] = [
        CommitteeAgendaItem(community_id=cm.community_id, position=n, title=i.title.strip()[:200],
                            text=(i.text or "").strip(), art278_item=i.art278_item)
        for n, i in enumerate(items, start=1)
    ]


def create_committee_meeting(community, data: CommitteeMeetingData, *, actor) -> CommitteeMeeting:
    """Draft a committee meeting with its agenda items."""
    _require_member(actor, community)
    cm = CommitteeMeeting(community_id=community.id, created_by_id=actor.id, starts_at=data.starts_at, title="")
    db.session.add(cm)
    _apply(cm, data)
    db.session.flush()
    log_action("committee_meeting.create", actor=actor, community=community, obj=cm,
           data={"title": cm.title, "items": len(cm.items)})
    return cm


def update_committee_meeting(cm: CommitteeMeeting, data: CommitteeMeetingData, *, actor) -> CommitteeMeeting:
    """Edit a draft; a published agenda is locked (like R10 for assemblies)."""
    _require_member(actor, cm.community)
    if cm.agenda_published_at is not None:
        raise Conflict("agenda_locked", _("The agenda is published and can no longer be edited."))
    _apply(cm, data)
    db.session.flush()
    log_action("committee_meeting.update", actor=actor, community=cm.community_id, obj=cm, data={"title": cm.title})
    return cm


def publish_agenda(cm: CommitteeMeeting, *, actor) -> CommitteeMeeting:
    """R31: publish the agenda at least ``committee_notice_days`` (7) calendar days before the meeting."""
    _require_member(actor, cm.community)
    if cm.agenda_published_at is not None:
        raise Conflict("agenda_published", _("The agenda is already published."))
    if not cm.items:
        raise DomainError("agenda_empty", _("An agenda needs at least one item."))
    days = agenda_days(cm.community)
    moment = clock.now()
    ahead = (local_day(cm.starts_at) - local_day(moment)).days
    if ahead < days:
        earliest = local_day(moment) + dt.timedelta(days=days)
        raise DomainError("agenda_too_late", _(
            "The agenda must be published %(days)d days before the meeting; this meeting is %(ahead)d days "
            "away. Move it to %(earliest)s or later.", days=days, ahead=ahead, earliest=earliest.isoformat()))
    cm.notice_days = days
    cm.agenda_published_at = moment
    db.session.flush()
    log_action("committee_meeting.publish_agenda", actor=actor, community=cm.community_id, obj=cm,
           data={"starts_at": cm.starts_at.isoformat(), "notice_days": days, "days_ahead": ahead})
    return cm


def record_attendance(cm: CommitteeMeeting, present_ids, *, actor, proxies=None) -> CommitteeMeeting:
    """Record who attended in person; freeze the committee's size and rule. Proxies are refused (R31)."""
    _require_member(actor, cm.community)
    if proxies:
        raise DomainError("no_proxies", _("Committee members cannot be represented by a proxy at committee "
                                          "meetings: only members present in person count."))
    if cm.agenda_published_at is None:
        raise Conflict("agenda_not_published", _("Publish the agenda before the meeting."))
    if cm.held_at is not None:
        raise Conflict("attendance_recorded", _("The attendance is already recorded."))
    if clock.now() < cm.starts_at:
        raise Conflict("not_started", _("The meeting has not started yet."))
    members = signing.committee_members(cm.community)
    member_ids = {u.id for u in members}
    present = {int(i) for i in present_ids}
    if present - member_ids:
        raise DomainError("attendee_not_member", _("Only committee members can be recorded as present."))
    cm.attendance[:] = [CommitteeAttendance(community_id=cm.community_id, user_id=u.id, present=u.id in present)
                        for u in members]
    cm.members_count = len(members)
    cm.rule = committee_rule(cm.community).value
    cm.held_at = clock.now()
    db.session.flush()
    log_action("committee_meeting.attendance", actor=actor, community=cm.community_id, obj=cm,
           data={"present": sorted(present), "members": len(members), "quorum": quorate(cm)})
    return cm


def quorate(cm: CommitteeMeeting) -> bool:
    """R31: more than half of the members present."""
    if not cm.members_count:
        return False
    return committee_meeting_quorum(present=len(cm.present_user_ids), members=cm.members_count)


def decide_item(item: CommitteeAgendaItem, votes: dict[int, str], *, actor) -> CommitteeAgendaItem:
    """Record the present members' own votes on an item and its outcome under the committee rule (R31).

    Refused: a matter reserved to the owners' assembly (R32, Civil Code art. 278); a meeting without
    quorum; a vote by anyone not present (no proxies); an item already decided.
    """
    cm = item.meeting
    _require_member(actor, cm.community)
    if item.art278_item is not None:
        raise DomainError("reserved_to_assembly", _(
            "The committee may not decide this matter: %(matter)s is decided jointly by the owners "
            "(Civil Code art. 278). Put it to the owners' assembly instead.", matter=art278_label(item.art278_item)))
    if cm.held_at is None:
        raise Conflict("not_held", _("Record the attendance first."))
    if cm.minutes_closed_at is not None:
        raise Conflict("minutes_closed", _("The minutes are closed; no more decisions can be recorded."))
    if item.decided_at is not None:
        raise Conflict("already_decided", _("This item has already been decided."))
    if not quorate(cm):
        raise DomainError("committee_quorum", _(
            "The meeting is not quorate: %(present)d of %(members)d members present; more than half must attend.",
            present=len(cm.present_user_ids), members=cm.members_count))
    present = set(cm.present_user_ids)
    clean: dict[int, str] = {}
    for user_id, choice in votes.items():
        if not choice:
            continue
        if int(user_id) not in present:
            raise DomainError("voter_not_present", _("Only members present in person vote; there are no proxies."))
        if choice not in CHOICES:
            raise DomainError("bad_choice", _("A vote is agree, oppose or abstain."))
        clean[int(user_id)] = choice
    for user_id, choice in sorted(clean.items()):
        item.votes.append(CommitteeVote(community_id=item.community_id, user_id=user_id, choice=choice))
    item.agree = sum(1 for c in clean.values() if c == "agree")
    item.oppose = sum(1 for c in clean.values() if c == "oppose")
    item.abstain = sum(1 for c in clean.values() if c == "abstain")
    outcome = committee_decision(yes=item.agree, present=len(present), members=cm.members_count,
                                 rule=CommitteeRule(cm.rule))
    item.adopted = outcome.adopted
    item.reasons = list(outcome.reasons)
    item.decided_at = clock.now()
    db.session.flush()
    log_action("committee_meeting.decide", actor=actor, community=cm.community_id, obj=item,
           data={"meeting": cm.id, "agree": item.agree, "oppose": item.oppose, "abstain": item.abstain,
                 "members": cm.members_count, "rule": cm.rule, "adopted": item.adopted, "reasons": item.reasons})
    return item


def committee_minutes_document(cm: CommitteeMeeting) -> dict:
    """The canonical document the members present sign (``govern.committee_minutes.v1``)."""
    return {
        "type": signing.COMMITTEE_MINUTES_TYPE,
        "community": str(cm.community_id),
        "meeting": str(cm.id),
        "title": cm.title,
        "location": cm.location,
        "starts_at": format_time(cm.starts_at),
        "agenda_published_at": format_time(cm.agenda_published_at),
        "members": cm.members_count,
        "rule": cm.rule,
        "present": [str(a.user_id) for a in cm.attendance if a.present],
        "absent": [str(a.user_id) for a in cm.attendance if not a.present],
        "items": [
            {
                "position": i.position,
                "title": i.title,
                "text": i.text,
                "art278_item": i.art278_item or 0,
                "votes": {str(v.user_id): v.choice for v in i.votes},
                "decided": i.decided_at is not None,
                "adopted": bool(i.adopted),
                "reasons": list(i.reasons or []),
            }
            for i in cm.items
        ],
        "minutes": cm.minutes_text,
    }


def close_committee_minutes(cm: CommitteeMeeting, text: str, *, actor) -> CommitteeMeeting:
    """Fix the minutes' text and freeze the document the members present will sign."""
    _require_member(actor, cm.community)
    if cm.held_at is None:
        raise Conflict("not_held", _("Record the attendance first."))
    if cm.minutes_closed_at is not None:
        raise Conflict("minutes_closed", _("The minutes are already closed for signing."))
    cm.minutes_text = (text or "").strip()
    cm.minutes_document = committee_minutes_document(cm)
    cm.minutes_hash = sha256_hex(canonical_bytes(cm.minutes_document))
    cm.minutes_closed_at = clock.now()
    db.session.flush()
    log_action("committee_meeting.close_minutes", actor=actor, community=cm.community_id, obj=cm,
           data={"minutes_hash": cm.minutes_hash})
    return cm


def sign_committee_minutes(cm: CommitteeMeeting, data: dict, *, actor) -> CommitteeMinutesSignature:
    """A member who was present signs the closed minutes with their enrolled key."""
    if cm.minutes_closed_at is None or cm.minutes_document is None:
        raise Conflict("minutes_open", _("The minutes are not closed for signing yet."))
    if actor.id not in cm.present_user_ids:
        raise Forbidden("not_present", _("Only the members present at the meeting sign its minutes."))
    if any(s.user_id == actor.id for s in cm.signatures):
        raise Conflict("already_signed", _("You have already signed these minutes."))
    key, signature, fingerprint = signing.check_signature(actor, cm.minutes_document, data)
    row = CommitteeMinutesSignature(community_id=cm.community_id, meeting_id=cm.id, user_id=actor.id,
                                    key_id=key.public_key, fingerprint=fingerprint, signature=signature)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(cm)
    log_action("committee_meeting.sign", actor=actor, community=cm.community_id, obj=row,
           data={"meeting": cm.id, "key_id": key.public_key, "minutes_hash": cm.minutes_hash})
    return row


def missing_signers(cm: CommitteeMeeting) -> list[int]:
    signed = {s.user_id for s in cm.signatures}
    return [uid for uid in cm.present_user_ids if uid not in signed]


def publish_deadline(cm: CommitteeMeeting) -> dt.date:
    """R31: the last day (Asia/Shanghai) to publish the meeting's decisions."""
    return local_day(cm.starts_at) + dt.timedelta(days=PUBLISH_WITHIN_DAYS)


def publish_committee_minutes(cm: CommitteeMeeting, *, actor) -> CommitteeMeeting:
    """Publish signed minutes to the owners. After the 3-day deadline the publication is flagged as late."""
    _require_member(actor, cm.community)
    if cm.published_at is not None:
        raise Conflict("published", _("These minutes are already published."))
    if cm.minutes_closed_at is None:
        raise Conflict("minutes_open", _("Close the minutes and collect the signatures first."))
    if missing_signers(cm):
        raise Conflict("signatures_missing", _("Every member present must sign the minutes before they are "
                                               "published (%(n)d missing).", n=len(missing_signers(cm))))
    moment = clock.now()
    cm.published_at = moment
    cm.published_by_id = actor.id
    cm.is_late = local_day(moment) > publish_deadline(cm)
    db.session.flush()
    log_action("committee_meeting.publish", actor=actor, community=cm.community_id, obj=cm,
           data={"minutes_hash": cm.minutes_hash, "late": cm.is_late, "deadline": publish_deadline(cm).isoformat()})
    return cm


# --------------------------------------------------------------------------- assembly minutes


def minutes_of(meeting) -> AssemblyMinutes | None:
    return db.session.scalar(select(AssemblyMinutes).where(AssemblyMinutes.meeting_id == meeting.id))


def save_minutes(meeting, text: str, *, actor) -> tuple[MinutesRevision, bool]:
    """Save a revision of the minutes with the record's sections filled in; ``(revision, created)``.

    Identical content (text and record) is a no-op returning the current revision. After
    publication a save is a correction: a new revision that points at the published one.
    """
    _require_member(actor, meeting.community)
    if meeting.status is not MeetingStatus.CLOSED:
        raise Conflict("meeting_not_closed", _("Minutes are drafted after the vote has closed."))
    if not is_counted(meeting):
        raise Conflict("not_counted", _("The votes are still being counted: the result is not signed yet."))
    text = (text or "").replace("\r\n", "\n").strip()
    sections = sections_for(meeting)
    digest = signing.content_hash(text, sections)
    minutes = minutes_of(meeting)
    if minutes is None:
        minutes = AssemblyMinutes(community_id=meeting.community_id, meeting_id=meeting.id)
        db.session.add(minutes)
        db.session.flush()
    current = minutes.current_revision
    if current is not None and current.content_hash == digest:
        return current, False
    revision = MinutesRevision(
        community_id=meeting.community_id, minutes_id=minutes.id, number=(current.number + 1) if current else 1,
        text=text, sections=sections, content_hash=digest, created_by_id=actor.id,
        corrects_id=(minutes.published_revision.id if minutes.published_revision else None),
    )
    db.session.add(revision)
    db.session.flush()
    minutes.current_revision_id = revision.id
    db.session.flush()
    db.session.refresh(minutes)
    log_action("minutes.save", actor=actor, community=meeting.community_id, obj=revision,
           data={"meeting": meeting.id, "revision": revision.number, "content_hash": digest,
                 "corrects": revision.corrects_id})
    return revision, True


def approval_count_needed(members: int, rule: CommitteeRule) -> int:
    """The fewest approvals that pass under ``rule`` (for display; the decision itself uses the core rule)."""
    return next(y for y in range(members + 1) if committee_decision_passes(yes=y, members=members, rule=rule)) \
        if members else 0


def approve_revision(revision: MinutesRevision, data: dict, *, actor) -> MinutesApproval:
    """A committee member approves the current revision by signing its approval document.

    The revision is approved when the approvals reach the committee rule (R31, counted against all
    members: ``committee_decision_passes``).
    """
    minutes = revision.minutes
    meeting = minutes.meeting
    community = meeting.community
    _require_member(actor, community)
    if minutes.current_revision_id != revision.id:
        raise Conflict("not_current", _("Only the current version can be approved."))
    if revision.published_at is not None:
        raise Conflict("published", _("This version is already published."))
    if any(a.user_id == actor.id for a in revision.approvals):
        raise Conflict("already_approved", _("You have already approved this version."))
    key, signature, fingerprint = signing.check_signature(actor, signing.approval_document(revision, meeting.id),
                                                          data)
    approval = MinutesApproval(community_id=revision.community_id, revision_id=revision.id, user_id=actor.id,
                               key_id=key.public_key, fingerprint=fingerprint, signature=signature)
    db.session.add(approval)
    db.session.flush()
    db.session.refresh(revision)
    members = len(signing.committee_members(community))
    rule = committee_rule(community)
    passed = committee_decision_passes(yes=len(revision.approvals), members=members, rule=rule)
    if passed and revision.approved_at is None:
        revision.approved_at = clock.now()
        revision.members_count = members
        revision.rule = rule.value
    db.session.flush()
    log_action("minutes.approve", actor=actor, community=revision.community_id, obj=approval,
           data={"meeting": meeting.id, "revision": revision.number, "content_hash": revision.content_hash,
                 "key_id": key.public_key, "approvals": len(revision.approvals), "members": members,
                 "rule": rule.value, "approved": revision.approved_at is not None})
    return approval


def publish_revision(revision: MinutesRevision, *, actor) -> MinutesRevision:
    """Publish an approved revision to the owners. From now on it never changes."""
    minutes = revision.minutes
    _require_member(actor, minutes.meeting.community)
    if revision.published_at is not None:
        raise Conflict("published", _("This version is already published."))
    if minutes.current_revision_id != revision.id:
        raise Conflict("not_current", _("Only the current version can be published."))
    if revision.approved_at is None:
        raise Conflict("not_approved", _("The committee has not approved this version yet."))
    revision.published_at = clock.now()
    revision.published_by_id = actor.id
    db.session.flush()
    log_action("minutes.publish", actor=actor, community=revision.community_id, obj=revision,
           data={"meeting": minutes.meeting_id, "revision": revision.number, "content_hash": revision.content_hash,
                 "corrects": revision.corrects_id})
    return revision


def signer_rows(rows, users: dict[int, User] | None = None, roles: dict[int, str] | None = None) -> list[dict]:
    """Rows for the PDF signatures block: name, role, key fingerprint, time (Asia/Shanghai)."""
    out = []
    for r in rows:
        user = r.user
        out.append({
            "name": user.name if user else str(r.user_id),
            "role": (roles or {}).get(r.user_id, ""),
            "fingerprint": r.fingerprint,
            "key_id": r.key_id,
            "signed_at": format_moment(r.created_at),
        })
    return out
