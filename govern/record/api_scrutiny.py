"""JSON API: a meeting's scrutineers (监票人) and owners' requests to inspect its full record (issue #12 item 4).

The same services, permissions and audit entries as the pages (:mod:`govern.record.editions`): every member of
a published meeting sees its scrutineers; the committee names and removes them before the close
(:mod:`govern.meetings.scrutineers`); a confirmed owner asks to inspect the auditor edition and the committee
answers (:mod:`govern.record.inspections`). Routes join the record API blueprint (:mod:`govern.record.api`
imports this module).
"""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from govern import clock, settings
from govern.accounts.access import is_committee
from govern.accounts.models import User
from govern.api import api_login_required, api_time, json_body, parsed_json
from govern.ballots.models import Meeting, Scrutineer
from govern.errors import DomainError
from govern.extensions import db
from govern.inputs import MAX_ID, field
from govern.meetings import scrutineers
from govern.meetings.access import load_meeting, meeting_required
from govern.record import inspections
from govern.record.api import bp
from govern.record.models import InspectionRequest

COMMITTEE_ONLY = _l("Only the committee names and removes scrutineers.")


def scrutineer_json(row: Scrutineer) -> dict:
    return {"id": row.id, "account": str(row.user_id), "name": row.user.name, "named_at": api_time(row.named_at),
            "removed_at": api_time(row.removed_at)}


def inspection_json(row: InspectionRequest) -> dict:
    """A request as its owner and the committee see it (the page does not name the owner to the committee)."""
    return {"id": row.id, "meeting": str(row.meeting_id), "status": row.status, "reason": row.reason or "",
            "answer": row.answer or None, "created_at": api_time(row.created_at),
            "decided_at": api_time(row.decided_at), "mine": row.user_id == current_user.id}


def _account(value) -> User | None:
    """The account a body names: an id as a JSON integer or a decimal string; 400 ``bad_request`` otherwise."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdecimal() or len(text) > 10:
        raise DomainError("bad_request", _("account must be an account id."), status=400)
    number = int(text)
    return db.session.get(User, number) if 0 < number <= MAX_ID else None


@bp.get("/meetings/<id:meeting_id>/scrutineers")
@api_login_required
@meeting_required(published=True)
def list_scrutineers(meeting: Meeting):
    """Every scrutineer ever named for the meeting (removed ones with ``removed_at``), and whether they may still
    be named (``open``: before the close)."""
    return jsonify({"meeting": str(meeting.id), "open": clock.now() < meeting.closes_at,
                    "scrutineers": [scrutineer_json(r) for r in scrutineers.scrutineer_rows(meeting)]})


@bp.post("/meetings/<id:meeting_id>/scrutineers")
@api_login_required
@meeting_required(is_committee, published=True, denied=COMMITTEE_ONLY)
def name_scrutineer(meeting: Meeting):
    """The committee names ``{"account"}`` a scrutineer: 201; 409 ``scrutineer_ineligible`` / ``window_closed``."""
    data = json_body(required=("account",), types={"account": (str, int)})
    row = scrutineers.name_scrutineer(meeting, _account(data["account"]), actor=current_user)
    return jsonify(scrutineer_json(row)), 201


@bp.delete("/meetings/<id:meeting_id>/scrutineers/<id:row_id>")
@api_login_required
@meeting_required(is_committee, published=True, denied=COMMITTEE_ONLY)
def remove_scrutineer(meeting: Meeting, row_id: int):
    """The committee removes a scrutineer before the close: 200 with the row (``removed_at`` set; again 200,
    unchanged, for a scrutineer already removed); 409 ``window_closed`` after the close."""
    row = db.session.get(Scrutineer, row_id)
    if row is None or row.meeting_id != meeting.id:
        raise DomainError("not_found", _("There is no such scrutineer."), status=404)
    if row.removed_at is None:  # DELETE is idempotent: a removed scrutineer stays removed, nothing is written
        scrutineers.remove_scrutineer(meeting, row, actor=current_user)
    return jsonify(scrutineer_json(row))


@bp.get("/meetings/<id:meeting_id>/inspections")
@api_login_required
@meeting_required(published=True)
def list_inspections(meeting: Meeting):
    """The caller's requests to inspect the full record; the committee gets every request of the meeting."""
    who = None if is_committee(current_user, meeting.community) else current_user
    return jsonify({"meeting": str(meeting.id),
                    "needs_approval": bool(settings.get(meeting.community, "inspection_needs_approval")),
                    "requests": [inspection_json(r) for r in inspections.requests_of(meeting, who)]})


@bp.post("/meetings/<id:meeting_id>/inspections")
@api_login_required
@meeting_required(published=True)
def request_inspection(meeting: Meeting):
    """A confirmed owner asks to inspect the auditor edition (``{"reason"?}``): 201 (``granted`` at once where the
    community needs no approval); 403 ``not_owner``; 409 ``inspection_pending``."""
    data = parsed_json()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DomainError("bad_request", _("The request body must be a JSON object."), status=400)
    reason = field(data, "reason", str, default="")
    row = inspections.request_inspection(meeting, reason, actor=current_user)
    return jsonify(inspection_json(row)), 201


@bp.post("/inspections/<id:request_id>/answer")
@api_login_required
def answer_inspection(request_id: int):
    """The committee grants or refuses a pending request: ``{"grant": true|false, "answer"?}`` -> 200; 409
    ``inspection_answered`` when it was answered already."""
    row = db.session.get(InspectionRequest, request_id)
    if row is None:
        raise DomainError("not_found", _("There is no such inspection request."), status=404)
    load_meeting(row.meeting_id, is_committee, denied=_l("Only the committee answers inspection requests."))
    data = json_body(required=("grant",), types={"grant": bool, "answer": str})
    inspections.answer_inspection(row, data["grant"], data.get("answer") or "", actor=current_user)
    return jsonify(inspection_json(row))
