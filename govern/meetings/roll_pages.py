"""The published roll's page (R6): owners see the frozen roll and object to it before voting opens; the
committee sees the flags, answers objections and names the developer's representative (R4a)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import is_committee, is_confirmed_owner
from govern.accounts.models import Role, RoleGrant, User
from govern.ballots.models import Meeting
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import rollview
from govern.meetings.access import meeting_required
from govern.meetings.casters import set_developer_representative
from govern.meetings.models import RollObjection
from govern.meetings.views import bp


def _back(meeting: Meeting):
    return redirect(url_for("meetings.roll", meeting_id=meeting.id))


@bp.get("/meetings/<id:meeting_id>/roll")
@meeting_required(rollview.may_see_roll, published=True)
def roll(meeting: Meeting):
    committee = is_committee(current_user, meeting.community)
    shared = rollview.shared_casters(meeting) if committee else {}
    names = {u.id: u.username for u in db.session.scalars(select(User).where(User.id.in_(list(shared))))}
    reps = db.session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
        RoleGrant.community_id == meeting.community_id, RoleGrant.role == Role.DEVELOPER_REP,
        RoleGrant.revoked_at.is_(None)).order_by(User.username)) if committee else []
    return render_template(
        "meetings/roll.html", meeting=meeting, rows=rollview.published_roll(meeting), committee=committee,
        flags=rollview.overlap_flags(meeting) if committee else [],
        shared=[(names.get(a, str(a)), n) for a, n in shared.items()], representatives=list(reps),
        objections=rollview.objections_of(meeting, None if committee else current_user),
        can_object=rollview.objections_open(meeting),
    )


@bp.post("/meetings/<id:meeting_id>/roll/objections")
@meeting_required(is_confirmed_owner, published=True)
def file_objection(meeting: Meeting):
    try:
        rollview.file_objection(meeting, request.form.get("text", ""), actor=current_user,
                                unit=request.form.get("unit", ""))
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return _back(meeting)
    flash(_("Your objection was filed. The committee will answer it before voting opens."), "success")
    return _back(meeting)


@bp.post("/meetings/<id:meeting_id>/roll/answers")
@meeting_required(is_committee, published=True)
def answer_objection(meeting: Meeting):
    """The committee answers one objection (form fields ``objection``, ``outcome``, ``answer``, ``changes_roll``)."""
    raw = request.form.get("objection", "")
    if not raw.isdigit():
        abort(400)
    objection = db.session.get(RollObjection, int(raw))
    if objection is None or objection.meeting_id != meeting.id:
        abort(404)
    outcome = request.form.get("outcome")
    if outcome not in ("upheld", "rejected"):
        abort(400)
    try:
        rollview.answer_objection(objection, actor=current_user, upheld=outcome == "upheld",
                                  answer=request.form.get("answer", ""),
                                  changes_roll=request.form.get("changes_roll") == "yes")
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return _back(meeting)
    if objection.voided_notice:
        flash(_("The objection changed the roll: the notice is void. Correct the register and publish the notice "
                "again to restart the notice period."), "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    flash(_("The answer was recorded."), "success")
    return _back(meeting)


@bp.post("/meetings/<id:meeting_id>/developer-representative")
@meeting_required(is_committee, published=True)
def developer_representative(meeting: Meeting):
    user = db.session.scalar(select(User).where(User.username == (request.form.get("username") or "").strip()))
    if user is None:
        flash(_("There is no account with this user name."), "error")
        return _back(meeting)
    try:
        set_developer_representative(meeting.community, user, actor=current_user,
                                     active=request.form.get("action") != "remove")
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return _back(meeting)
    flash(_("The developer's representative was updated."), "success")
    return _back(meeting)
