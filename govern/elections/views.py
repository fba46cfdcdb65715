"""The election pages (#14): the candidates of an election, nominations, acceptance, statements and photos."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from govern.accounts.access import can_view_community, is_committee, is_confirmed_owner
from govern.accounts.models import User
from govern.ballots.models import Meeting, Motion, MotionResult
from govern.elections import committee, services
from govern.elections.models import Candidate
from govern.errors import DomainError
from govern.extensions import db
from govern.minutes.sections import RECORD_HASH_KIND, record_hash
from govern.notices.uploads import upload_dir
from govern.pdf.views import serve_pdf
from govern.templating import format_day

bp = Blueprint("elections", __name__)


def _motion(election_id: int) -> Motion:
    motion = db.session.get(Motion, election_id)
    if motion is None or not motion.is_election or not can_view_community(current_user, motion.meeting.community):
        abort(404)
    return motion


@bp.get("/elections/<int:election_id>")
@login_required
def show(election_id: int):
    motion = _motion(election_id)
    row = db.session.scalar(db.select(MotionResult).where(MotionResult.motion_id == motion.id))
    result = row.document.get("result") if row is not None else None
    return render_template("elections/show.html", motion=motion, meeting=motion.meeting,
                           candidates=services.candidates_of(motion), result=result,
                           names={c.code: c.name for c in services.candidates_of(motion)},
                           seats=committee.seats_of(motion),
                           warnings=committee.committee_warnings(result) if result else [],
                           is_committee=is_committee(current_user, motion.meeting.community))


@bp.get("/elections/<int:election_id>/photo/<int:candidate_id>")
@login_required
def photo(election_id: int, candidate_id: int):
    row = _candidate(_motion(election_id), candidate_id)
    if not row.photo_sha256:
        abort(404)
    return send_file(upload_dir(services.PHOTO_FOLDER) / row.photo_sha256, mimetype=row.photo_type,
                     max_age=86400)


def _done(motion: Motion, message: str):
    flash(message, "success")
    return redirect(url_for("elections.show", election_id=motion.id))


@bp.post("/elections/<int:election_id>/nominate")
@login_required
def nominate(election_id: int):
    motion = _motion(election_id)
    community = motion.meeting.community
    if not (is_committee(current_user, community) or is_confirmed_owner(current_user, community)):
        raise DomainError("forbidden", _("Only owners and committee members nominate candidates."), status=403)
    nominee = db.session.scalar(db.select(User).where(User.username == (request.form.get("username") or "").strip()))
    if nominee is None:
        raise DomainError("bad_request", _("There is no account with this user name."), status=400)
    cosigners = [int(v) for v in request.form.get("cosigners", "").replace("，", ",").split(",") if v.strip().isdigit()]
    services.nominate(motion, nominee=nominee, by=request.form.get("by", "owners"), actor=current_user,
                      cosigners=cosigners)
    return _done(motion, _("The nomination is recorded; the nominee must accept it."))


def _candidate(motion: Motion, candidate_id: int) -> Candidate:
    row = db.session.get(Candidate, candidate_id)
    if row is None or row.motion_id != motion.id:
        abort(404)
    return row


@bp.post("/elections/<int:election_id>/candidates/<int:candidate_id>/accept")
@login_required
def accept(election_id: int, candidate_id: int):
    motion = _motion(election_id)
    accepting = request.form.get("accept", "1") == "1"
    services.accept_nomination(_candidate(motion, candidate_id), actor=current_user, accept=accepting)
    return _done(motion, _("You accepted the nomination.") if accepting else _("You declined the nomination."))


@bp.post("/elections/<int:election_id>/candidates/<int:candidate_id>/statement")
@login_required
def statement(election_id: int, candidate_id: int):
    motion = _motion(election_id)
    upload = request.files.get("photo")
    data = upload.read() if upload and upload.filename else None
    services.set_statement(_candidate(motion, candidate_id), actor=current_user,
                           statement=request.form.get("statement"), photo=data,
                           photo_name=upload.filename if data else "")
    return _done(motion, _("Your statement is saved."))


@bp.post("/elections/<int:election_id>/close")
@login_required
def close(election_id: int):
    motion = _motion(election_id)
    services.close_nominations(motion, actor=current_user)
    return _done(motion, _("Nominations are closed: the candidates will be published with the notice."))


@bp.post("/elections/<int:election_id>/reopen")
@login_required
def reopen(election_id: int):
    motion = _motion(election_id)
    services.reopen_nominations(motion, actor=current_user)
    return _done(motion, _("Nominations are open again."))


@bp.post("/elections/<int:election_id>/committee")
@login_required
def install(election_id: int):
    motion = _motion(election_id)
    if not is_committee(current_user, motion.meeting.community):
        raise DomainError("forbidden", _("Only committee members install the elected committee."), status=403)
    done = committee.install_committee(motion, actor=current_user)
    for warning in done.warnings:
        flash(warning, "warning")
    flash(_("The elected candidates are now committee members. Hold the first committee meeting by %(day)s to "
            "elect the chair and vice-chair.", day=format_day(done.first_meeting_by)), "success")
    return redirect(url_for("elections.show", election_id=motion.id))


@bp.post("/elections/<int:election_id>/runoff")
@login_required
def runoff(election_id: int):
    motion = _motion(election_id)
    if not is_committee(current_user, motion.meeting.community):
        raise DomainError("forbidden", _("Only committee members create a runoff."), status=403)
    target = db.session.get(Meeting, request.form.get("meeting", type=int) or 0)
    if target is None or target.community_id != motion.community_id:
        raise DomainError("bad_request", _("Name a draft meeting of this community for the runoff."), status=400)
    new = committee.create_runoff(motion, target, actor=current_user)
    flash(_("The runoff election is added to the draft meeting."), "success")
    return redirect(url_for("elections.show", election_id=new.id))


@bp.get("/elections/<int:election_id>/filing.pdf")
@login_required
def filing_pdf(election_id: int):
    motion = _motion(election_id)
    result = committee.signed_result(motion)
    meeting = motion.meeting
    names = {c.code: c.name for c in services.candidates_of(motion)}
    return serve_pdf(
        kind="election_filing", subject_type="motion", subject_id=motion.id, community=meeting.community,
        template="elections/filing.html", filename=f"election-filing-{motion.id}.pdf",
        context=dict(meeting=meeting, community=meeting.community, motion=motion, result=result, names=names,
                     seats=committee.seats_of(motion), warnings=committee.committee_warnings(result),
                     record_hash=record_hash(meeting), record_hash_kind=RECORD_HASH_KIND,
                     first_meeting_days=committee.FIRST_MEETING_DAYS),
    )



@bp.post("/meetings/<int:meeting_id>/elections")
@login_required
def create(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not can_view_community(current_user, meeting.community):
        abort(404)
    seats = request.form.get("seats", type=int) or 0
    motion = services.create_election(meeting, title=request.form.get("title", ""), text=request.form.get("text", ""),
                                      seats=seats, max_marks=request.form.get("max_marks", type=int),
                                      mode=request.form.get("mode", "competitive"), actor=current_user)
    return _done(motion, _("The election is added: nominate the candidates, then close the nominations."))


from govern.elections import demo as _demo  # noqa: E402,F401  (registers the demo step after meetings)
from govern.elections import pages as _pages  # noqa: E402,F401  (the preparatory group, arrears, leaving members)
