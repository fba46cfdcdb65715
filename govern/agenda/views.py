"""Agenda pages: proposals list, detail with co-signing and thread, drafts, committee queue, notifications."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from govern.accounts.access import community_required, user_communities
from govern.agenda import access, labels, notifications, services, threads
from govern.agenda import demo as _demo  # noqa: F401 - registers the demo step
from govern.agenda import panels as _panels  # noqa: F401 - registers the home panel provider
from govern.agenda.forms import (
    ActionForm,
    AttachmentForm,
    CommentForm,
    EditCommentForm,
    ProposalForm,
    ReasonForm,
    ReviewForm,
)
from govern.agenda.models import (
    Attachment,
    Comment,
    CommentRevision,
    Notification,
    Proposal,
    ProposalKind,
    ProposalState,
)
from govern.errors import DomainError
from govern.extensions import db
from govern.markdown import render
from govern.register.models import Owner, mask_name

bp = Blueprint("agenda", __name__)
labels.register(bp)

PER_PAGE = 50


@bp.app_context_processor
def _unread():
    """The top bar's unread count (``templates/base.html`` reads ``unread_count``)."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"unread_count": notifications.unread_count(current_user)}


@bp.app_template_filter("markdown")
def _markdown(text: str):
    return render(text)


def load_proposal(community, pid: int) -> Proposal:
    """The proposal of this community that the user may read; 404 otherwise (drafts are not disclosed)."""
    proposal = db.session.get(Proposal, pid)
    if proposal is None or proposal.community_id != community.id or not access.can_read_proposal(current_user,
                                                                                                  proposal):
        abort(404)
    return proposal


def load_comment(community, cid: int) -> tuple[Comment, Proposal]:
    comment = db.session.get(Comment, cid)
    if comment is None or comment.community_id != community.id:
        abort(404)
    thread = db.session.get(threads.Thread, comment.thread_id)
    if thread.owner_kind != "proposal":
        abort(404)
    return comment, load_proposal(community, thread.owner_id)


def _fail(err: DomainError) -> None:
    db.session.rollback()
    flash(err.message, "error")


def _detail(proposal: Proposal, anchor: str = ""):
    return redirect(url_for("agenda.detail", slug=proposal.community.slug, pid=proposal.id) + anchor)


STATE_ORDER = [s.value for s in ProposalState if s != ProposalState.DRAFT]


@bp.get("/c/<slug>/proposals/")
@community_required()
def index(community):
    state = request.args.get("state", "")
    kind = request.args.get("kind", "")
    stmt = select(Proposal).where(Proposal.community_id == community.id)
    if state == "draft":
        stmt = stmt.where(Proposal.state == ProposalState.DRAFT, Proposal.author_id == current_user.id)
    elif state in STATE_ORDER:
        stmt = stmt.where(Proposal.state == state)
    else:
        state = ""
        stmt = stmt.where(Proposal.state != ProposalState.DRAFT)
    if kind in {k.value for k in ProposalKind}:
        stmt = stmt.where(Proposal.kind == kind)
    page = db.paginate(stmt.order_by(Proposal.id.desc()), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    counts = dict(db.session.execute(
        select(Proposal.state, func.count(Proposal.id)).where(Proposal.community_id == community.id,
                                                              Proposal.state != ProposalState.DRAFT)
        .group_by(Proposal.state)).all())
    my_drafts = db.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.community_id == community.id, Proposal.state == ProposalState.DRAFT,
        Proposal.author_id == current_user.id))
    return render_template("agenda/index.html", page=page, state=state, kind=kind, states=STATE_ORDER,
                           counts={getattr(k, "value", k): v for k, v in counts.items()}, my_drafts=my_drafts,
                           can_propose=access.can_propose(current_user, community),
                           can_queue=access.can_review_queue(current_user, community))


@bp.route("/c/<slug>/proposals/new", methods=["GET", "POST"])
@community_required(access.can_propose)
def new(community):
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(community, form.data, actor=current_user)
        except DomainError as err:
            _fail(err)
        else:
            flash(_("Draft saved. Add attachments if needed, then open it for co-signing."), "success")
            return redirect(url_for("agenda.edit", slug=community.slug, pid=proposal.id))
    return render_template("agenda/form.html", form=form, proposal=None, attach_form=None)


@bp.route("/c/<slug>/proposals/<id:pid>/edit", methods=["GET", "POST"])
@community_required()
@access.proposal_required(access.is_author)
def edit(community, proposal):
    if not access.can_edit_proposal(current_user, proposal):
        flash(_("Only a draft can be edited."), "error")
        return _detail(proposal)
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data, form.matter.data = proposal.kind.value, proposal.matter.value
    if form.validate_on_submit():
        try:
            services.update_proposal(proposal, form.data, actor=current_user)
        except DomainError as err:
            _fail(err)
        else:
            flash(_("Draft saved."), "success")
            return redirect(url_for("agenda.edit", slug=community.slug, pid=proposal.id))
    return render_template("agenda/form.html", form=form, proposal=proposal, attach_form=AttachmentForm(),
                           open_form=ActionForm())


@bp.post("/c/<slug>/proposals/<id:pid>/attachments")
@community_required()
@access.proposal_required(access.is_author)
def upload(community, proposal):
    form = AttachmentForm()
    if form.validate_on_submit() and form.file.data:
        limit = services.DEFAULT_MAX_ATTACHMENT
        from flask import current_app

        limit = int(current_app.config.get("AGENDA_MAX_ATTACHMENT_BYTES", limit))
        content = form.file.data.stream.read(limit + 1)
        try:
            services.add_attachment(proposal, form.file.data.filename or "", content, actor=current_user)
        except DomainError as err:
            _fail(err)
        else:
            flash(_("Attachment added."), "success")
    else:
        flash(_("Choose a file."), "error")
    if proposal.state == ProposalState.DRAFT:
        return redirect(url_for("agenda.edit", slug=community.slug, pid=proposal.id))
    return _detail(proposal)


@bp.get("/c/<slug>/proposals/<id:pid>/attachments/<id:aid>")
@community_required()
@access.proposal_required()
def attachment(community, proposal, aid):
    att = db.session.get(Attachment, aid)
    if att is None or att.proposal_id != proposal.id:
        abort(404)
    path = services.attachment_path(att)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=att.content_type, as_attachment=att.content_type == "application/pdf",
                     download_name=att.filename, max_age=0)


@bp.post("/c/<slug>/proposals/<id:pid>/open")
@community_required()
@access.proposal_required(access.is_author)
def open_(community, proposal):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.open_proposal(proposal, actor=current_user)
    except DomainError as err:
        _fail(err)
    else:
        flash(_("The proposal is open for co-signing."), "success")
    return _detail(proposal)


@bp.post("/c/<slug>/proposals/<id:pid>/withdraw")
@community_required()
@access.proposal_required(access.is_author)
def withdraw(community, proposal):
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.withdraw_proposal(proposal, form.data, actor=current_user)
    except DomainError as err:
        _fail(err)
    else:
        flash(_("The proposal was withdrawn."), "success")
    return _detail(proposal)


@bp.post("/c/<slug>/proposals/<id:pid>/cosign")
@community_required()
@access.proposal_required(access.of_community(access.is_confirmed_owner))
def cosign(community, proposal):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.cosign_proposal(proposal, actor=current_user)
    except DomainError as err:
        _fail(err)
    else:
        flash(_("Thank you: your co-signature is recorded."), "success")
    return _detail(proposal, "#cosign")


@bp.post("/c/<slug>/proposals/<id:pid>/review")
@community_required()
@access.proposal_required(access.of_community(access.is_committee))
def review(community, proposal):
    """Record the committee's decision; a refused one shows the form again as sent, its error at the form."""
    form = ReviewForm()
    form.motion_matter.validate_choice = False
    if not form.validate_on_submit():
        return _detail_page(community, proposal, form, _("Please correct the marked fields.")), 400
    try:
        services.review_proposal(proposal, form.data, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        shown = False  # each error once: next to its field, or above the form when it names none
        for name, msg in err.details.items():
            target = getattr(form, name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, msg]
                shown = True
        return _detail_page(community, proposal, form, None if shown else err.message), err.status
    flash(_("The decision is recorded and published on the timeline."), "success")
    return _detail(proposal, "#review")


def _signers(proposal: Proposal, roll) -> list[dict]:
    """Co-signers for the public list: masked owner names, unit count, time."""
    refs = set()
    persons = {}
    for s in proposal.signatures:
        try:
            persons[s.person_id] = roll.person(s.person_id)
        except KeyError:
            continue
        refs.update(persons[s.person_id].owners)
    names = dict(db.session.execute(select(Owner.ref, Owner.name).where(
        Owner.community_id == proposal.community_id, Owner.ref.in_(refs))).all()) if refs else {}
    out = []
    for s in proposal.signatures:
        person = persons.get(s.person_id)
        if person is None:
            continue
        label = "、".join(mask_name(names.get(r, "")) or "**" for r in person.owners)
        out.append({"name": label, "units": len(person.units), "at": s.created_at, "carried": s.carried_from_id})
    return out


@bp.get("/c/<slug>/proposals/<id:pid>")
@community_required()
@access.proposal_required()
def detail(community, proposal):
    return _detail_page(community, proposal)


def _detail_page(community, proposal, review_form: ReviewForm | None = None, review_error: str | None = None):
    """The proposal page; after a refused decision, with the form as it was sent and the error at the form."""
    roll = services.community_roll(community)
    prog = services.progress(proposal, roll) if proposal.state != ProposalState.DRAFT else None
    mine = services.persons_of(current_user, community, roll)
    signed = {s.person_id for s in proposal.signatures}
    thread = threads.find_thread("proposal", proposal.id)
    comments = threads.comments_page(thread, request.args.get("page", 1, type=int), PER_PAGE)
    decide = access.can_decide(current_user, proposal)
    candidates = []
    if not decide:
        review_form = None
    else:
        review_form = review_form or ReviewForm(motion_title=proposal.title, motion_text=proposal.body,
                                                motion_matter=proposal.matter.value)
        others = db.session.scalars(select(Proposal).where(
            Proposal.community_id == community.id,
            Proposal.state.in_([ProposalState.OPEN, ProposalState.REVIEW, ProposalState.ACCEPTED]))).all()
        candidates = services.likely_duplicates(proposal, list(others))
    return render_template(
        "agenda/detail.html", proposal=proposal, progress=prog, signers=_signers(proposal, roll),
        events=proposal.events, comments=comments, thread=thread,
        i_signed=bool(mine) and all(p.id in signed for p in mine), has_person=bool(mine),
        can_cosign=access.can_cosign(current_user, proposal),
        can_withdraw=access.can_withdraw(current_user, proposal),
        can_edit=access.can_edit_proposal(current_user, proposal),
        can_decide=decide,
        interest=access.is_committee(current_user, community)
        and proposal.state in (ProposalState.OPEN, ProposalState.REVIEW)
        and access.has_interest(current_user, proposal),
        can_comment=access.can_comment(current_user, community) and proposal.state != ProposalState.DRAFT,
        can_moderate=access.can_moderate(current_user, community),
        can_report=access.can_report(current_user, community),
        see_hidden=access.can_see_hidden(current_user, community),
        review_form=review_form, review_error=review_error, duplicates=candidates, action_form=ActionForm(),
        reason_form=ReasonForm(),
        comment_form=CommentForm(), overdue=proposal.is_overdue(services.now()),
    )


@bp.post("/c/<slug>/proposals/<id:pid>/comments")
@community_required()
@access.proposal_required(access.of_community(access.can_comment))
def comment(community, proposal):
    form = CommentForm()
    if not form.validate_on_submit():
        for errs in form.errors.values():
            for e in errs:
                flash(e, "error")
        return _detail(proposal, "#thread")
    if proposal.state == ProposalState.DRAFT:
        abort(409)
    try:
        thread = threads.thread_for(community, "proposal", proposal.id)
        c = threads.post_comment(thread, form.data, actor=current_user,
                                 link=(proposal.title, services.proposal_url(proposal)))
    except DomainError as err:
        _fail(err)
        return _detail(proposal, "#thread")
    return _detail(proposal, f"#c{c.id}")


@bp.route("/c/<slug>/comments/<id:cid>/edit", methods=["GET", "POST"])
@community_required()
def edit_comment(community, cid):
    comment, proposal = load_comment(community, cid)
    if comment.author_id != current_user.id:
        abort(403)
    form = EditCommentForm(body=comment.body) if request.method == "GET" else EditCommentForm()
    if form.validate_on_submit():
        try:
            threads.edit_comment(comment, form.data, actor=current_user)
        except DomainError as err:
            _fail(err)
        else:
            return _detail(proposal, f"#c{comment.id}")
    return render_template("agenda/comment_edit.html", form=form, comment=comment, proposal=proposal)


@bp.get("/c/<slug>/comments/<id:cid>/history")
@community_required()
def history(community, cid):
    comment, proposal = load_comment(community, cid)
    see = not comment.is_hidden or access.can_see_hidden(current_user, community)
    revisions = db.session.scalars(select(CommentRevision).where(CommentRevision.comment_id == comment.id)
                                   .order_by(CommentRevision.id)).all() if see else []
    return render_template("agenda/history.html", comment=comment, proposal=proposal, revisions=revisions, see=see)


@bp.post("/c/<slug>/comments/<id:cid>/report")
@community_required()
def report(community, cid):
    comment, proposal = load_comment(community, cid)
    if not access.can_report(current_user, community):
        abort(403)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        threads.report_comment(comment, form.data, actor=current_user)
    except DomainError as err:
        _fail(err)
    else:
        flash(_("Thank you: the moderators will look at this comment."), "success")
    return _detail(proposal, f"#c{comment.id}")


@bp.post("/c/<slug>/comments/<id:cid>/hide")
@community_required()
def hide(community, cid):
    comment, proposal = load_comment(community, cid)
    if not access.can_moderate(current_user, community):
        abort(403)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        threads.hide_comment(comment, form.data, actor=current_user)
    except DomainError as err:
        _fail(err)
    else:
        flash(_("The comment is hidden; the reason is shown in its place."), "success")
    return _detail(proposal, f"#c{comment.id}")


@bp.get("/c/<slug>/review")
@community_required(access.can_review_queue)
def queue(community):
    state = request.args.get("state", "review")
    kind = request.args.get("kind", "")
    q = request.args.get("q", "").strip()
    states = [ProposalState.OPEN.value, ProposalState.REVIEW.value] if state == "all" else [state]
    if not set(states) <= {s.value for s in ProposalState} - {"draft"}:
        state, states = "review", [ProposalState.REVIEW.value]
    stmt = select(Proposal).where(Proposal.community_id == community.id, Proposal.state.in_(states))
    if kind in {k.value for k in ProposalKind}:
        stmt = stmt.where(Proposal.kind == kind)
    if q:
        stmt = stmt.where(Proposal.title.contains(q, autoescape=True))
    rows = db.session.scalars(stmt.order_by(Proposal.review_at, Proposal.id)).all()
    live = db.session.scalars(select(Proposal).where(
        Proposal.community_id == community.id,
        Proposal.state.in_([ProposalState.OPEN, ProposalState.REVIEW, ProposalState.ACCEPTED]))).all()
    roll = services.community_roll(community)
    items = [{"proposal": p, "progress": services.progress(p, roll),
              "duplicates": services.likely_duplicates(p, list(live)),
              "interest": access.has_interest(current_user, p)} for p in rows]
    return render_template("agenda/queue.html", items=items, state=state, kind=kind, q=q,
                           overdue=services.overdue_petitions(community), moment=services.now())


@bp.get("/c/<slug>/proposals/overdue")
@community_required(access.can_see_overdue)
def overdue(community):
    return render_template("agenda/overdue.html", overdue=services.overdue_petitions(community))


@bp.get("/notifications")
@login_required
def notifications_page():
    """Across communities; a member of one community is sent to its inbox (messages and notices, issue #16)."""
    communities = user_communities(current_user)
    if len(communities) == 1 and "page" not in request.args:
        return redirect(url_for("delivery.inbox", slug=communities[0].slug))
    page = db.paginate(select(Notification).where(Notification.user_id == current_user.id)
                       .order_by(Notification.id.desc()), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    return render_template("agenda/notifications.html", page=page, message=notifications.message,
                           form=ActionForm(), communities=communities)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    return redirect(url_for("agenda.notifications_page"))
