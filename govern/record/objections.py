"""R26: owners' objections to a meeting's preliminary result during the objection period, and the convening
body's signed answers (``govern.objection_answer.v1``, :mod:`govern.core.objections`).

* The period starts when the preliminary result exists (``Meeting.tallied_at``, visible to the committee and
  the owners) and lasts ``Meeting.objection_days`` (the community's ``objection_days``, fixed when the notice
  was published); :func:`govern.meetings.lifecycle.objection_ends`.
* An owner on the meeting's roll files an objection (to one motion's result or to the results as a whole).
* A member of the convening body (committee; the street office's auditors when it convened) answers each one,
  signing the answer with their enrolled key as the street office signs its verdicts. ``uphold`` orders a
  correction of the result(s) the objection names: the meeting's stage becomes ``objected`` until the street
  office certifies or revokes. While an objection is unanswered the meeting stays in ``objection``.
* Objections and answers are in ``meeting.json`` (:func:`objections_json`); ``govern verify`` checks them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from govern import clock
from govern.accounts.access import COMMITTEE, has_role
from govern.accounts.models import Role, RoleGrant
from govern.agenda.notifications import notify
from govern.audit.services import log_action
from govern.ballots.common import envelope_parts, refuse
from govern.ballots.models import Meeting, MotionResult, RollCaster
from govern.ballots.owner_keys import own_active_key
from govern.core.ballot import parse_time
from govern.core.keys import verify
from govern.core.objections import DECISIONS, answer_object, objection_object
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import lifecycle
from govern.record.models import ResultObjection

MAX_TEXT = 2000
SIGN_WINDOW = timedelta(hours=2)
ANSWER_KEYS = ("answer", "signature", "key_id")


def _convening_roles(meeting: Meeting) -> tuple[Role, ...]:
    return (Role.AUDITOR,) if meeting.convener == "street_office" else tuple(COMMITTEE)


def may_answer(user, meeting: Meeting) -> bool:
    """A member of the meeting's convening body (the committee, or the street office when it convened)."""
    return has_role(user, meeting.community, *_convening_roles(meeting))


def is_open_for_objections(meeting: Meeting, moment=None) -> bool:
    ends = lifecycle.objection_ends(meeting)
    moment = moment or clock.now()
    return ends is not None and meeting.tallied_at <= moment < ends


def file_objection(meeting: Meeting, *, actor, text: str, motion_id: int | None = None) -> ResultObjection:
    """An owner on the roll objects to the preliminary result during the objection period."""
    if not is_open_for_objections(meeting):
        raise DomainError("objection_closed", _("Objections to this result are not open (they are taken during "
                                                "the objection period after the preliminary result)."), status=409)
    on_roll = db.session.scalar(select(RollCaster.id).where(RollCaster.meeting_id == meeting.id,
                                                            RollCaster.user_id == actor.id).limit(1))
    if on_roll is None:
        raise refuse("forbidden", _("Only owners on this meeting's roll may object to its result."))
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise refuse("bad_request", _("Write your objection (at most %(n)d characters).", n=MAX_TEXT))
    if motion_id is not None and motion_id not in {m.id for m in meeting.motions}:
        raise refuse("unknown_motion", _("This meeting has no such motion."))
    row = ResultObjection(community_id=meeting.community_id, meeting_id=meeting.id, motion_id=motion_id,
                          user_id=actor.id, text=text, filed_at=clock.now())
    db.session.add(row)
    db.session.flush()
    log_action("result.objection_file", actor=actor, community=meeting.community_id, obj=row,
           data={"meeting": meeting.id, "motion": motion_id})
    body = set(db.session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.community_id == meeting.community_id, RoleGrant.role.in_(list(_convening_roles(meeting))),
        RoleGrant.revoked_at.is_(None))))
    notify(body, "objection_filed", community=meeting.community_id, title=meeting.title, meeting=meeting.title)
    return row


def objection_of(objection: ResultObjection) -> dict:
    """The objection as the record carries it (``govern.objection.v1``; the filer is not named)."""
    return objection_object(meeting=str(objection.meeting_id), objection=str(objection.id),
                            motion=None if objection.motion_id is None else str(objection.motion_id),
                            filed_at=objection.filed_at, text=objection.text)


def answer_document(objection: ResultObjection, decision: str, answer: str, signed_at: str) -> dict:
    """The ``govern.objection_answer.v1`` object a member of the convening body signs."""
    return answer_object(objection_of(objection), decision=decision, answer=answer, signed_at=signed_at)


def _check_answer(objection: ResultObjection, obj: Any) -> None:
    try:
        if not isinstance(obj, dict) or not isinstance(obj.get("answer"), str):
            raise ValueError
        parse_time(obj["signed_at"])
    except (KeyError, TypeError, ValueError):
        raise refuse("bad_request", _("Malformed answer.")) from None
    if obj.get("decision") not in DECISIONS or obj != answer_document(objection, obj["decision"], obj["answer"],
                                                                      obj["signed_at"]):
        raise refuse("bad_request", _("The answer does not name this objection, or its decision is unknown."))
    if not obj["answer"].strip() or len(obj["answer"]) > MAX_TEXT:
        raise refuse("bad_request", _("An answer gives its reasons (at most %(n)d characters).", n=MAX_TEXT))


def answer_objection(objection: ResultObjection, data: Any, *, actor) -> ResultObjection:
    """Store the convening body's signed answer ``{"answer": {govern.objection_answer.v1}, "signature",
    "key_id"}``; tell the owner who objected. One answer per objection (``already_answered``)."""
    meeting = db.session.get(Meeting, objection.meeting_id)
    if not may_answer(actor, meeting):
        raise refuse("forbidden", _("Only the body that convened the meeting answers objections to its result."))
    # one answer: two members answering at once are serialised on the objection's row
    db.session.refresh(objection, with_for_update=True)
    if objection.answered_at is not None:
        raise DomainError("already_answered", _("This objection has already been answered."), status=409)
    obj, signature, key_id = envelope_parts(data, "answer")
    key = own_active_key(actor, key_id)
    _check_answer(objection, obj)
    moment = clock.now()
    signed_at = parse_time(obj["signed_at"])
    if not (moment - SIGN_WINDOW <= signed_at <= moment + timedelta(minutes=10)) or signed_at < key.created_at:
        raise refuse("stale_signature", _("The signing time is too far from now: sign again."))
    if not verify(key.public_key, obj, signature):
        raise refuse("bad_signature", _("The signature does not verify under your key."))
    objection.decision, objection.answer = obj["decision"], obj["answer"].strip()
    objection.envelope = {"object": obj, "signature": signature, "key_id": key.public_key}
    objection.answered_by_id, objection.answered_at = actor.id, moment
    db.session.flush()
    log_action("result.objection_answer", actor=actor, community=meeting.community_id, obj=objection,
           data={"meeting": meeting.id, "objection": objection.id, "decision": objection.decision,
                 "answer": objection.answer, "key_id": key.public_key})
    notify([objection.user_id], "objection_answered", community=meeting.community_id, title=meeting.title,
           meeting=meeting.title, decision=objection.decision)
    return objection


def objections_of(meeting: Meeting) -> list[ResultObjection]:
    return list(db.session.scalars(select(ResultObjection).where(ResultObjection.meeting_id == meeting.id)
                                   .order_by(ResultObjection.id)))


def objections_json(meeting: Meeting) -> dict:
    """``meeting.json``'s ``objection_period_days`` and ``objections`` (docs/record-format.md)."""
    return {"objection_period_days": meeting.objection_days or 0,
            "objections": [{"objection": objection_of(o), "answer": o.envelope} for o in objections_of(meeting)]}


@lifecycle.verdicts_provider
def _upheld(meeting: Meeting) -> dict[int, set[str]]:
    """An upheld objection orders a correction of the result it names (of every result when it names none)."""
    out: dict[int, set[str]] = {}
    rows = db.session.execute(select(ResultObjection.motion_id).where(ResultObjection.meeting_id == meeting.id,
                                                                      ResultObjection.decision == "uphold")).all()
    if not rows:
        return out
    results = dict(db.session.execute(select(MotionResult.motion_id, MotionResult.id)
                                      .where(MotionResult.meeting_id == meeting.id)).all())
    for (motion_id,) in rows:
        for mid, rid in results.items():
            if motion_id is None or motion_id == mid:
                out.setdefault(rid, set()).add("order_correction")
    return out


@lifecycle.pending_provider
def _unanswered(meeting: Meeting) -> int:
    return db.session.scalar(select(func.count(ResultObjection.id)).where(
        ResultObjection.meeting_id == meeting.id, ResultObjection.answered_at.is_(None))) or 0
