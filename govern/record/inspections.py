"""Owners' requests to inspect a meeting's full record (the SPC's interpretation on building-division disputes,
art. 13: an owner may ask to consult the assembly's decisions and voting records).

An owner asks; the request is in the audit log. When the community's ``inspection_needs_approval`` setting is
on (the default) the committee grants or refuses it, and the answer is in the audit log too; when it is off the
request is granted as it is made. Granted, the owner may download the auditor edition of that meeting's record
(every ballot in full), from the preliminary stage, like the committee.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock, settings
from govern.accounts.access import has_role, is_committee
from govern.accounts.models import Role
from govern.audit.services import log_action
from govern.ballots.models import Meeting
from govern.errors import DomainError
from govern.extensions import db
from govern.record.models import InspectionRequest

PENDING, GRANTED, REFUSED = "pending", "granted", "refused"

settings.declare("record", "inspection_needs_approval", True, parse=settings.boolean,
                 doc="Issue #12 (SPC art. 13): an owner's request to inspect a meeting's full record (the auditor "
                     "edition) needs the committee's approval; false grants it as it is made.")


def requests_of(meeting: Meeting, user=None) -> list[InspectionRequest]:
    """The meeting's inspection requests (of ``user`` only, when given), newest first."""
    q = select(InspectionRequest).where(InspectionRequest.meeting_id == meeting.id)
    if user is not None:
        q = q.where(InspectionRequest.user_id == user.id)
    return list(db.session.scalars(q.order_by(InspectionRequest.id.desc())))


def inspection_granted(user, meeting: Meeting) -> bool:
    """``user`` holds a granted request to inspect ``meeting``'s full record."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(InspectionRequest.id).where(
        InspectionRequest.meeting_id == meeting.id, InspectionRequest.user_id == user.id,
        InspectionRequest.status == GRANTED)) is not None


def request_inspection(meeting: Meeting, reason: str, *, actor) -> InspectionRequest:
    """A confirmed owner asks to inspect the full record: 403 ``not_owner`` for anyone else, 409
    ``inspection_pending`` while an earlier request of theirs awaits an answer. Audit-logged; granted at once
    when the community does not require approval."""
    if not has_role(actor, meeting.community, Role.OWNER):
        raise DomainError("not_owner", _("Only confirmed owners of this community may ask to inspect the record."),
                          status=403)
    if any(r.status in (PENDING, GRANTED) for r in requests_of(meeting, actor)):
        raise DomainError("inspection_pending", _("You have already asked to inspect this record."), status=409)
    row = InspectionRequest(community_id=meeting.community_id, meeting_id=meeting.id, user_id=actor.id,
                            reason=(reason or "").strip()[:2000], status=PENDING, created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    log_action("record.inspection_requested", actor=actor, community=meeting.community_id, obj=row,
           data={"meeting": meeting.id, "reason": row.reason})
    if not settings.get(meeting.community, "inspection_needs_approval"):
        _decide(row, GRANTED, _("Granted as asked: the community does not require the committee's approval."),
                actor=None)
    return row


def answer_inspection(row: InspectionRequest, grant: bool, answer: str, *, actor) -> InspectionRequest:
    """The committee grants or refuses a pending request: 403 ``forbidden`` for anyone else, 409
    ``inspection_answered`` when it was answered already. Audit-logged."""
    meeting = db.session.get(Meeting, row.meeting_id)
    if not is_committee(actor, meeting.community):
        raise DomainError("forbidden", _("Only the committee answers inspection requests."), status=403)
    if row.status != PENDING:
        raise DomainError("inspection_answered", _("This request has already been answered."), status=409)
    return _decide(row, GRANTED if grant else REFUSED, (answer or "").strip()[:2000], actor=actor)


def _decide(row: InspectionRequest, status: str, answer: str, *, actor) -> InspectionRequest:
    row.status, row.answer, row.decided_at = status, answer, clock.now()
    row.decided_by_id = None if actor is None else actor.id
    db.session.flush()
    log_action("record.inspection_answered", actor=actor, community=row.community_id, obj=row,
           data={"meeting": row.meeting_id, "request": row.id, "owner": row.user_id, "status": status,
                 "answer": answer})
    return row
