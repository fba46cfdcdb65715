"""Pages: the meeting's record (what each edition publishes, the downloads the caller may make, owners'
inspection requests and the committee's answers) and the meeting's scrutineers (the convening body names them).

Routes join the record blueprint (:mod:`govern.record.views` imports this module)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from govern import clock
from govern.accounts.access import COMMITTEE, is_committee
from govern.accounts.models import Role, RoleGrant, User
from govern.ballots.models import Meeting, Scrutineer
from govern.core.archive import AUDITOR, PUBLIC
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import lifecycle, scrutineers
from govern.meetings.access import load_meeting, meeting_required
from govern.record import inspections
from govern.record.access import can_read_auditor_edition, can_read_public_record, edition_withheld
from govern.record.models import InspectionRequest
from govern.record.views import _fail, bp


def _eligible_owners(meeting: Meeting) -> list[User]:
    """Confirmed owners of the community who are not on the committee: whom the form offers as scrutineers."""
    grants = db.session.scalars(select(RoleGrant).where(
        RoleGrant.community_id == meeting.community_id, RoleGrant.revoked_at.is_(None)))
    owners, committee = set(), set()
    for g in grants:
        if g.role == Role.OWNER:
            owners.add(g.user_id)
        elif g.role in COMMITTEE:
            committee.add(g.user_id)
    named = scrutineers.scrutineer_ids(meeting)
    ids = sorted(owners - committee - named)
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))) if ids else []


@bp.route("/meetings/<id:meeting_id>/scrutineers", methods=["GET", "POST"])
@meeting_required(published=True)
def scrutineers_page(meeting: Meeting):
    """Who the meeting's scrutineers are (every member sees it); the committee names them before the close."""
    manage = is_committee(current_user, meeting.community)
    target = url_for("record.scrutineers_page", meeting_id=meeting.id)
    if request.method == "POST":
        if not manage:
            abort(403)
        try:
            user = db.session.get(User, int(request.form.get("user") or 0))
            scrutineers.name_scrutineer(meeting, user, actor=current_user)
        except DomainError as err:
            return _fail(err, target)
        except ValueError:
            abort(400)
        flash(_("The scrutineer is named."), "success")
        return redirect(target), 303
    rows = scrutineers.scrutineer_rows(meeting)
    return render_template("record/scrutineers.html", meeting=meeting, rows=rows, manage=manage,
                           is_open=clock.now() < meeting.closes_at,
                           candidates=_eligible_owners(meeting) if manage else [])


@bp.post("/meetings/<id:meeting_id>/scrutineers/<id:row_id>/remove")
@meeting_required(is_committee, published=True)
def scrutineer_remove(meeting: Meeting, row_id: int):
    target = url_for("record.scrutineers_page", meeting_id=meeting.id)
    row = db.session.get(Scrutineer, row_id)
    if row is None:
        abort(404)
    try:
        scrutineers.remove_scrutineer(meeting, row, actor=current_user)
    except DomainError as err:
        return _fail(err, target)
    flash(_("The scrutineer is removed."), "success")
    return redirect(target), 303


@bp.route("/meetings/<id:meeting_id>/record", methods=["GET", "POST"])
@meeting_required(published=True)
def record_page(meeting: Meeting):
    """What each edition of the record publishes, the downloads the caller may make, and inspection requests."""
    target = url_for("record.record_page", meeting_id=meeting.id)
    if request.method == "POST":
        try:
            inspections.request_inspection(meeting, request.form.get("reason", ""), actor=current_user)
        except DomainError as err:
            return _fail(err, target)
        flash(_("Your request to inspect the full record is recorded."), "success")
        return redirect(target), 303
    counted = lifecycle.is_counted(meeting)
    committee = is_committee(current_user, meeting.community)
    public, auditor = can_read_public_record(current_user, meeting), can_read_auditor_edition(current_user, meeting)
    return render_template(
        "record/record.html", meeting=meeting, counted=counted, v2=meeting.record_version == 2,
        public=public, auditor=auditor, committee=committee,
        offer_public=public and not edition_withheld(meeting, PUBLIC),
        offer_auditor=auditor and not edition_withheld(meeting, AUDITOR),
        mine=inspections.requests_of(meeting, current_user),
        pending=[r for r in inspections.requests_of(meeting) if r.status == inspections.PENDING] if committee else [],
        PUBLIC=PUBLIC, AUDITOR=AUDITOR)


@bp.post("/inspections/<id:request_id>/answer")
@login_required
def inspection_answer(request_id: int):
    row = db.session.get(InspectionRequest, request_id)
    if row is None:
        abort(404)
    meeting = load_meeting(row.meeting_id, is_committee)
    target = url_for("record.record_page", meeting_id=meeting.id)
    try:
        inspections.answer_inspection(row, request.form.get("grant") == "1", request.form.get("answer", ""),
                                      actor=current_user)
    except DomainError as err:
        return _fail(err, target)
    flash(_("The answer is recorded."), "success")
    return redirect(target), 303
