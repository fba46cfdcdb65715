"""The roll objections under /api/v1 (R6, R10; docs/meetings.md "The published roll and objections"), through the
same services as the roll page (:mod:`govern.meetings.rollview`): owners file objections before voting opens and
read their own; the committee reads them all and answers each."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from govern.accounts.access import is_committee, is_confirmed_owner
from govern.api import api_login_required, json_body
from govern.ballots.models import Meeting
from govern.core.ballot import format_time
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import rollview
from govern.meetings.access import meeting_required
from govern.meetings.api import bp
from govern.meetings.models import RollObjection


def roll_objection_json(o: RollObjection) -> dict:
    """An objection to the roll and its answer (``mine``: filed by the caller; the filer is not named)."""
    return {"id": o.id, "roll_hash": o.roll_hash, "unit": o.unit or None, "text": o.text,
            "filed_at": format_time(o.filed_at), "outcome": o.outcome or None, "answer": o.answer or None,
            "answered_at": None if o.answered_at is None else format_time(o.answered_at),
            "voided_notice": bool(o.voided_notice), "mine": o.user_id == current_user.id}


@bp.get("/meetings/<id:meeting_id>/roll/objections")
@api_login_required
@meeting_required(rollview.may_see_roll, published=True)
def roll_objections(meeting: Meeting):
    """The committee reads every objection to the roll; an owner reads their own."""
    mine = None if is_committee(current_user, meeting.community) else current_user
    return jsonify({"roll_hash": meeting.roll_hash, "objections_open": rollview.objections_open(meeting),
                    "objections": [roll_objection_json(o) for o in rollview.objections_of(meeting, mine)]})


@bp.post("/meetings/<id:meeting_id>/roll/objections")
@api_login_required
@meeting_required(is_confirmed_owner, published=True, denied=_l("Only owners of this community can object to the "
                                                                 "roll."))
def file_roll_objection(meeting: Meeting):
    """``{"text", "unit"?}`` -> 201; 409 ``roll_objection_closed`` once voting opened."""
    data = json_body(required=("text",), types={"text": str, "unit": str})
    row = rollview.file_objection(meeting, data["text"], actor=current_user, unit=data.get("unit") or "")
    return jsonify(roll_objection_json(row)), 201


@bp.post("/meetings/<id:meeting_id>/roll/objections/<id:roll_objection_id>/answer")
@api_login_required
@meeting_required(is_committee, published=True, denied=_l("Only the committee answers objections to the roll."))
def answer_roll_objection(meeting: Meeting, roll_objection_id: int):
    """``{"outcome": "upheld" | "rejected", "answer", "changes_roll"?: bool}`` -> 200; an upheld objection that
    changes the roll voids the notice (R10); 409 ``already_decided``."""
    data = json_body(required=("outcome", "answer"), types={"outcome": str, "answer": str, "changes_roll": bool})
    if data["outcome"] not in ("upheld", "rejected"):
        raise DomainError("bad_request", _("outcome must be upheld or rejected."), status=400)
    objection = db.session.get(RollObjection, roll_objection_id)
    if objection is None or objection.meeting_id != meeting.id:
        raise DomainError("not_found", _("There is no such objection."), status=404)
    rollview.answer_objection(objection, actor=current_user, upheld=data["outcome"] == "upheld",
                              answer=data["answer"], changes_roll=bool(data.get("changes_roll")))
    return jsonify(roll_objection_json(objection))
