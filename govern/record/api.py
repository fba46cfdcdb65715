"""JSON API: the meeting's record (auditor or public edition), delegations, certifications, verification."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from govern.api import api_login_required, make_blueprint
from govern.ballots import proxies
from govern.ballots.models import Delegation, Meeting, MeetingStatus
from govern.core.archive import AUDITOR, PUBLIC
from govern.core.ballot import format_time, object_hash
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import lifecycle
from govern.meetings import results as results_mod
from govern.meetings.access import meeting_required, visible_meeting
from govern.record import objections, oversight
from govern.record.access import can_audit, can_read_auditor_edition, can_read_public_record, edition_withheld
from govern.record.downloads import limited_export
from govern.record.export import record_filename
from govern.record.models import ResultObjection
from govern.web import after_commit

bp = make_blueprint("record_api", __name__)


def _delegation(delegation_id: int) -> Delegation:
    d = db.session.get(Delegation, delegation_id)
    if d is None or visible_meeting(d.meeting_id, current_user) is None:
        raise DomainError("not_found", _("There is no such delegation."), status=404)
    return d


def delegation_json(d: Delegation) -> dict:
    return {"id": d.id, "meeting": str(d.meeting_id), "principal": d.principal, "proxy": str(d.proxy_user_id),
            "status": d.status, "delegation_hash": d.delegation_hash, "delegation": d.envelope,
            "received_at": format_time(d.received_at),
            "accepted_at": None if d.accepted_at is None else format_time(d.accepted_at),
            "revoked_at": None if d.revoked_at is None else format_time(d.revoked_at)}


@bp.get("/meetings/<id:meeting_id>/record")
@api_login_required
@meeting_required()
def record(meeting: Meeting):
    """The record archive (zip): ``?edition=auditor`` (:func:`can_read_auditor_edition`: the street office, the
    meeting's scrutineers, from the preliminary stage the convening body and owners granted an inspection) or
    ``public`` (owners; digest form for v2 meetings). The default: the auditor edition for those who may read it.

    403 when the caller may not read that edition; 409 ``voting_open`` while it is withheld (no running tally,
    :func:`edition_withheld`): the auditor edition, and a v1 meeting's public edition, until the ``preliminary``
    stage; a v2 meeting's public edition (no choice, no result before it) is given out from the notice on."""
    auditor = can_read_auditor_edition(current_user, meeting)
    edition = request.args.get("edition") or (AUDITOR if auditor else PUBLIC)
    if edition not in (AUDITOR, PUBLIC):
        raise DomainError("bad_request", _("edition must be auditor or public."), status=400)
    if not (auditor if edition == AUDITOR else can_read_public_record(current_user, meeting)):
        raise DomainError("forbidden", _("You may not read this edition of the record."), status=403)
    if not meeting.is_published:
        raise DomainError("not_published", _("The notice is not published: there is no record yet."), status=409)
    if edition_withheld(meeting, edition):
        raise DomainError("voting_open", _("The votes are not counted yet: the record, which holds every choice, "
                                           "is published from the preliminary result."), status=409)
    data = limited_export(meeting, edition)  # per-user budget (govern.record.downloads)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{record_filename(meeting, edition)}"',
        "Cache-Control": "no-store"})


@bp.post("/meetings/<id:meeting_id>/delegations")
@api_login_required
@meeting_required()
def create_delegation(meeting: Meeting):
    """Register the caller's signed delegation naming a proxy: 201."""
    row = proxies.create_delegation(meeting, request.get_json(silent=True), actor=current_user)
    return jsonify(delegation_json(row)), 201


@bp.post("/delegations/<id:delegation_id>/accept")
@api_login_required
def accept_delegation(delegation_id: int):
    """The named proxy accepts: 200."""
    row = proxies.accept_delegation(_delegation(delegation_id), actor=current_user)
    return jsonify(delegation_json(row))


@bp.post("/delegations/<id:delegation_id>/revoke")
@api_login_required
def revoke_delegation(delegation_id: int):
    """The principal's signed revocation, before the proxy has voted: 200."""
    row = proxies.revoke_delegation(_delegation(delegation_id), request.get_json(silent=True), actor=current_user)
    return jsonify(delegation_json(row))


@bp.post("/meetings/<id:meeting_id>/results/<id:motion_id>/certifications")
@api_login_required
@meeting_required(can_audit, state=MeetingStatus.CLOSED,
                  denied=_l("Only the street office's auditors certify results."))
def certify(meeting: Meeting, motion_id: int):
    """An auditor's signed govern.certification.v1 over the motion's result: 201."""
    result = results_mod.result_for(meeting, motion_id)
    row = oversight.certify_result(result, request.get_json(silent=True), actor=current_user)
    return jsonify({"id": row.id, "verdict": row.verdict, "certification": row.envelope}), 201


@bp.post("/meetings/<id:meeting_id>/verifications")
@api_login_required
@meeting_required(can_audit, denied=_l("Only the street office verifies records on the server."))
def verify(meeting: Meeting):
    """Queue a verification of the meeting's record on the server: 202 with the run (its report when done)."""
    run_id = oversight.request_verification(meeting, actor=current_user).id

    def answer():  # inline mode (no Redis) has run the verification by now: the answer shows its report
        run = db.session.get(oversight.VerificationRun, run_id, populate_existing=True)
        return jsonify({"id": run.id, "status": run.status, "valid": run.valid, "report": run.report}), 202

    return after_commit(answer)


# --------------------------------------------------------------------------- R26: objections to the result


def objection_json(o: ResultObjection, *, own: bool = False) -> dict:
    obj = objections.objection_of(o)
    return {"id": o.id, "meeting": str(o.meeting_id), "objection": obj, "objection_hash": object_hash(obj),
            "decision": o.decision, "answer": o.answer or None, "answered": o.answered_at is not None,
            "answer_envelope": o.envelope, "mine": own}


@bp.get("/meetings/<id:meeting_id>/objections")
@api_login_required
@meeting_required(published=True)
def list_objections(meeting: Meeting):
    """The objections to the meeting's result and their answers (the filer is not named), with the period."""
    ends = lifecycle.objection_ends(meeting)
    return jsonify({"objection_period_days": meeting.objection_days or 0,
                    "objections_open": objections.is_open_for_objections(meeting),
                    "objection_ends_at": None if ends is None else format_time(ends),
                    "objections": [objection_json(o, own=o.user_id == current_user.id)
                                   for o in objections.objections_of(meeting)]})


@bp.post("/meetings/<id:meeting_id>/objections")
@api_login_required
@meeting_required(published=True)
def file_objection(meeting: Meeting):
    """An owner on the roll objects during the objection period: ``{"text", "motion"?}`` -> 201."""
    body = request.get_json(silent=True) or {}
    motion = body.get("motion") if isinstance(body, dict) else None
    try:
        motion_id = None if motion in (None, "") else int(motion)
    except (TypeError, ValueError):
        raise DomainError("bad_request", _("motion must be a motion id."), status=400) from None
    row = objections.file_objection(meeting, actor=current_user, text=str(body.get("text") or ""),
                                    motion_id=motion_id)
    return jsonify(objection_json(row, own=True)), 201


@bp.post("/objections/<id:objection_id>/answer")
@api_login_required
def answer_objection(objection_id: int):
    """The convening body's signed answer ``{"answer": {govern.objection_answer.v1}, "signature", "key_id"}``."""
    row = db.session.get(ResultObjection, objection_id)
    if row is None or visible_meeting(row.meeting_id, current_user) is None:
        raise DomainError("not_found", _("There is no such objection."), status=404)
    objections.answer_objection(row, request.get_json(silent=True), actor=current_user)
    return jsonify(objection_json(db.session.get(ResultObjection, objection_id)))


from govern.record import api_scrutiny as _api_scrutiny  # noqa: E402,F401  (scrutineers and inspections join bp)
