"""JSON API of minutes: an assembly's minutes (read, PDF) and the committee's meetings with their minutes.

The same predicates and services as the pages (``govern.minutes.views``): owners read published minutes; the
committee, the street office and admins also read the current draft (``can_read_committee_drafts``). The PDF
comes from the same content-addressed cache as the page's address; while it is being rendered the answer is
202 ``pdf_pending`` with ``Retry-After``, and a failed rendering is 503 ``pdf_failed``.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import can_view_community, user_communities
from govern.api import api_login_required, api_time, make_blueprint
from govern.errors import DomainError, NotFound
from govern.extensions import db
from govern.meetings.access import meeting_required
from govern.minutes import services
from govern.minutes.access import can_read_committee_drafts, can_view_committee_meeting, can_view_committee_minutes
from govern.minutes.models import CommitteeMeeting, MinutesRevision
from govern.minutes.views import assembly_pdf_context
from govern.pdf.views import serve_pdf

bp = make_blueprint("minutes_api", __name__)

#: Most committee meetings one list answer carries (newest first).
LIST_LIMIT = 200


def revision_json(revision: MinutesRevision | None) -> dict | None:
    if revision is None:
        return None
    return {"version": revision.number, "stage": revision.stage, "text": revision.text,
            "sections": revision.sections, "content_hash": revision.content_hash,
            "created_at": api_time(revision.created_at), "approved_at": api_time(revision.approved_at),
            "published_at": api_time(revision.published_at),
            "approvals": [{"account": str(a.user_id), "key_id": a.key_id, "fingerprint": a.fingerprint,
                           "signature": a.signature, "at": api_time(a.created_at)} for a in revision.approvals]}


@bp.get("/meetings/<id:assembly_id>/minutes")
@api_login_required
@meeting_required(arg="assembly_id")
def assembly_minutes(meeting):
    """The assembly's published minutes; for those who read drafts also the current version (``current``)."""
    minutes = services.minutes_of(meeting)
    drafts = can_read_committee_drafts(current_user, meeting.community)
    return jsonify({
        "meeting": str(meeting.id),
        "published": revision_json(minutes.published_revision if minutes else None),
        "current": revision_json(minutes.current_revision if minutes else None) if drafts else None,
        "versions": [r.number for r in minutes.revisions] if minutes and drafts else None,
    })


@bp.get("/meetings/<id:assembly_id>/minutes.pdf")
@api_login_required
@meeting_required(arg="assembly_id")
def assembly_minutes_pdf(meeting):
    """The published minutes as PDF; ``?draft=1`` the current draft (for those who read drafts). 404 when there
    is none."""
    draft = request.args.get("draft", "0")
    if draft not in ("0", "1"):
        raise DomainError("bad_request", _("draft must be 0 or 1."), status=400)
    minutes = services.minutes_of(meeting)
    draft_wanted = draft == "1" and can_read_committee_drafts(current_user, meeting.community)
    revision = (minutes.current_revision if draft_wanted else minutes.published_revision) if minutes else None
    if revision is None:
        raise NotFound("not_found", _("There are no minutes of this meeting yet."))
    answer = serve_pdf(
        kind="minutes", subject_type="meeting", subject_id=meeting.id, community=meeting.community,
        template="minutes/pdf/assembly_minutes.html", filename=f"minutes-{meeting.id}-v{revision.number}.pdf",
        context=assembly_pdf_context(meeting, revision, draft=draft_wanted and revision.published_at is None),
    )
    if isinstance(answer, tuple):  # the status page: queued (202) or failed (503)
        if answer[1] == 503:
            raise DomainError("pdf_failed", _("The PDF could not be rendered. Please try again later."), status=503)
        body = jsonify({"status": "pending", "retry_after": 5})
        return body, 202, {"Retry-After": "5"}
    return answer


def committee_meeting_json(cm: CommitteeMeeting, *, full: bool = False) -> dict:
    out = {"id": cm.id, "community": cm.community.slug, "title": cm.title, "location": cm.location,
           "starts_at": api_time(cm.starts_at), "agenda_published_at": api_time(cm.agenda_published_at),
           "held_at": api_time(cm.held_at), "minutes_published_at": api_time(cm.published_at)}
    if full:
        out["items"] = [{"position": i.position, "title": i.title, "text": i.text, "art278_item": i.art278_item,
                         "decided_at": api_time(i.decided_at), "adopted": i.adopted,
                         "agree": i.agree, "oppose": i.oppose, "abstain": i.abstain} for i in cm.items]
        shown = can_view_committee_minutes(current_user, cm)
        out["minutes"] = {"text": cm.minutes_text, "document": cm.minutes_document, "hash": cm.minutes_hash,
                          "closed_at": api_time(cm.minutes_closed_at), "is_late": cm.is_late,
                          "signatures": [{"account": str(s.user_id), "key_id": s.key_id, "signature": s.signature,
                                          "at": api_time(s.created_at)} for s in cm.signatures]} if shown else None
    return out


@bp.get("/committee-meetings")
@api_login_required
def list_committee_meetings():
    """Committee meetings of the caller's communities (``community``: one slug): published agendas for everyone,
    drafts too for those who read drafts."""
    slug = request.args.get("community")
    communities = [c for c in user_communities(current_user) if not slug or c.slug == slug]
    rows = []
    for community in communities:
        stmt = select(CommitteeMeeting).where(CommitteeMeeting.community_id == community.id)
        if not can_read_committee_drafts(current_user, community):
            stmt = stmt.where(CommitteeMeeting.agenda_published_at.is_not(None))
        rows += db.session.scalars(stmt.order_by(CommitteeMeeting.starts_at.desc()).limit(LIST_LIMIT)).all()
    rows.sort(key=lambda cm: (cm.starts_at, cm.id), reverse=True)
    return jsonify({"committee_meetings": [committee_meeting_json(cm) for cm in rows[:LIST_LIMIT]]})


@bp.get("/committee-meetings/<id:cm_id>")
@api_login_required
def get_committee_meeting(cm_id: int):
    """One committee meeting with its agenda and votes; ``minutes`` when the caller may read them (else null)."""
    cm = db.session.get(CommitteeMeeting, cm_id)
    if cm is None or not can_view_community(current_user, cm.community) or not can_view_committee_meeting(
            current_user, cm):
        raise NotFound("not_found", _("There is no such committee meeting."))
    return jsonify(committee_meeting_json(cm, full=True))
