"""JSON API of meetings: server key, owner keys, meetings, the caller's voting person, casting, receipts, results."""

from __future__ import annotations

from datetime import timedelta

from flask import g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import user_communities
from govern.accounts.services import token_issued_within
from govern.api import api_login_required, json_body, make_blueprint
from govern.ballots import cast as casting
from govern.ballots import owner_keys, voter
from govern.ballots.models import BallotEntry, Meeting, MeetingStatus, MotionResult
from govern.core.ballot import format_time
from govern.core.ledger import make_receipt
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import extension, lifecycle
from govern.meetings import results as results_mod
from govern.meetings.access import meeting_required
from govern.meetings.scrutineers import can_countersign
from govern.meetings.serverkey import server_private_key, server_public_key
from govern.web import after_commit

bp = make_blueprint("meetings_api", __name__)


def meeting_json(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "community": str(meeting.community_id),
        "title": meeting.title,
        "status": meeting.status.value,
        "stage": lifecycle.stage_of(meeting),
        "opens_at": format_time(meeting.opens_at),
        "closes_at": format_time(meeting.closes_at),
        "roll_hash": meeting.roll_hash,
        "agenda_hash": meeting.agenda_hash,
        "revision_policy": meeting.revision_policy,
        "invalid_policy": meeting.invalid_policy,
        "motions": [{"id": str(m.id), "title": m.title, "matter": m.matter} for m in meeting.motions],
    }


@bp.get("/server-key")
def server_key():
    """The server's Ed25519 public key, which signs receipts and results."""
    return jsonify({"public_key": server_public_key()})


#: A bearer token issued this recently (with the password) stands for re-entering the password to enrol a key.
FRESH_TOKEN = timedelta(minutes=10)


@bp.post("/keys")
@api_login_required
def enroll_key():
    """Enrol the caller's device key: 201 {"key_id", "fingerprint", "valid_from"}.

    The body is ``{"public_key", "issued_at", "proof", "password"}``: ``proof`` is the new key's signature
    over ``govern.key.v1`` (the caller's account id, the key and ``issued_at``; govern.core.keyproof).
    Enrolling replaces the owner's signing key, so the password must be re-entered. A client that has just
    obtained its bearer token with the password (within :data:`FRESH_TOKEN`) may omit ``password``; an
    older token or a browser session must send it. The key it replaces ends at ``valid_from``.
    """
    data = json_body(required=("public_key",), types={"public_key": str, "password": str})
    fresh = "password" not in data and _fresh_token()
    if "password" not in data and not fresh:
        raise DomainError("password_required", _("Enter your password again to enrol a new key."), status=401)
    key = owner_keys.enroll_key(current_user, data, actor=current_user, check_pw=not fresh, require_proof=True)
    return jsonify({"key_id": key.key_id, "fingerprint": key.fingerprint,
                    "valid_from": format_time(key.created_at)}), 201


@bp.get("/keys")
@api_login_required
def list_keys():
    """The caller's keys, newest first: {"keys": [{"key_id", "fingerprint", "active", "valid_from",
    "valid_until"}]} (``valid_until`` is null while the key is active)."""
    return jsonify({"keys": [
        {"key_id": k.key_id, "fingerprint": k.fingerprint, "active": k.is_active,
         "valid_from": format_time(k.created_at),
         "valid_until": None if k.revoked_at is None else format_time(k.revoked_at)}
        for k in owner_keys.key_history(current_user)
    ]})


def _fresh_token() -> bool:
    return token_issued_within(g.get("api_token_id"), FRESH_TOKEN)


@bp.get("/meetings")
@api_login_required
def list_meetings():
    """The caller's meetings: published meetings of the caller's communities, optionally by status."""
    wanted = request.args.get("status")
    if wanted is not None and wanted not in {s.value for s in MeetingStatus if s is not MeetingStatus.DRAFT}:
        raise DomainError("bad_request", _("status must be announced, open or closed."), status=400)
    ids = [c.id for c in user_communities(current_user)]
    rows = db.session.scalars(
        select(Meeting).where(Meeting.community_id.in_(ids), Meeting.published_at.is_not(None))
        .order_by(Meeting.opens_at.desc())
    ) if ids else []
    out = [meeting_json(m) for m in rows if wanted is None or m.status.value == wanted]
    return jsonify({"meetings": out})


@bp.get("/meetings/<id:meeting_id>")
@api_login_required
@meeting_required()
def get_meeting(meeting: Meeting):
    return jsonify(meeting_json(meeting))


@bp.get("/meetings/<id:meeting_id>/agenda")
@api_login_required
@meeting_required()
def agenda(meeting: Meeting):
    """The ``govern.agenda.v1`` object publishing the notice fixed (its hash is ``agenda_hash``); 404 ``no_agenda``
    for a draft, or a meeting published before agendas were bound."""
    if meeting.agenda is None:
        raise DomainError("no_agenda", _("This meeting has no published agenda."), status=404)
    return jsonify(meeting.agenda)


@bp.get("/meetings/<id:meeting_id>/me")
@api_login_required
@meeting_required()
def me(meeting: Meeting):
    """The caller's voting person on the frozen roll: voter id, area, units, whether it has voted."""
    summary = voter.voter_summary(meeting, current_user)
    if summary is None:
        raise DomainError("not_eligible", _("You are not on this meeting's roll."), status=403)
    return jsonify(summary)


@bp.post("/meetings/<id:meeting_id>/ballots")
@api_login_required
def cast(meeting_id: int):
    """Cast a signed ballot: 201 with the receipt, issued only after the entry is committed."""
    done = casting.cast(meeting_id, request.get_json(silent=True), actor=current_user)  # checks access too
    entry = done.entry
    return after_commit(lambda: (jsonify(make_receipt(server_private_key(), str(meeting_id), entry.position,
                                                      entry.ballot_hash, entry.chain_hash)), 201))


@bp.get("/meetings/<id:meeting_id>/receipts/<ballot_hash>")
def receipt(meeting_id: int, ballot_hash: str):
    """Public inclusion check: the entry's position, chain hash and the server's signature; 404 when absent."""
    row = db.session.scalar(
        select(BallotEntry).where(BallotEntry.meeting_id == meeting_id, BallotEntry.ballot_hash == ballot_hash)
    )
    if row is None:
        raise DomainError("not_found", _("No ballot with this hash is in the meeting's ledger."), status=404)
    return jsonify(make_receipt(server_private_key(), str(meeting_id), row.position, row.ballot_hash,
                                row.chain_hash))


def result_json(row: MotionResult) -> dict:
    return {
        "motion": str(row.motion_id),
        "document": row.document,
        "document_hash": row.document_hash,
        "server_public_key": row.server_public_key,
        "server_signature": row.server_signature,
        "countersignatures": [{"user": c.user_id, "key_id": c.key_id, "signature": c.signature,
                               "created_at": format_time(c.created_at)} for c in row.countersignatures],
    }


@bp.get("/meetings/<id:meeting_id>/results")
@api_login_required
@meeting_required()
def results(meeting: Meeting):
    """The signed result documents: empty until the meeting reaches the ``preliminary`` stage (``stage``)."""
    stage = lifecycle.stage_of(meeting)
    rows = results_mod.results_of(meeting) if stage in lifecycle.COUNTED else []
    statuses = lifecycle.result_statuses(meeting) if rows else {}
    return jsonify({"status": meeting.status.value, "stage": stage,
                    "results": [{**result_json(r), "status": statuses.get(r.motion_id)} for r in rows]})


@bp.post("/meetings/<id:meeting_id>/results/<id:motion_id>/countersign")
@api_login_required
@meeting_required()
def countersign(meeting: Meeting, motion_id: int):
    """A committee member or one of the meeting's scrutineers countersigns a result document with their enrolled
    key: 201 (403 for anyone else, 409 ``not_closed`` / ``not_counted`` before the ``preliminary`` stage)."""
    if not can_countersign(current_user, meeting):
        raise DomainError("forbidden", _("Only committee members and the meeting's scrutineers countersign "
                                         "results."), status=403)
    if meeting.status is not MeetingStatus.CLOSED:
        raise DomainError("not_closed", _("Voting has not closed yet."), status=409)
    row = results_mod.result_for(meeting, motion_id)
    data = json_body(required=("signature", "key_id"), types={"signature": str, "key_id": str})
    sig = results_mod.countersign_result(row, data, actor=current_user)
    return jsonify({"key_id": sig.key_id, "signature": sig.signature, "document_hash": row.document_hash}), 201


@bp.post("/meetings/<id:meeting_id>/extensions")
@api_login_required
@meeting_required(extension.may_extend, published=True,
                  denied=_l("Only a member of the convening body may extend the voting window."))
def extend(meeting: Meeting):
    """A member of the convening body extends the voting window with a signed ``govern.extension.v1``
    (``{"extension", "signature", "key_id"}``): 201 with the new close; 409 ``extension_too_late`` after the
    close, 400 ``window_out_of_bounds`` when the whole window would exceed the community's bounds."""
    data = json_body(required=("extension", "signature", "key_id"))
    row = extension.extend_window(meeting, data, actor=current_user)
    return jsonify({"closes_at": format_time(row.closes_at), "previous_closes_at": format_time(row.previous_closes_at),
                    "agenda_hash": meeting.agenda_hash}), 201
from govern.meetings import roll_api as _roll_api  # noqa: E402,F401  (the roll objections API)
