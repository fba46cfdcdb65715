"""Meeting pages: list, create/edit/publish, the meeting with live participation, ballot and key pages,
the public receipt check and the result notice."""

from __future__ import annotations

import datetime as dt
import json
import os
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from govern import ROOT, clock
from govern.accounts.access import community_required, has_role, is_committee
from govern.accounts.models import Role
from govern.agenda.models import Proposal
from govern.agenda.services import accepted_proposals, proposal_url
from govern.ballots import ledger, owner_keys, proxies, voter
from govern.ballots.models import BallotEntry, Meeting, MeetingStatus
from govern.core.ballot import format_time, new_nonce
from govern.core.canonical import canonical_bytes
from govern.core.extensions import build_extension
from govern.core.ledger import make_receipt
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import LOCAL_TZ
from govern.home import panels
from govern.meetings import attachments, extension, lifecycle, links, services
from govern.meetings import results as results_mod
from govern.meetings.access import can_manage_meetings, can_see_door_to_door, is_street_office, meeting_required
from govern.meetings.forms import MOTION_SLOTS, MeetingForm, kept_files
from govern.meetings.participation import participation
from govern.meetings.serverkey import server_private_key, server_public_key
from govern.register.models import Building
from govern.templating import format_moment

bp = Blueprint("meetings", __name__)

#: What each stage of the result lifecycle is called on the pages (docs/record-format.md).
STAGE_LABELS = {
    lifecycle.OPEN: _l("Voting open"),
    lifecycle.CLOSED: _l("Counting (计票中): voting closed"),
    lifecycle.PAPER_GRACE: _l("Counting (计票中): declared paper ballots are being entered"),
    lifecycle.PRELIMINARY: _l("Preliminary result: countersigning"),
    lifecycle.OBJECTION: _l("Objection period"),
    lifecycle.FINAL: _l("Final result"),
    lifecycle.CERTIFIED: _l("Certified by the street office"),
    lifecycle.OBJECTED: _l("Objected to: awaiting the street office's decision"),
    lifecycle.REVOKED: _l("Revoked by the street office"),
}


@bp.app_template_filter("stage_label")
def _stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))

_CSS = ROOT / "static" / "css" / "meetings.css"



def _thread_urls(meeting: Meeting) -> dict[str, str]:
    """Links to each motion's discussion thread (the page of the agenda proposal it comes from)."""
    out = {}
    for m in meeting.motions:
        if m.proposal_id:
            proposal = db.session.get(Proposal, m.proposal_id)
            if proposal is not None and proposal.community_id == meeting.community_id:
                out[str(m.id)] = proposal_url(proposal)
    return out


@bp.get("/meetings/meetings.css")
def stylesheet():
    """The participation bars' stylesheet (widths as classes: the CSP forbids inline styles)."""
    resp = current_app.response_class(_CSS.read_bytes(), mimetype="text/css")
    resp.cache_control.public = True
    resp.cache_control.max_age = 3600
    return resp


@bp.get("/c/<slug>/meetings")
@community_required()
def index(community):
    manage = can_manage_meetings(current_user, community)
    query = select(Meeting).where(Meeting.community_id == community.id).order_by(Meeting.opens_at.desc())
    if not manage:
        query = query.where(Meeting.published_at.is_not(None))
    return render_template("meetings/index.html", meetings=list(db.session.scalars(query)), can_manage=manage)


def _form(community, meeting=None) -> MeetingForm:
    form = MeetingForm()
    codes = list(db.session.scalars(select(Building.code).where(Building.community_id == community.id)
                                    .order_by(Building.code)))
    form.scope.choices = [SelectChoice(c, c) for c in codes]
    if meeting is not None and request.method == "GET":
        form.fill(meeting)
    return form


def _save(form, community, meeting=None):
    try:
        data = form.to_data(store=attachments.store_motion_file)
        if meeting is None:
            convener = "street_office" if is_street_office(current_user, community) else \
                "preparatory" if has_role(current_user, community, Role.PREPARATORY) else "committee"
            meeting = services.create_meeting(community, data, actor=current_user, convener=convener,
                                              convening_reason=form.convening_reason.data or "")
        else:
            was_published = meeting.is_published
            services.update_meeting(meeting, data, actor=current_user)
            if was_published:
                flash(_("The edit voided the published notice: publish it again to restart the notice period."),
                      "warning")
    except DomainError as err:
        db.session.rollback()
        form.form_errors.append(err.message)
        return None
    return meeting


@bp.url_value_preprocessor
def _allow_attachments(endpoint, values) -> None:
    """The meeting form carries motion files of up to 20 MB each: lift the request limit for it alone (before
    any ``before_request`` hook reads the form)."""
    if endpoint in ("meetings.create", "meetings.edit"):
        request.max_content_length = attachments.MAX_BYTES * (MOTION_SLOTS + 1)


@bp.app_template_global("motion_files")
def _motion_files(meeting: Meeting, motion) -> list[dict]:
    return attachments.motion_files(meeting, motion)


@bp.app_template_global("motion_files_json")
def _motion_files_json(text: str | None) -> list[dict]:
    return kept_files(text)


@bp.get("/meetings/<id:meeting_id>/motions/<id:motion_id>/files/<sha256>")
@meeting_required()
def motion_file(meeting: Meeting, motion_id: int, sha256: str):
    """One file of a motion, as the notice fixed it (a draft's to those who manage meetings)."""
    motion = next((m for m in meeting.motions if m.id == motion_id), None)
    if motion is None or (not meeting.is_published and not can_manage_meetings(current_user, meeting.community)):
        abort(404)
    entry = next((f for f in attachments.motion_files(meeting, motion) if f["sha256"] == sha256), None)
    path = attachments.file_path(sha256) if entry is not None else None
    if path is None:
        abort(404)
    return send_file(path, mimetype=entry["media_type"], download_name=entry["name"],
                     as_attachment=entry["media_type"] == "application/pdf", max_age=0)


@bp.route("/c/<slug>/meetings/new", methods=["GET", "POST"])
@community_required(can_manage_meetings)
def create(community):
    form = _form(community)
    proposals = accepted_proposals(community)
    if request.method == "GET" and proposals:
        for entry, p in zip(form.motions.entries, proposals, strict=False):
            entry.form.title.data = getattr(p, "title", "")
            entry.form.text.data = getattr(p, "body", "") or ""
            entry.form.matter.data = str(getattr(getattr(p, "matter", None), "value", "ordinary"))
            entry.form.proposal_id.data = str(getattr(p, "id", ""))
    if form.validate_on_submit():
        meeting = _save(form, community)
        if meeting is not None:
            flash(_("The meeting was saved as a draft."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/edit.html", form=form, meeting=None, proposals=proposals,
                           street_office=is_street_office(current_user, community)), \
        (400 if request.method == "POST" else 200)


@bp.route("/meetings/<id:meeting_id>/edit", methods=["GET", "POST"])
@meeting_required(can_manage_meetings)
def edit(meeting: Meeting):
    form = _form(meeting.community, meeting)
    if form.validate_on_submit():
        if _save(form, meeting.community, meeting) is not None:
            flash(_("The meeting was saved."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/edit.html", form=form, meeting=meeting, proposals=[]), \
        (400 if request.method == "POST" else 200)


@bp.post("/meetings/<id:meeting_id>/publish")
@meeting_required(can_manage_meetings)
def publish(meeting: Meeting):
    try:
        services.publish_meeting(meeting, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    flash(_("The notice was published and the roll frozen."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/meetings/<id:meeting_id>")
@meeting_required()
def show(meeting: Meeting):
    part = participation(meeting) if meeting.is_published else None
    me = voter.voter_summary(meeting, current_user) if meeting.is_published else None
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        status=meeting.status.value,
        part=part,
        me=me,
        thread_urls=_thread_urls(meeting),
        can_manage=can_manage_meetings(current_user, meeting.community),
        door_to_door=can_see_door_to_door(current_user, meeting),
        server_key=server_public_key(),
        related=links.related_links(meeting, current_user),
        may_extend=meeting.is_published and extension.in_convening_body(current_user, meeting),
        extensions=extension.extensions_of(meeting) if meeting.is_published else [],
    )


@bp.route("/meetings/<id:meeting_id>/extend", methods=["GET", "POST"])
@meeting_required(extension.may_extend, published=True)
def extend(meeting: Meeting):
    """Extend the voting window (R12). Step 1 (GET): the new close and the reason; with them (GET
    ?closes_at=&reason=), the ``govern.extension.v1`` to sign on this device (sign-document.js). Step 2 (POST):
    the signed object; the server checks it, moves the close and announces it."""
    back = url_for("meetings.show", meeting_id=meeting.id)
    if request.method == "POST":
        try:
            obj = json.loads(request.form.get("document") or "null")
        except ValueError:
            obj = None
        data = {"extension": obj, "signature": request.form.get("signature", "").strip(),
                "key_id": request.form.get("key_id", "").strip()}
        try:
            extension.extend_window(meeting, data, actor=current_user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
            return redirect(back), 303
        flash(_("The voting window was extended and the extension announced to the owners."), "success")
        return redirect(back), 303
    closes, reason = request.args.get("closes_at", ""), (request.args.get("reason") or "").strip()[:500]
    document_text = None
    if closes and reason:
        try:
            new_close = dt.datetime.strptime(closes, "%Y-%m-%dT%H:%M").replace(tzinfo=LOCAL_TZ)
        except ValueError:
            abort(400)
        obj = build_extension(community=str(meeting.community_id), meeting=str(meeting.id),
                              convener=meeting.convener, previous_closes_at=format_time(meeting.closes_at),
                              closes_at=format_time(new_close), reason=reason,
                              issued_at=format_time(clock.now().replace(microsecond=0)), nonce=new_nonce(os.urandom))
        document_text = canonical_bytes(obj).decode("utf-8")
    low, high = services.window_bounds(meeting.community)
    return render_template("meetings/extend.html", meeting=meeting, document_text=document_text, closes=closes,
                           reason=reason, low=low, high=high, latest=meeting.opens_at + timedelta(days=high))


@bp.get("/meetings/<id:meeting_id>/ballot")
@meeting_required(published=True)
def ballot(meeting: Meeting):
    """The caller's own ballot (if on the roll) and one per owner who made the caller their proxy (R15).

    A proxy's ballot names the principal as ``voter`` and is signed with the proxy's own key; the
    server attaches the delegation. Callers who are neither on the roll nor an accepted proxy: 403.
    """
    is_open = meeting.status is MeetingStatus.OPEN
    me = voter.voter_summary(meeting, current_user, person=request.args.get("person"))
    principals, pending = proxies.held_for_ballot(meeting, current_user, can_vote=is_open)
    if me is None and not principals:
        abort(403)
    single_cast = meeting.revision_policy != "revisable-until-close"
    given = None
    if me is not None:
        given = proxies.given_for_ballot(meeting, me["voter"])
    show_form = is_open and me is not None and not (me["has_voted"] and single_cast)
    return render_template(
        "meetings/ballot.html",
        my_entry=ledger.latest_own_entry(meeting.id, me["voter"]) if me and me["has_voted"] else None,
        meeting=meeting,
        motions=list(meeting.motions),
        me=me,
        ballot_context=voter.ballot_context(meeting, me["voter"]) if me else None,
        active_key=owner_keys.active_key(current_user),
        is_open=is_open,
        single_cast=single_cast,
        show_form=show_form,
        load_script=show_form or any(p["can_vote"] for p in principals),
        principals=principals,
        pending=pending,
        given=given,
        thread_urls=_thread_urls(meeting),
        others=voter.other_persons(meeting, current_user, me["voter"]) if me else [],
    )


@bp.get("/keys")
@login_required
def keys():
    return render_template("meetings/keys.html", active_key=owner_keys.active_key(current_user),
                           history=owner_keys.key_history(current_user))


@bp.get("/meetings/<id:meeting_id>/receipts/check")
def check_receipt(meeting_id: int):
    """Public: is a ballot hash included in the meeting's ledger? Shows the server-signed receipt if so."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not meeting.is_published:
        abort(404)
    wanted = (request.args.get("hash") or "").strip().lower()
    found = None
    if wanted:
        row = db.session.scalar(select(BallotEntry).where(BallotEntry.meeting_id == meeting_id,
                                                          BallotEntry.ballot_hash == wanted))
        if row is not None:
            found = make_receipt(server_private_key(), str(meeting_id), row.position, row.ballot_hash,
                                 row.chain_hash)
    return render_template("meetings/receipt_check.html", meeting=meeting, wanted=wanted, found=found,
                           server_key=server_public_key(), ledger_head=meeting.ledger_head,
                           ledger_length=meeting.ledger_length), (200 if found or not wanted else 404)


@bp.get("/meetings/<id:meeting_id>/result")
@meeting_required()
def result(meeting: Meeting):
    if meeting.status is not MeetingStatus.CLOSED:
        flash(_("The result is published after voting closes."), "info")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    stage = lifecycle.stage_of(meeting)
    if stage not in lifecycle.COUNTED:  # 计票中: nothing about the choices before the signed preliminary result
        return render_template("meetings/counting.html", meeting=meeting, stage=stage)
    rows = results_mod.results_of(meeting)
    counting = ledger.counting(meeting)
    part = participation(meeting, voters=counting.keys())
    by_motion = {r.motion_id: r for r in rows}
    return render_template(
        "meetings/result.html",
        meeting=meeting,
        stage=stage,
        items=[(m, by_motion.get(m.id)) for m in meeting.motions],
        part=part,
        challenge_until=lifecycle.court_deadline_on(meeting),
        statuses=lifecycle.result_statuses(meeting),
        published_on=lifecycle.published_on(meeting),
        publication_due=lifecycle.publication_due_on(meeting),
        objection_ends=lifecycle.objection_ends(meeting),
        server_key=server_public_key(),
        is_committee=is_committee(current_user, meeting.community),
    )


@panels.provider("meetings")
def home_panel(community, user) -> list[dict]:
    """Announced, open and recently closed meetings for the home page of every owner in scope."""
    moment = clock.now()
    rows = db.session.scalars(
        select(Meeting).where(Meeting.community_id == community.id, Meeting.published_at.is_not(None),
                              Meeting.closes_at > moment - timedelta(days=30)).order_by(Meeting.opens_at)
    )
    labels = {"announced": _("Announced"), "open": _("Voting open"), "closed": _("Closed")}
    items = []
    privileged = can_manage_meetings(user, community)
    for m in rows:
        if m.scope_buildings and not privileged and not voter.persons_for(m, user):
            continue
        items.append({
            "title": m.title,
            "url": url_for("meetings.show", meeting_id=m.id),
            "meta": f"{labels[m.status.value]} · {_('Voting window')} {_fmt(m.opens_at)} – {_fmt(m.closes_at)}",
        })
    return items


def _fmt(moment) -> str:
    """The one date format of the pages (Beijing time, to the minute)."""
    return format_moment(moment)


from govern.meetings import demo as _demo  # noqa: E402,F401  (registers the demo step)
from govern.meetings import roll_pages as _roll_pages  # noqa: E402,F401  (the published roll's pages)
from govern.meetings import voided_rolls as _voided_rolls  # noqa: E402,F401  (the voided rolls' page, R29)


@bp.app_template_global()
def meetings_to_vote(community, user) -> list:
    """Open meetings of ``community`` where ``user`` is on the roll and has not voted yet (the 去投票 prompt)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    candidates = db.session.scalars(select(Meeting).where(
        Meeting.community_id == community.id, Meeting.published_at.is_not(None),
        Meeting.closes_at > clock.now()).order_by(Meeting.closes_at))
    out = []
    for meeting in candidates:
        if meeting.status != MeetingStatus.OPEN:
            continue
        persons = voter.persons_for(meeting, user)
        if persons and not ledger.has_voted(meeting.id, persons[0].person):
            out.append(meeting)
    return out
