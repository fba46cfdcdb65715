"""Minutes pages and printed documents: committee meetings, assembly minutes, and the PDFs at stable addresses.

PDF addresses (each renders through ``govern.pdf.views.serve_pdf``: a job, cached by content hash):

    /meetings/<id>/minutes.pdf                        published minutes of an owners' assembly
    /meetings/<id>/notice.pdf                         the meeting notice for the lobby board (QR to the ballot)
    /meetings/<id>/result.pdf                         the result notice (R26)
    /c/<slug>/committee-meetings/<id>/minutes.pdf     signed minutes of a committee meeting
    /c/<slug>/claim-sheets/<id>.pdf                   the claim-code sheet (committee and admins only)
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import can_issue_claim_codes, community_required
from govern.accounts.models import ClaimSheet, Role, RoleGrant
from govern.config import public_url
from govern.core.canonical import canonical_bytes
from govern.core.procedure import CommitteeRule
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import LOCAL_TZ, format_moment
from govern.markdown import RECORD
from govern.markdown import render as render_markdown
from govern.meetings import lifecycle
from govern.meetings.access import meeting_required
from govern.meetings.results import results_of
from govern.minutes import labels, services, signing
from govern.minutes import links as _links  # noqa: F401  (registers the meeting page's links)
from govern.minutes.access import (
    can_manage_committee,
    can_read_committee_drafts,
    can_view_committee_meeting,
    can_view_committee_minutes,
)
from govern.minutes.forms import CommitteeMeetingForm, MinutesTextForm, SignatureForm
from govern.minutes.matters import art278_label
from govern.minutes.models import CommitteeMeeting, MinutesRevision
from govern.minutes.sections import record_hash, sections_for
from govern.pdf.views import serve_pdf

bp = Blueprint("minutes", __name__)



@bp.app_template_filter("minutes_time")
def _minutes_time(value) -> str:
    return format_moment(value)


def _minutes_markdown(text: str):
    return render_markdown(text, RECORD)


def _helpers() -> dict:
    return {"labels": labels, "label": labels.label, "markdown": _minutes_markdown, "art278_label": art278_label,
            "local_time": format_moment}


def _roles(community) -> dict[int, str]:
    rows = db.session.execute(select(RoleGrant.user_id, RoleGrant.role).where(
        RoleGrant.community_id == community.id, RoleGrant.revoked_at.is_(None),
        RoleGrant.role.in_((Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER)))).all()
    out: dict[int, str] = {}
    for user_id, role in rows:
        if role == Role.COMMITTEE_CHAIR or user_id not in out:
            out[user_id] = _("Committee chair") if role == Role.COMMITTEE_CHAIR else _("Committee member")
    return out


def _fail(err: DomainError, target: str):
    db.session.rollback()
    flash(err.message, "error")
    return redirect(target)


# --------------------------------------------------------------------------- committee meetings


def _committee_meeting(community, cm_id: int) -> CommitteeMeeting:
    cm = db.session.get(CommitteeMeeting, cm_id)
    if cm is None or cm.community_id != community.id or not can_view_committee_meeting(current_user, cm):
        abort(404)
    return cm


@bp.get("/c/<slug>/committee-meetings")
@community_required()
def committee_list(community):
    query = select(CommitteeMeeting).where(CommitteeMeeting.community_id == community.id)
    if not can_read_committee_drafts(current_user, community):
        query = query.where(CommitteeMeeting.agenda_published_at.is_not(None))
    meetings = db.session.scalars(query.order_by(CommitteeMeeting.starts_at.desc())).all()
    return render_template("minutes/committee_list.html", meetings=meetings,
                           can_manage=can_manage_committee(current_user, community), **_helpers())


@bp.route("/c/<slug>/committee-meetings/new", methods=["GET", "POST"])
@community_required(can_manage_committee)
def committee_new(community):
    form = CommitteeMeetingForm()
    if form.validate_on_submit():
        try:
            cm = services.create_committee_meeting(community, form.to_data(), actor=current_user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(_("The committee meeting is drafted. Publish its agenda in time."), "success")
            return redirect(url_for("minutes.committee_meeting", slug=community.slug, cm_id=cm.id))
    return render_template("minutes/committee_form.html", form=form, cm=None, **_helpers())


@bp.route("/c/<slug>/committee-meetings/<id:cm_id>/edit", methods=["GET", "POST"])
@community_required(can_manage_committee)
def committee_edit(community, cm_id: int):
    cm = _committee_meeting(community, cm_id)
    form = CommitteeMeetingForm()
    if request.method == "GET":
        form.title.data, form.location.data = cm.title, cm.location
        form.starts_at.data = cm.starts_at.astimezone(LOCAL_TZ).replace(tzinfo=None)
        for slot, item in zip(form.items, cm.items, strict=False):
            slot.form.title.data, slot.form.text.data = item.title, item.text
            slot.form.art278_item.data = str(item.art278_item or "")
    if form.validate_on_submit():
        try:
            services.update_committee_meeting(cm, form.to_data(), actor=current_user)
        except DomainError as err:
            return _fail(err, url_for("minutes.committee_meeting", slug=community.slug, cm_id=cm.id))
        return redirect(url_for("minutes.committee_meeting", slug=community.slug, cm_id=cm.id))
    return render_template("minutes/committee_form.html", form=form, cm=cm, **_helpers())


@bp.get("/c/<slug>/committee-meetings/<id:cm_id>")
@community_required()
def committee_meeting(community, cm_id: int):
    cm = _committee_meeting(community, cm_id)
    members = signing.committee_members(community)
    users = {u.id: u for u in members}
    users.update({a.user_id: a.user for a in cm.attendance})
    return render_template(
        "minutes/committee_meeting.html", cm=cm, members=members, users=users, roles=_roles(community),
        can_manage=can_manage_committee(current_user, community),
        quorate=services.quorate(cm), deadline=services.publish_deadline(cm),
        missing=services.missing_signers(cm), rule=CommitteeRule(cm.rule or services.committee_rule(community)),
        sign_form=SignatureForm(), minutes_form=MinutesTextForm(text=cm.minutes_text),
        can_see_minutes=can_view_committee_minutes(current_user, cm),
        document_json=_canonical_text(cm.minutes_document) if cm.minutes_document else "",
        **_helpers(),
    )


def _canonical_text(doc) -> str:
    return canonical_bytes(doc).decode("utf-8")


def _committee_action(community, cm_id: int, action):
    cm = _committee_meeting(community, cm_id)
    target = url_for("minutes.committee_meeting", slug=community.slug, cm_id=cm.id)
    try:
        message = action(cm)
    except DomainError as err:
        return _fail(err, target)
    flash(message, "success")
    return redirect(target)


@bp.post("/c/<slug>/committee-meetings/<id:cm_id>/publish-agenda")
@community_required(can_manage_committee)
def committee_publish_agenda(community, cm_id: int):
    def act(cm):
        services.publish_agenda(cm, actor=current_user)
        return _("The agenda is published.")
    return _committee_action(community, cm_id, act)


@bp.post("/c/<slug>/committee-meetings/<id:cm_id>/attendance")
@community_required(can_manage_committee)
def committee_attendance(community, cm_id: int):
    def act(cm):
        services.record_attendance(cm, request.form.getlist("present", type=int), actor=current_user,
                                   proxies=[p for p in request.form.getlist("proxy") if p])
        return _("The attendance is recorded.")
    return _committee_action(community, cm_id, act)


@bp.post("/c/<slug>/committee-meetings/<id:cm_id>/items/<id:item_id>/decide")
@community_required(can_manage_committee)
def committee_decide(community, cm_id: int, item_id: int):
    def act(cm):
        item = next((i for i in cm.items if i.id == item_id), None)
        if item is None:
            abort(404)
        votes = {}
        for key, value in request.form.items():
            if key.startswith("vote-") and key[5:].isdigit():
                votes[int(key[5:])] = value
        item = services.decide_item(item, votes, actor=current_user)
        return _("Adopted.") if item.adopted else _("Not adopted.")
    return _committee_action(community, cm_id, act)


@bp.post("/c/<slug>/committee-meetings/<id:cm_id>/close")
@community_required(can_manage_committee)
def committee_close(community, cm_id: int):
    form = MinutesTextForm()

    def act(cm):
        services.close_committee_minutes(cm, form.text.data or "", actor=current_user)
        return _("The minutes are closed. The members present now sign them.")
    return _committee_action(community, cm_id, act)


@bp.post("/c/<slug>/committee-meetings/<id:cm_id>/sign")
@community_required(can_manage_committee)
def committee_sign(community, cm_id: int):
    form = SignatureForm()

    def act(cm):
        services.sign_committee_minutes(cm, {"key_id": form.key_id.data, "signature": form.signature.data},
                                        actor=current_user)
        return _("Your signature is recorded.")
    return _committee_action(community, cm_id, act)


@bp.post("/c/<slug>/committee-meetings/<id:cm_id>/publish")
@community_required(can_manage_committee)
def committee_publish(community, cm_id: int):
    def act(cm):
        services.publish_committee_minutes(cm, actor=current_user)
        if cm.is_late:
            return _("The minutes are published — late: the deadline was %(date)s.",
                     date=services.publish_deadline(cm).isoformat())
        return _("The minutes are published.")
    return _committee_action(community, cm_id, act)


@bp.get("/c/<slug>/committee-meetings/<id:cm_id>/minutes.pdf")
@community_required()
def committee_minutes_pdf(community, cm_id: int):
    cm = _committee_meeting(community, cm_id)
    if not can_view_committee_minutes(current_user, cm):
        abort(404)
    users = {a.user_id: a.user for a in cm.attendance}
    return serve_pdf(
        kind="committee_minutes", subject_type="committee_meeting", subject_id=cm.id, community=community,
        template="minutes/pdf/committee_minutes.html", filename=f"committee-minutes-{cm.id}.pdf",
        context=dict(cm=cm, community=community, users=users, rule=CommitteeRule(cm.rule),
                     quorate=services.quorate(cm), deadline=services.publish_deadline(cm),
                     signers=services.signer_rows(cm.signatures, roles=_roles(community)),
                     verify_url=public_url(url_for("minutes.committee_meeting", slug=community.slug, cm_id=cm.id)),
                     **_helpers()),
    )


# --------------------------------------------------------------------------- assembly minutes


def _revision(meeting, number: int) -> MinutesRevision:
    minutes = services.minutes_of(meeting)
    revision = next((r for r in (minutes.revisions if minutes else []) if r.number == number), None)
    if revision is None:
        abort(404)
    return revision


@bp.get("/meetings/<id:assembly_id>/minutes")
@meeting_required(arg="assembly_id")
def assembly(meeting):
    community = meeting.community
    minutes = services.minutes_of(meeting)
    committee = can_manage_committee(current_user, community)
    drafts = committee or can_read_committee_drafts(current_user, community)
    current = minutes.current_revision if minutes else None
    published = minutes.published_revision if minutes else None
    shown = current if drafts else published
    members = signing.committee_members(community)
    rule = services.committee_rule(community)
    return render_template(
        "minutes/assembly.html", meeting=meeting, minutes=minutes, current=current, published=published,
        shown=shown, committee=committee, drafts=drafts, members=members, rule=rule,
        needed=services.approval_count_needed(len(members), rule),
        form=MinutesTextForm(text=current.text if current else ""), sign_form=SignatureForm(),
        approval_json=_canonical_text(signing.approval_document(current, meeting.id)) if current else "",
        closed=meeting.status.value == "closed", **_helpers(),
    )


@bp.post("/meetings/<id:assembly_id>/minutes")
@meeting_required(can_manage_committee, arg="assembly_id")
def assembly_save(meeting):
    form = MinutesTextForm()
    target = url_for("minutes.assembly", assembly_id=meeting.id)
    if not form.validate_on_submit():
        flash(_("The minutes could not be saved."), "error")
        return redirect(target)
    try:
        revision, created = services.save_minutes(meeting, form.text.data or "", actor=current_user)
    except DomainError as err:
        return _fail(err, target)
    flash(_("Saved as version %(n)d.", n=revision.number) if created else _("Nothing changed; no new version."),
          "success")
    return redirect(target)


def _assembly_action(meeting, version: int, action):
    revision = _revision(meeting, version)
    target = url_for("minutes.assembly", assembly_id=meeting.id)
    try:
        message = action(revision)
    except DomainError as err:
        return _fail(err, target)
    flash(message, "success")
    return redirect(target)


@bp.post("/meetings/<id:assembly_id>/minutes/<id:version>/approve")
@meeting_required(can_manage_committee, arg="assembly_id")
def assembly_approve(meeting, version: int):
    form = SignatureForm()

    def act(revision):
        services.approve_revision(revision, {"key_id": form.key_id.data, "signature": form.signature.data},
                                  actor=current_user)
        return _("Your approval is recorded.") if revision.approved_at is None else \
            _("Your approval is recorded. The committee has approved this version.")
    return _assembly_action(meeting, version, act)


@bp.post("/meetings/<id:assembly_id>/minutes/<id:version>/publish")
@meeting_required(can_manage_committee, arg="assembly_id")
def assembly_publish(meeting, version: int):
    def act(revision):
        services.publish_revision(revision, actor=current_user)
        return _("The minutes are published to the owners.")
    return _assembly_action(meeting, version, act)


def assembly_pdf_context(meeting, revision, *, draft: bool = False) -> dict:
    """What ``minutes/pdf/assembly_minutes.html`` needs (also used by the bench and the demo)."""
    community = meeting.community
    return dict(
        meeting=meeting, community=community, revision=revision, sections=revision.sections, draft=draft,
        signers=services.signer_rows(revision.approvals, roles=_roles(community)),
        verify_url=public_url(f"/meetings/{meeting.id}"),
        **_helpers(),
    )


@bp.get("/meetings/<id:assembly_id>/minutes.pdf")
@meeting_required(arg="assembly_id")
def assembly_pdf(meeting):
    minutes = services.minutes_of(meeting)
    draft = request.args.get("draft") == "1" and can_read_committee_drafts(current_user, meeting.community)
    revision = (minutes.current_revision if draft else minutes.published_revision) if minutes else None
    if revision is None:
        abort(404)
    draft = draft and revision.published_at is None
    return serve_pdf(
        kind="minutes", subject_type="meeting", subject_id=meeting.id, community=meeting.community,
        template="minutes/pdf/assembly_minutes.html", filename=f"minutes-{meeting.id}-v{revision.number}.pdf",
        context=assembly_pdf_context(meeting, revision, draft=draft),
    )


@bp.get("/meetings/<id:assembly_id>/notice.pdf")
@meeting_required(published=True, arg="assembly_id")
def notice_pdf(meeting):
    return serve_pdf(
        kind="notice", subject_type="meeting", subject_id=meeting.id, community=meeting.community,
        template="minutes/pdf/notice.html", filename=f"notice-{meeting.id}.pdf",
        context=dict(meeting=meeting, community=meeting.community,
                     ballot_url=public_url(f"/meetings/{meeting.id}/ballot"), **_helpers()),
    )


def _revoked_hashes(meeting, results) -> set[str]:
    """R28: the document hashes of the results the street office revoked (shown 已撤销, not 通过)."""
    statuses = lifecycle.result_statuses(meeting)
    return {r.document_hash for r in results if statuses.get(r.motion_id) == lifecycle.RESULT_REVOKED}


def result_pdf_context(meeting) -> dict:
    results = results_of(meeting)
    sections = sections_for(meeting)
    return dict(meeting=meeting, community=meeting.community, results=results, sections=sections,
                record_hash=record_hash(meeting), challenge_until=lifecycle.court_deadline_on(meeting),
                revoked_hashes=_revoked_hashes(meeting, results),
                verify_url=public_url(f"/meetings/{meeting.id}/result"), **_helpers())


@bp.get("/meetings/<id:assembly_id>/result.pdf")
@meeting_required(arg="assembly_id")
def result_pdf(meeting):
    if meeting.status.value != "closed":
        abort(404)
    context = result_pdf_context(meeting)
    return serve_pdf(
        kind="result", subject_type="meeting", subject_id=meeting.id, community=meeting.community,
        template="minutes/pdf/result.html", filename=f"result-{meeting.id}.pdf", context=context,
    )


# --------------------------------------------------------------------------- claim-code sheet


@bp.get("/c/<slug>/claim-sheets/<id:sheet_id>.pdf")
@community_required(can_issue_claim_codes)
def claim_sheet_pdf(community, sheet_id: int):
    """The claim-code sheet as a PDF: its own HTML (the only place the plaintext codes exist), printed as is."""
    sheet = db.session.get(ClaimSheet, sheet_id)
    if sheet is None or sheet.community_id != community.id or sheet.status != "done" or not sheet.html:
        abort(404)
    html = sheet.html.replace("</head>", f"<style>{render_template('pdf/claim_sheet.css')}</style></head>", 1)
    return serve_pdf(
        kind="claim_sheet", subject_type="claim_sheet", subject_id=sheet.id, community=community,
        html=html, filename=f"claim-codes-{sheet.id}.pdf", private=True,
        back_url=url_for("minutes.claim_sheet_pdf", slug=community.slug, sheet_id=sheet.id),
    )


from govern.minutes import demo as _demo  # noqa: E402,F401  (registers the demo step after meetings)
