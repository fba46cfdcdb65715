"""Pages of #14 beside the election's own: the preparatory group (筹备组), the arrears flags, and a committee
member leaving (an alternate steps in). Registered on the elections blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from govern.accounts.access import can_view_community, community_required, has_role, is_committee
from govern.accounts.models import Role, User
from govern.elections import arrears, committee, preparatory
from govern.elections.models import ArrearsFlag, CommitteeSeat
from govern.elections.views import _done, _motion, bp
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Owner


def _bad(message: str) -> DomainError:
    return DomainError("bad_request", message, status=400)


@bp.get("/c/<slug>/preparatory")
@community_required(can_view_community)
def preparatory_group(community):
    group = preparatory.active_group(community)
    return render_template("elections/preparatory.html", community=community, group=group,
                           members=preparatory.members_of(group) if group else [],
                           constituencies=preparatory.CONSTITUENCIES,
                           may_form=group is None and has_role(current_user, community, Role.AUDITOR))


def _parse_members(text: str) -> list[tuple[User, str]]:
    """Lines ``username constituency`` (comma or spaces between)."""
    out = []
    for line in (text or "").replace("，", ",").splitlines():
        parts = line.replace(",", " ").split()
        if not parts:
            continue
        if len(parts) != 2:
            raise _bad(_("Write each member as: user name, constituency."))
        user = db.session.scalar(select(User).where(User.username == parts[0]))
        if user is None:
            raise _bad(_("There is no account with this user name."))
        out.append((user, parts[1]))
    return out


@bp.post("/c/<slug>/preparatory")
@community_required(can_view_community)
def form_preparatory(community):
    if not has_role(current_user, community, Role.AUDITOR):
        raise DomainError("forbidden", _("Only the street office forms the preparatory group."), status=403)
    members = _parse_members(request.form.get("members", ""))
    leader = db.session.scalar(select(User).where(User.username == (request.form.get("leader") or "").strip()))
    if leader is None or not members:
        raise _bad(_("Name the members and the group leader."))
    preparatory.form_group(community, members, leader=leader, actor=current_user)
    flash(_("The preparatory group is formed: it prepares and convenes the first owners' assembly."), "success")
    return redirect(url_for("elections.preparatory_group", slug=community.slug))


@bp.get("/c/<slug>/arrears")
@community_required(arrears.may_flag)
def arrears_flags(community):
    rows = db.session.execute(select(ArrearsFlag, Owner).join(Owner, Owner.id == ArrearsFlag.owner_id).where(
        ArrearsFlag.community_id == community.id, ArrearsFlag.cleared_at.is_(None)).order_by(Owner.ref)).all()
    return render_template("elections/arrears.html", community=community, rows=rows)


@bp.post("/c/<slug>/arrears")
@community_required(arrears.may_flag)
def flag_arrears(community):
    owner = db.session.scalar(select(Owner).where(Owner.community_id == community.id,
                                                  Owner.ref == (request.form.get("owner") or "").strip()))
    if owner is None:
        raise _bad(_("There is no owner with this reference in the register."))
    note = request.form.get("note", "")
    if request.form.get("action") == "clear":
        arrears.clear_flag(owner, actor=current_user, note=note)
        message = _("The arrears flag is cleared.")
    else:
        arrears.set_flag(owner, actor=current_user, note=note)
        message = _("The owner is flagged in arrears.")
    flash(message, "success")
    return redirect(url_for("elections.arrears_flags", slug=community.slug))


@bp.post("/elections/<int:election_id>/leave")
@login_required
def leave(election_id: int):
    motion = _motion(election_id)
    community = motion.meeting.community
    if not (is_committee(current_user, community) or has_role(current_user, community, Role.AUDITOR)):
        raise DomainError("forbidden", _("Only the committee or the street office records that a member left."),
                          status=403)
    seat = db.session.get(CommitteeSeat, request.form.get("seat", type=int) or 0)
    if seat is None or seat.motion_id != motion.id:
        raise _bad(_("Name a seat of this election."))
    done = committee.member_leaves(motion, seat, actor=current_user, reason=request.form.get("reason", ""))
    for warning in done.warnings:
        flash(warning, "warning")
    return _done(motion, _("The member has left the committee.") if done.successor is None else
                 _("The member has left the committee; the next alternate takes the seat."))
