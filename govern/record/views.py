"""Pages: the street office's audit (meetings, roll, ledger, paper ballots, proxies, verification,
certifications), proxies (name a proxy, accept) and paper ballots (enter, attest, scan)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from govern import clock
from govern.accounts.access import can_read_audit, community_required, is_committee
from govern.accounts.models import User
from govern.ballots import paper, proxies, sealed_box
from govern.ballots.ledger import ledger_entries
from govern.ballots.models import (
    BallotEntry,
    Delegation,
    Meeting,
    MeetingStatus,
    MotionResult,
    PaperBallot,
    RollPerson,
    RollUnit,
)
from govern.ballots.proxies import proxy_cap
from govern.ballots.voter import persons_for
from govern.core.ballot import format_time
from govern.core.canonical import canonical_bytes
from govern.core.ledger import counting_ballots
from govern.core.paper_rules import DECLARATION_WINDOW, paper_type_for
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings import lifecycle
from govern.meetings.access import load_meeting, meeting_required
from govern.record import links as _links  # noqa: F401  (registers the meeting page's links)
from govern.record import objections, oversight
from govern.record.access import can_audit, can_certify, can_enter_paper, can_see_paper, may_see_paper_choices
from govern.record.export import ballot_kinds
from govern.record.models import Certification, ResultObjection

bp = Blueprint("record", __name__)


@bp.app_context_processor
def _record_globals():
    return {"record_summary": record_summary}


def record_summary(meeting: Meeting) -> dict:
    """For the meeting's result page: counted ballots by kind, proxy ballots, the street office's verdicts."""
    entries = ledger_entries(meeting)
    counted = counting_ballots(entries, meeting.revision_policy)
    return {"kinds": ballot_kinds(entries, meeting.revision_policy),
            "proxy": sum(1 for e in counted.values() if e.delegation is not None),
            "certifications": oversight.certifications_of(meeting),
            "can_audit": can_audit(current_user, meeting.community),
            "objections": objections.objections_of(meeting),
            "objections_open": objections.is_open_for_objections(meeting),
            "may_answer": objections.may_answer(current_user, meeting)}


def _with_lapses(meeting: Meeting, rows: list[Delegation]) -> list[Delegation]:
    """``rows``, those whose principal has voted in person shown lapsed (R15) without a write (a GET)."""
    proxies.derive_lapses(meeting, rows)
    return rows


def _body(field: str = "body"):
    try:  # the app's bounded parser: too deep a body or 1e400 is 400 bad_request, not a RecursionError
        return current_app.json.loads(request.form.get(field) or "null")
    except ValueError:
        return None


def _fail(err: DomainError, target: str):
    db.session.rollback()
    flash(err.message, "error")
    return redirect(target), 303


def _signed(name: str) -> dict:
    """The body of a signed form (the signing page posts ``document``, ``signature``, ``key_id``)."""
    return {name: _body("document"), "signature": request.form.get("signature", "").strip(),
            "key_id": request.form.get("key_id", "").strip()}


def _done(target: str, store, message: str):
    """Run ``store`` and flash ``message``, or flash the refusal; back to ``target`` either way."""
    try:
        store()
    except DomainError as err:
        return _fail(err, target)
    flash(message, "success")
    return redirect(target), 303


# --------------------------------------------------------------------------- the street office


@bp.get("/c/<slug>/audit/meetings")
@community_required(can_audit)
def audit_index(community):
    meetings = list(db.session.scalars(select(Meeting).where(Meeting.community_id == community.id)
                                       .order_by(Meeting.opens_at.desc())))
    return render_template("record/audit_index.html", meetings=meetings,
                           audit_log=can_read_audit(current_user, community))


@bp.get("/audit/meetings/<id:meeting_id>")
@meeting_required(can_audit)
def audit_meeting(meeting: Meeting):
    persons = list(db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id)
                                      .order_by(RollPerson.person)))
    units: dict[int, list[RollUnit]] = {}
    for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.unit)):
        units.setdefault(u.roll_person_id, []).append(u)
    page = max(int(request.args.get("page", 1) or 1), 1)
    entries = list(db.session.scalars(select(BallotEntry).where(BallotEntry.meeting_id == meeting.id)
                                      .order_by(BallotEntry.position).offset((page - 1) * 200).limit(200)))
    results = list(db.session.scalars(select(MotionResult).where(MotionResult.meeting_id == meeting.id)
                                      .order_by(MotionResult.motion_id)))
    return render_template(
        "record/audit_meeting.html", meeting=meeting, persons=persons, units=units, entries=entries, page=page,
        papers=paper.pending_for(meeting),
        delegations=_with_lapses(meeting, list(db.session.scalars(
            select(Delegation).where(Delegation.meeting_id == meeting.id).order_by(Delegation.id)))),
        run=oversight.latest_run(meeting), results=results, certifications=oversight.certifications_of(meeting),
        can_certify=can_certify(current_user, meeting.community), closed=meeting.status is MeetingStatus.CLOSED,
        counted=lifecycle.is_counted(meeting),
        verdicts=oversight.VERDICTS, audit_log=can_read_audit(current_user, meeting.community),
    )


@bp.post("/audit/meetings/<id:meeting_id>/verify")
@meeting_required(can_audit)
def audit_verify(meeting: Meeting):
    target = url_for("record.audit_meeting", meeting_id=meeting.id)
    try:
        oversight.request_verification(meeting, actor=current_user)
    except DomainError as err:
        return _fail(err, target)
    flash(_("The verification of the record was started; its report appears below."), "success")
    return redirect(target), 303


@bp.route("/audit/meetings/<id:meeting_id>/results/<id:motion_id>/certify", methods=["GET", "POST"])
@meeting_required(can_certify)
def certify(meeting: Meeting, motion_id: int):
    """Step 1 (GET ?verdict=&reason=): the certification object to sign; step 2 (POST): its signature."""
    result = db.session.scalar(select(MotionResult).where(MotionResult.meeting_id == meeting.id,
                                                          MotionResult.motion_id == motion_id))
    if result is None:
        abort(404)
    target = url_for("record.audit_meeting", meeting_id=meeting.id)
    if request.method == "POST":
        return _done(target, lambda: oversight.certify_result(result, _signed("certification"), actor=current_user),
                     _("Your signed verdict was recorded and announced to the owners."))
    verdict = request.args.get("verdict", "certify")
    if verdict not in oversight.VERDICTS:
        abort(400)
    reason = (request.args.get("reason") or "").strip()[: oversight.MAX_REASON]
    obj = oversight.certification_object(result, verdict, reason, format_time(clock.now().replace(microsecond=0)))
    return render_template("record/certify.html", meeting=meeting, result=result, verdict=verdict,
                           document_text=canonical_bytes(obj).decode("utf-8"))


# --------------------------------------------------------------------------- R26: objections to the result


@bp.post("/meetings/<id:meeting_id>/objections")
@meeting_required(published=True)
def object_to_result(meeting: Meeting):
    """An owner on the roll files an objection to the preliminary result (form: text, motion)."""
    target = url_for("meetings.result", meeting_id=meeting.id)
    motion = (request.form.get("motion") or "").strip()
    return _done(target, lambda: objections.file_objection(meeting, actor=current_user,
                                                           text=request.form.get("text", ""),
                                                           motion_id=int(motion) if motion.isdigit() else None),
                 _("Your objection was filed. The convening body must answer it; the answer is in the record."))


@bp.route("/objections/<id:objection_id>/answer", methods=["GET", "POST"])
@login_required
def answer_objection(objection_id: int):
    """Step 1 (GET ?decision=&answer=): the answer object to sign; step 2 (POST): its signature."""
    row = db.session.get(ResultObjection, objection_id)
    if row is None:
        abort(404)
    meeting = load_meeting(row.meeting_id, lambda user, community: objections.may_answer(user, meeting_of(row)))
    target = url_for("meetings.result", meeting_id=meeting.id)
    if request.method == "POST":
        return _done(target, lambda: objections.answer_objection(row, _signed("answer"), actor=current_user),
                     _("Your signed answer was recorded and sent to the owner who objected."))
    decision = request.args.get("decision", "dismiss")
    if decision not in ("uphold", "dismiss"):
        abort(400)
    answer = (request.args.get("answer") or "").strip()[: objections.MAX_TEXT]
    obj = objections.answer_document(row, decision, answer, format_time(clock.now().replace(microsecond=0)))
    return render_template("record/answer_objection.html", meeting=meeting, objection=row, decision=decision,
                           answer=answer, document_text=canonical_bytes(obj).decode("utf-8"))


def meeting_of(row: ResultObjection) -> Meeting:
    return db.session.get(Meeting, row.meeting_id)


# --------------------------------------------------------------------------- proxies


@bp.get("/meetings/<id:meeting_id>/proxies")
@meeting_required(published=True)
def proxies_page(meeting: Meeting):
    """The owner names a proxy (signed on the device, delegation.js); the proxy accepts."""
    mine = persons_for(meeting, current_user)
    person = mine[0].person if mine else None
    given = _with_lapses(meeting, list(db.session.scalars(select(Delegation).where(
        Delegation.meeting_id == meeting.id, Delegation.principal == person).order_by(Delegation.id)))) \
        if person else []
    held = _with_lapses(meeting, list(db.session.scalars(select(Delegation).where(
        Delegation.meeting_id == meeting.id, Delegation.proxy_user_id == current_user.id).order_by(Delegation.id))))
    wanted = (request.args.get("proxy") or "").strip()
    proxy_user = None
    if wanted and person:
        proxy_user = db.session.scalar(select(User).where(User.username == wanted))
        if proxy_user is None:
            flash(_("No account with this user name."), "error")
    context = None
    if person and proxy_user is not None:
        context = {"community": str(meeting.community_id), "meeting": str(meeting.id), "principal": person,
                   "proxy": str(proxy_user.id), "agenda_hash": meeting.agenda_hash,
                   "motions": [str(m.id) for m in meeting.motions],
                   "url": url_for("record_api.create_delegation", meeting_id=meeting.id), "user": current_user.id}
    return render_template("record/proxies.html", meeting=meeting, person=person, given=given, held=held,
                           proxy_user=proxy_user, context=context, cap=proxy_cap(meeting.community),
                           is_open=meeting.status in (MeetingStatus.ANNOUNCED, MeetingStatus.OPEN))


@bp.post("/delegations/<id:delegation_id>/accept")
@login_required
def accept(delegation_id: int):
    d = db.session.get(Delegation, delegation_id)
    if d is None:
        abort(404)
    meeting = load_meeting(d.meeting_id)
    target = url_for("record.proxies_page", meeting_id=meeting.id)
    if d.proxy_user_id != current_user.id:
        abort(403)
    try:
        proxies.accept_delegation(d, actor=current_user)
    except DomainError as err:
        return _fail(err, target)
    flash(_("You accepted to vote as proxy. Vote on the ballot page for the owner, following their instructions."),
          "success")
    return redirect(target), 303


# --------------------------------------------------------------------------- paper ballots


@bp.route("/meetings/<id:meeting_id>/paper", methods=["GET", "POST"])
@meeting_required(can_see_paper)
def paper_index(meeting: Meeting):
    target = url_for("record.paper_index", meeting_id=meeting.id)
    if request.method == "POST":
        if not can_enter_paper(current_user, meeting.community):
            abort(403)
        upload = request.files.get("scan")
        scan = upload.read(paper.DEFAULT_MAX_SCAN * 4 + 1) if upload else b""
        try:
            row = paper.enter_paper_ballot(meeting, _body(), scan, actor=current_user)
        except DomainError as err:
            return _fail(err, target)
        flash(_("The paper ballot was entered. A second committee member must now attest it."), "success")
        return redirect(url_for("record.paper_show", paper_id=row.id)), 303
    persons = []
    if meeting.is_published:
        units: dict[int, list[str]] = {}
        for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id)
                                    .order_by(RollUnit.unit)):
            units.setdefault(u.roll_person_id, []).append(u.unit)
        persons = [(p.person, ", ".join(units.get(p.id, [])))
                   for p in db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id))]
        persons.sort(key=lambda p: p[1])
    context = {"community": str(meeting.community_id), "meeting": str(meeting.id),
               "roll_hash": meeting.roll_hash or "", "motions": [str(m.id) for m in meeting.motions],
               "user": current_user.id, "paper_type": paper_type_for(meeting.record_version),
               "agenda_hash": meeting.agenda_hash, "closes_at": format_time(meeting.closes_at)}
    return render_template("record/paper_index.html", meeting=meeting, papers=paper.pending_for(meeting),
                           persons=persons, context=context, box=_box_view(meeting),
                           can_enter=can_enter_paper(current_user, meeting.community) and meeting.is_published)


def _box_view(meeting: Meeting) -> dict | None:
    """The sealed-box part of the paper page: the declaration (and whether this member may sign it now), and
    until when paper ballots may be entered. ``None`` while voting is open."""
    now = clock.now()
    if not meeting.is_published or now < meeting.closes_at:
        return None
    box = sealed_box.box_of(meeting)
    signed = box is not None and any(s["account"] == str(current_user.id) for s in box.signatures)
    open_ = (now <= meeting.closes_at + DECLARATION_WINDOW and not lifecycle.is_counted(meeting)
             and (box is None or not box.complete))
    return {"row": box, "ends": lifecycle.paper_grace_ends(meeting),
            "entered": sealed_box.entered_after_close(meeting)[0],
            "can_sign": open_ and not signed and is_committee(current_user, meeting.community),
            "declaration_ends": meeting.closes_at + DECLARATION_WINDOW}


@bp.post("/meetings/<id:meeting_id>/paper/sealed-box")
@meeting_required(can_see_paper)
def paper_sealed_box(meeting: Meeting):
    target = url_for("record.paper_index", meeting_id=meeting.id)
    if not is_committee(current_user, meeting.community):
        abort(403)
    try:
        box = sealed_box.sign_sealed_box(meeting, _body(), actor=current_user)
    except DomainError as err:
        return _fail(err, target)
    if box.complete:
        flash(_("The sealed box is declared: %(n)d paper ballots may still be entered.", n=box.declared), "success")
    else:
        flash(_("You signed the sealed-box declaration. A second committee member must now sign it."), "success")
    return redirect(target), 303


def _paper(paper_id: int) -> tuple[PaperBallot, Meeting]:
    row = db.session.get(PaperBallot, paper_id)
    if row is None:
        abort(404)
    return row, load_meeting(row.meeting_id, can_see_paper)


def _may_see_choices(row: PaperBallot, meeting: Meeting) -> bool:
    return may_see_paper_choices(current_user, row, meeting)


@bp.get("/paper-ballots/<id:paper_id>")
@login_required
def paper_show(paper_id: int):
    row, meeting = _paper(paper_id)
    units = list(db.session.scalars(select(RollUnit.unit).join(RollPerson, RollUnit.roll_person_id == RollPerson.id)
                                    .where(RollPerson.meeting_id == meeting.id, RollPerson.person == row.voter)))
    shown = _may_see_choices(row, meeting)
    return render_template("record/paper_show.html", meeting=meeting, paper=row, units=units,
                           ballot_text=canonical_bytes(row.ballot).decode("utf-8") if shown else None,
                           can_attest=is_committee(current_user, meeting.community)
                           and current_user.id != row.entered_by_id and row.entry_id is None,
                           context={"user": current_user.id})


@bp.post("/paper-ballots/<id:paper_id>/attest")
@login_required
def paper_attest(paper_id: int):
    row, meeting = _paper(paper_id)
    target = url_for("record.paper_show", paper_id=paper_id)
    if not is_committee(current_user, meeting.community):
        abort(403)  # who may attest at all is decided here; what follows are the domain's refusals
    try:
        entry = paper.attest_paper_ballot(row, _body(), actor=current_user)
    except DomainError as err:
        # Refusals to a committee member (their own entry, a revoked key, already attested …) are said on
        # the paper ballot's page, like every other refusal here, and store nothing.
        return _fail(err, target)
    flash(_("Attested: the paper ballot is in the ledger at position %(n)d.", n=entry.position), "success")
    return redirect(target), 303


@bp.get("/paper-ballots/<id:paper_id>/scan")
@login_required
def paper_scan(paper_id: int):
    row, meeting = _paper(paper_id)
    if not _may_see_choices(row, meeting):
        abort(409)  # the scan shows the choices: not before the preliminary result (no running tally)
    return Response(row.scan, mimetype=row.scan_type, headers={
        "Content-Disposition": f'inline; filename="paper-ballot-{row.id}"', "Cache-Control": "private, no-store"})


@bp.app_template_global()
def meeting_outcomes(meeting) -> list[dict]:
    """The signed outcome of each motion of a closed meeting, with the street office's latest verdict.

    Reads what is stored (results are materialised after close, never here); empty before that.
    """
    rows = db.session.scalars(select(MotionResult).where(MotionResult.meeting_id == meeting.id)).all()
    verdicts = {c.result_id: c.verdict for c in db.session.scalars(
        select(Certification).where(Certification.meeting_id == meeting.id).order_by(Certification.id))}
    by_motion = {r.motion_id: r for r in rows}
    statuses = lifecycle.result_statuses(meeting) if rows else {}
    out = []
    for motion in meeting.motions:
        row = by_motion.get(motion.id)
        if row is None:
            continue
        out.append({"motion": motion, "adopted": bool(row.document.get("result", {}).get("adopted")),
                    "status": statuses.get(motion.id),
                    "verdict": verdicts.get(row.id)})
    return out


from govern.record import editions as _editions  # noqa: E402,F401  (the record and scrutineer pages join bp)
