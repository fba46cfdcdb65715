"""JSON API of paper ballots and delegations: what the paper and proxies pages do, for other clients.

Paper ballots: a committee member enters a signed paper ballot with its scan (multipart, the same rules and
limits as the page: ``govern.ballots.paper``), a second member attests it, and the paper ballot goes into the
ledger. Choices and scans are shown as on the page (:func:`govern.record.access.may_see_paper_choices`: no
running tally). Delegations: the caller's own, given (as an owner on the roll) and held (as a proxy).
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import is_committee
from govern.api import api_login_required, api_time, json_body, make_blueprint
from govern.ballots import paper, proxies
from govern.ballots.models import Delegation, Meeting, PaperBallot
from govern.ballots.voter import persons_for
from govern.errors import DomainError, Forbidden, NotFound
from govern.extensions import db
from govern.meetings.access import load_meeting, meeting_required
from govern.record.access import can_enter_paper, can_see_paper, may_see_paper_choices
from govern.record.api import delegation_json

bp = make_blueprint("record_paper_api", __name__)


def paper_json(row: PaperBallot, meeting: Meeting) -> dict:
    shown = may_see_paper_choices(current_user, row, meeting)
    return {"id": row.id, "meeting": str(row.meeting_id), "voter": row.voter, "ballot_hash": row.ballot_hash,
            "ballot": row.ballot if shown else None, "signature": row.signature if shown else None,
            "key_id": row.key_id, "entered_by": str(row.entered_by_id), "entered_at": api_time(row.entered_at),
            "scan": {"content_type": row.scan_type, "size": row.scan_size, "sha256": row.scan_sha256},
            "attested_by": None if row.attested_by_id is None else str(row.attested_by_id),
            "attested_at": api_time(row.attested_at), "position": row.position}


def _paper(paper_id: int) -> tuple[PaperBallot, Meeting]:
    row = db.session.get(PaperBallot, paper_id)
    if row is None:
        raise NotFound("not_found", _("There is no such paper ballot."))
    return row, load_meeting(row.meeting_id, can_see_paper)


@bp.get("/meetings/<id:meeting_id>/paper-ballots")
@api_login_required
@meeting_required(can_see_paper)
def list_paper(meeting: Meeting):
    """Paper ballots waiting for their attestation (the committee and the street office)."""
    return jsonify({"pending": [paper_json(r, meeting) for r in paper.pending_for(meeting)]})


@bp.post("/meetings/<id:meeting_id>/paper-ballots")
@api_login_required
@meeting_required(can_see_paper)
def enter_paper(meeting: Meeting):
    """A committee member enters a paper ballot: ``multipart/form-data`` with ``body`` (the JSON text
    ``{"ballot": {govern.paper_ballot.v1}, "signature", "key_id"}``) and ``scan`` (PDF, JPEG or PNG)."""
    if not can_enter_paper(current_user, meeting.community):
        raise Forbidden("forbidden", _("Only committee members enter paper ballots."))
    if request.mimetype != "multipart/form-data":
        raise DomainError("bad_request", _("Send multipart/form-data with the fields body and scan."), status=400)
    try:  # the app's bounded parser: depth, 1e400, NaN and huge integers are 400 (govern.inputs)
        body = current_app.json.loads(request.form.get("body") or "null")
    except ValueError:
        body = None
    upload = request.files.get("scan")
    scan = upload.read(paper.DEFAULT_MAX_SCAN * 4 + 1) if upload else b""
    row = paper.enter_paper_ballot(meeting, body, scan, actor=current_user)
    return jsonify(paper_json(row, meeting)), 201


@bp.get("/paper-ballots/<id:paper_id>")
@api_login_required
def get_paper(paper_id: int):
    row, meeting = _paper(paper_id)
    return jsonify(paper_json(row, meeting))


@bp.get("/paper-ballots/<id:paper_id>/scan")
@api_login_required
def paper_scan(paper_id: int):
    """The scan: 409 ``voting_open`` while it would show choices to someone who may not see them yet."""
    row, meeting = _paper(paper_id)
    if not may_see_paper_choices(current_user, row, meeting):
        raise DomainError("voting_open", _("The votes are not counted yet: the scan shows the choices."),
                          status=409)
    return Response(row.scan, mimetype=row.scan_type, headers={
        "Content-Disposition": f'inline; filename="paper-ballot-{row.id}"', "Cache-Control": "private, no-store"})


@bp.post("/paper-ballots/<id:paper_id>/attestation")
@api_login_required
def attest_paper(paper_id: int):
    """A second committee member attests: ``{"attestation": {...}, "signature", "key_id"}``; the paper ballot
    goes into the ledger (its position in the answer)."""
    row, meeting = _paper(paper_id)
    if not is_committee(current_user, meeting.community):
        raise Forbidden("forbidden", _("Only committee members attest paper ballots."))
    data = json_body(required=("attestation", "signature", "key_id"),
                     types={"attestation": dict, "signature": str, "key_id": str})
    paper.attest_paper_ballot(row, data, actor=current_user)
    return jsonify(paper_json(row, meeting))


@bp.get("/meetings/<id:meeting_id>/delegations")
@api_login_required
@meeting_required(published=True)
def list_delegations(meeting: Meeting):
    """The caller's delegations in this meeting: ``given`` (as the owner on the roll) and ``held`` (as proxy);
    a delegation whose principal has since voted in person shows ``lapsed``."""
    mine = persons_for(meeting, current_user)
    person = mine[0].person if mine else None
    given = list(db.session.scalars(select(Delegation).where(
        Delegation.meeting_id == meeting.id, Delegation.principal == person).order_by(Delegation.id))) \
        if person else []
    held = list(db.session.scalars(select(Delegation).where(
        Delegation.meeting_id == meeting.id, Delegation.proxy_user_id == current_user.id).order_by(Delegation.id)))
    proxies.derive_lapses(meeting, given + held)
    return jsonify({"person": person, "given": [delegation_json(d) for d in given],
                    "held": [delegation_json(d) for d in held]})

