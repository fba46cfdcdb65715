"""Deliberation threads: comments with one level of replies, stances, badges, revisions, reports, moderation.

Nothing is deleted: an edit keeps the earlier text as a revision; moderation hides a comment with a public
reason (the placeholder stays; the street office still reads the content); every moderation is audited.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from govern.accounts.models import User
from govern.agenda import notifications
from govern.agenda.access import badge_for, can_moderate, can_view_community
from govern.agenda.models import Comment, CommentReport, CommentRevision, Stance, Thread
from govern.audit.services import log_action
from govern.clock import now
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from govern.inputs import MAX_ID
from govern.markdown import render
from govern.register.models import Community

COMMENT_MAX = 10_000
REASON_MAX = 500
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]{2,64})")


def find_thread(owner_kind: str, owner_id: int) -> Thread | None:
    return db.session.scalar(select(Thread).where(Thread.owner_kind == owner_kind, Thread.owner_id == owner_id))


def thread_for(community, owner_kind: str, owner_id: int) -> Thread:
    """The thread of ``(owner_kind, owner_id)``, created on first use."""
    thread = find_thread(owner_kind, owner_id)
    if thread is None:
        thread = Thread(community_id=community.id, owner_kind=owner_kind, owner_id=owner_id, created_at=now())
        db.session.add(thread)
        db.session.flush()
    return thread


def _body(data: dict) -> str:
    body = str(data.get("body") or "").strip()
    if not body:
        raise DomainError("invalid", _("Write something first."), details={"body": _("Write something first.")})
    if len(body) > COMMENT_MAX:
        raise DomainError("invalid", _("The comment is too long (at most %(n)d characters).", n=COMMENT_MAX),
                          details={"body": _("The comment is too long.")})
    return body


def post_comment(thread: Thread, data: dict, *, actor, link: tuple[str, str] = ("", "")) -> Comment:
    """Post a comment or a reply (``parent_id``) with a stance; notify the parent's author and @mentions.

    ``link`` is the (title, url) of what the thread is about, for the notifications.
    """
    body = _body(data)
    stance = data.get("stance") or Stance.NONE.value
    if stance not in {s.value for s in Stance}:
        raise DomainError("invalid", _("Unknown stance."), details={"stance": _("Unknown stance.")})
    parent = None
    if data.get("parent_id"):
        try:
            parent_id = int(data["parent_id"])
            parent = db.session.get(Comment, parent_id) if 0 < parent_id <= MAX_ID else None
        except (TypeError, ValueError):
            parent = None
        if parent is None or parent.thread_id != thread.id:
            raise DomainError("invalid", _("The comment you reply to is not in this thread."))
        if parent.parent_id is not None:  # one level of replies: answer the top-level comment
            parent = db.session.get(Comment, parent.parent_id)
    community = db.session.get(Community, thread.community_id)
    comment = Comment(community_id=thread.community_id, thread_id=thread.id, parent_id=parent.id if parent else None,
                      author_id=actor.id, stance=Stance(stance), body=body, body_html=str(render(body)),
                      badge=badge_for(actor, community), created_at=now())
    db.session.add(comment)
    if parent is None:
        thread.comment_count = (thread.comment_count or 0) + 1
    db.session.flush()
    log_action("comment.post", actor=actor, community=thread.community_id, obj=comment,
           data={"thread": thread.id, "parent": comment.parent_id, "stance": stance})
    title, url = link
    url = f"{url}#c{comment.id}" if url else ""
    who = actor.name
    if parent is not None:
        notifications.notify([parent.author_id], "reply", community=thread.community_id, url=url, exclude=actor.id,
                             title=title, who=who)
    names = set(MENTION.findall(body))
    if names:
        users = db.session.scalars(select(User).where(User.username.in_(names))).all()
        ids = [u.id for u in users if can_view_community(u, community)]
        if parent is not None:
            ids = [i for i in ids if i != parent.author_id]
        notifications.notify(ids, "mention", community=thread.community_id, url=url, exclude=actor.id,
                             title=title, who=who)
    return comment


def edit_comment(comment: Comment, data: dict, *, actor) -> Comment:
    """The author edits a comment; the earlier text is kept as a revision. An identical text changes nothing."""
    if comment.author_id != actor.id:
        raise Forbidden("forbidden", _("Only the author can edit a comment."))
    if comment.is_hidden:
        raise Conflict("hidden", _("A hidden comment cannot be edited."))
    body = _body(data)
    if body == comment.body:
        return comment
    db.session.add(CommentRevision(community_id=comment.community_id, comment_id=comment.id, body=comment.body,
                                   created_at=comment.edited_at or comment.created_at, replaced_at=now()))
    comment.body, comment.body_html = body, str(render(body))
    comment.edited_at = now()
    comment.revision_count = (comment.revision_count or 0) + 1
    db.session.flush()
    log_action("comment.edit", actor=actor, community=comment.community_id, obj=comment,
           data={"revision": comment.revision_count})
    return comment


def report_comment(comment: Comment, data: dict, *, actor) -> CommentReport:
    """An owner reports a comment to the moderators (once per comment)."""
    exists = db.session.scalar(select(CommentReport.id).where(CommentReport.comment_id == comment.id,
                                                              CommentReport.reporter_id == actor.id))
    if exists is not None:
        raise Conflict("already_reported", _("You have already reported this comment."))
    report = CommentReport(community_id=comment.community_id, comment_id=comment.id, reporter_id=actor.id,
                           reason=str(data.get("reason") or "").strip()[:REASON_MAX], created_at=now())
    db.session.add(report)
    comment.report_count = (comment.report_count or 0) + 1
    db.session.flush()
    log_action("comment.report", actor=actor, community=comment.community_id, obj=comment,
           data={"reason": report.reason})
    return report


def hide_comment(comment: Comment, data: dict, *, actor) -> Comment:
    """A moderator hides a comment with a public reason; the content is kept (auditors still read it)."""
    if not can_moderate(actor, db.session.get(Community, comment.community_id)):
        raise Forbidden("forbidden", _("Only committee members moderate threads."))
    if comment.is_hidden:
        raise Conflict("hidden", _("This comment is already hidden."))
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise DomainError("invalid", _("Hiding a comment needs a public reason."),
                          details={"reason": _("Hiding a comment needs a public reason.")})
    comment.is_hidden, comment.hidden_reason = True, reason[:REASON_MAX]
    comment.hidden_at, comment.hidden_by_id = now(), actor.id
    for report in db.session.scalars(select(CommentReport).where(CommentReport.comment_id == comment.id,
                                                                 CommentReport.resolved_at.is_(None))):
        report.resolved_at = now()
    db.session.flush()
    log_action("comment.hide", actor=actor, community=comment.community_id, obj=comment,
           data={"reason": comment.hidden_reason, "author": comment.author_id})
    return comment


def comments_page(thread: Thread | None, page: int = 1, per_page: int = 50):
    """A page of top-level comments with their replies and authors loaded in three queries (no N+1)."""
    if thread is None:
        return None
    stmt = (
        select(Comment).where(Comment.thread_id == thread.id, Comment.parent_id.is_(None)).order_by(Comment.id)
        .options(selectinload(Comment.author), selectinload(Comment.replies).selectinload(Comment.author))
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
