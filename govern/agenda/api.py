"""JSON API of the agenda: the same access predicates and services as the pages."""

from __future__ import annotations

from functools import lru_cache

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from govern import ROOT
from govern.accounts.access import can_view_community, is_committee, is_confirmed_owner, user_communities
from govern.agenda import access, services, threads
from govern.agenda.models import Comment, Proposal, ProposalState
from govern.api import api_login_required, json_body, make_blueprint
from govern.errors import DomainError, Forbidden, NotFound
from govern.extensions import db
from govern.markdown import render
from govern.register.models import Community

bp = make_blueprint("agenda_api", __name__)


def _ts(dt) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def proposal_json(p: Proposal, *, full: bool = False) -> dict:
    prog = services.progress(p) if p.state != ProposalState.DRAFT else None
    out = {
        "id": p.id, "community": p.community.slug, "kind": p.kind.value, "state": p.state.value, "title": p.title,
        "item": p.item, "matter": p.matter.value, "author": p.author.name, "created_at": _ts(p.created_at),
        "opened_at": _ts(p.opened_at), "review_at": _ts(p.review_at), "decided_at": _ts(p.decided_at),
        "progress": None if prog is None else {
            "signed_persons": prog.signed_persons, "signed_area": prog.signed_area,
            "total_persons": prog.total_persons, "total_area": prog.total_area,
            "required_persons": prog.required_persons, "required_area": prog.required_area, "met": prog.met,
        },
    }
    if full:
        out.update({
            "body": p.body, "body_html": str(services_render(p.body)), "decision_reason": p.decision_reason,
            "merged_into": p.merged_into_id, "convene_by": _ts(p.convene_by), "convened_at": _ts(p.convened_at),
            "overdue": p.is_overdue(services.now()),
            "motion": None if p.state != ProposalState.ACCEPTED else {
                "title": p.motion_title, "text": p.motion_text, "matter": p.motion_matter.value},
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                             "sha256": a.sha256} for a in p.attachments],
            "timeline": [{"kind": e.kind, "at": _ts(e.created_at), "actor": e.actor.name if e.actor else None,
                          "note": e.note} for e in p.events],
        })
    return out


def services_render(text: str):
    return render(text)


@bp.get("/proposals")
@api_login_required
def list_proposals():
    """Proposals of the caller's communities (drafts: the caller's own), filtered by ``state`` and ``community``."""
    communities = user_communities(current_user)
    slug = request.args.get("community")
    if slug:
        communities = [c for c in communities if c.slug == slug]
    ids = [c.id for c in communities]
    stmt = select(Proposal).where(Proposal.community_id.in_(ids or [0]))
    state = request.args.get("state")
    if state:
        if state not in {s.value for s in ProposalState}:
            raise DomainError("bad_request", _("Unknown state."))
        stmt = stmt.where(Proposal.state == state)
    stmt = stmt.where((Proposal.state != ProposalState.DRAFT) | (Proposal.author_id == current_user.id))
    rows = db.session.scalars(stmt.order_by(Proposal.id.desc()).limit(500)).all()
    return jsonify({"proposals": [proposal_json(p) for p in rows]})


@bp.post("/proposals")
@api_login_required
def create_proposal():
    """Draft a proposal: ``{"community", "title", "body", "item", "matter", "kind", "open": bool}``."""
    data = json_body(required=("community", "title"), types={
        "community": str, "title": str, "body": str, "item": str, "matter": str, "kind": str, "open": bool})
    community = db.session.scalar(select(Community).where(Community.slug == str(data["community"])))
    if community is None or not can_view_community(current_user, community):
        raise NotFound("not_found", _("No such community."))
    if not access.can_propose(current_user, community):
        raise Forbidden("forbidden", _("Only confirmed owners and property staff can propose."))
    proposal = services.create_proposal(community, data, actor=current_user)
    if data.get("open"):
        services.open_proposal(proposal, actor=current_user)
    return jsonify(proposal_json(proposal, full=True)), 201


@bp.get("/proposals/<id:pid>")
@api_login_required
@access.proposal_required()
def get_proposal(proposal):
    return jsonify(proposal_json(proposal, full=True))


@bp.post("/proposals/<id:pid>/cosign")
@api_login_required
@access.proposal_required(access.of_community(is_confirmed_owner), denied=_l("Only confirmed owners can co-sign."))
def cosign(proposal):
    rows = services.cosign_proposal(proposal, actor=current_user)
    return jsonify({"persons": [r.person_id for r in rows], "proposal": proposal_json(proposal)}), 201


@bp.post("/proposals/<id:pid>/review")
@api_login_required
@access.proposal_required(access.of_community(is_committee), denied=_l("Only committee members decide proposals."))
def review(proposal):
    """``{"action": "accept", "motion_title", "motion_text", "motion_matter"}``, ``{"action": "reject",
    "reason"}`` or ``{"action": "merge", "into", "reason"}``."""
    data = json_body(required=("action",), types={
        "action": str, "reason": str, "motion_title": str, "motion_text": str, "motion_matter": str,
        "into": (int, str)})
    services.review_proposal(proposal, data, actor=current_user)
    return jsonify(proposal_json(proposal, full=True))


def comment_json(c: Comment, see_hidden: bool) -> dict:
    show = not c.is_hidden or see_hidden
    return {
        "id": c.id, "parent_id": c.parent_id, "author": c.author.name, "badge": c.badge or None,
        "stance": c.stance.value, "created_at": _ts(c.created_at), "edited_at": _ts(c.edited_at),
        "revisions": c.revision_count, "hidden": c.is_hidden, "hidden_reason": c.hidden_reason or None,
        "body": c.body if show else None, "body_html": c.body_html if show else None,
    }


@bp.get("/proposals/<id:pid>/comments")
@api_login_required
@access.proposal_required()
def list_comments(proposal):
    page = request.args.get("page", 1, type=int)
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), 200)
    result = threads.comments_page(threads.find_thread("proposal", proposal.id), page, per_page)
    see = access.can_see_hidden(current_user, proposal.community)
    items = []
    for c in result.items if result else []:
        items.append({**comment_json(c, see), "replies": [comment_json(r, see) for r in c.replies]})
    return jsonify({"comments": items, "page": page, "pages": result.pages if result else 0,
                    "total": result.total if result else 0})


@bp.post("/proposals/<id:pid>/comments")
@api_login_required
@access.proposal_required(access.of_community(access.can_comment), denied=_l("You cannot take part in this thread."))
def post_comment(proposal):
    """``{"body", "stance": "support"|"oppose"|"question"|"none", "parent_id"}``."""
    if proposal.state == ProposalState.DRAFT:
        raise DomainError("not_open", _("A draft has no thread yet."), status=409)
    data = json_body(required=("body",), types={"body": str, "stance": str, "parent_id": (int, str)})
    thread = threads.thread_for(proposal.community, "proposal", proposal.id)
    comment = threads.post_comment(thread, data, actor=current_user,
                                   link=(proposal.title, services.proposal_url(proposal)))
    return jsonify(comment_json(comment, True)), 201


@lru_cache(maxsize=1)
def _openapi() -> dict:
    import yaml

    with open(ROOT / "docs" / "openapi.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of /api/v1 (public)."""
    try:
        return jsonify(_openapi())
    except FileNotFoundError:
        abort(404)
