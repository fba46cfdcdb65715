"""The election pages (#14): the candidates of an election, nominations, acceptance, statements and photos."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from govern.accounts.access import can_view_community, is_committee
from govern.accounts.models import User
from govern.ballots.models import Motion
from govern.elections import services
from govern.elections.models import Candidate
from govern.errors import DomainError
from govern.extensions import db
from govern.notices.uploads import upload_dir

bp = Blueprint("elections", __name__)


def _motion(motion_id: int) -> Motion:
    motion = db.session.get(Motion, motion_id)
    if motion is None or not motion.is_election or not can_view_community(current_user, motion.meeting.community):
        abort(404)
    return motion


@bp.get("/elections/<int:motion_id>")
@login_required
def show(motion_id: int):
    motion = _motion(motion_id)
    return render_template("elections/show.html", motion=motion, meeting=motion.meeting,
                           candidates=services.candidates_of(motion),
                           is_committee=is_committee(current_user, motion.meeting.community))


@bp.get("/elections/<int:motion_id>/photo/<code>")
@login_required
def photo(motion_id: int, code: str):
    motion = _motion(motion_id)
    row = next((c for c in services.candidates_of(motion) if c.code == code and c.photo_sha256), None)
    if row is None:
        abort(404)
    return send_file(upload_dir(services.PHOTO_FOLDER) / row.photo_sha256, mimetype=row.photo_type,
                     max_age=86400)


def _done(motion: Motion, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("elections.show", motion_id=motion.id))


@bp.post("/elections/<int:motion_id>/nominate")
@login_required
def nominate(motion_id: int):
    motion = _motion(motion_id)
    nominee = db.session.scalar(db.select(User).where(User.username == (request.form.get("username") or "").strip()))
    if nominee is None:
        raise DomainError("not_found", _("There is no account with this user name."), status=404)
    cosigners = [int(v) for v in request.form.get("cosigners", "").replace("，", ",").split(",") if v.strip().isdigit()]
    services.nominate(motion, nominee=nominee, by=request.form.get("by", "owners"), actor=current_user,
                      cosigners=cosigners)
    return _done(motion, _("The nomination is recorded; the nominee must accept it."))


def _candidate(motion: Motion, candidate_id: int) -> Candidate:
    row = db.session.get(Candidate, candidate_id)
    if row is None or row.motion_id != motion.id:
        abort(404)
    return row


@bp.post("/elections/<int:motion_id>/candidates/<int:candidate_id>/accept")
@login_required
def accept(motion_id: int, candidate_id: int):
    motion = _motion(motion_id)
    accepting = request.form.get("accept", "1") == "1"
    services.accept_nomination(_candidate(motion, candidate_id), actor=current_user, accept=accepting)
    return _done(motion, _("You accepted the nomination.") if accepting else _("You declined the nomination."))


@bp.post("/elections/<int:motion_id>/candidates/<int:candidate_id>/statement")
@login_required
def statement(motion_id: int, candidate_id: int):
    motion = _motion(motion_id)
    upload = request.files.get("photo")
    data = upload.read() if upload and upload.filename else None
    services.set_statement(_candidate(motion, candidate_id), actor=current_user,
                           statement=request.form.get("statement"), photo=data,
                           photo_name=upload.filename if data else "")
    return _done(motion, _("Your statement is saved."))


@bp.post("/elections/<int:motion_id>/close")
@login_required
def close(motion_id: int):
    motion = _motion(motion_id)
    services.close_nominations(motion, actor=current_user)
    return _done(motion, _("Nominations are closed: the candidates will be published with the notice."))


@bp.post("/elections/<int:motion_id>/reopen")
@login_required
def reopen(motion_id: int):
    motion = _motion(motion_id)
    services.reopen_nominations(motion, actor=current_user)
    return _done(motion, _("Nominations are open again."))
