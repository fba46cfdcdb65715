"""Notice services: publish (with recipients frozen, deliveries queued), read receipts, acknowledgements,
reminders. Services never commit."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from govern import clock
from govern.accounts.access import COMMITTEE, has_role
from govern.accounts.models import Role, RoleGrant, User
from govern.audit.services import log_action
from govern.delivery.reminders import reminder_kind, run_reminder, schedule_reminder
from govern.delivery.services import send_message
from govern.delivery.settings import setting
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from govern.formats import format_moment
from govern.markdown import render as render_markdown
from govern.meetings import extension
from govern.notices.models import AUDIENCES, IMPORTANCE, Notice, NoticeAttachment, NoticeReceipt
from govern.notices.uploads import store_upload
from govern.register.models import Building, Community, Owner, Ownership, Unit

TITLE_MAX = 200
BODY_MAX = 20_000
MAX_ATTACHMENTS = 5
#: Roles a notice may be addressed to ("committee" means members and the chair).
AUDIENCE_ROLES = ("owner", "committee", "property_staff")


def recipients(community, audience: str, value: str = "") -> list[User]:
    """The accounts a notice reaches: confirmed owners (all, or those with a unit in one building), or a role."""
    if audience == "role":
        roles = list(COMMITTEE) if value == "committee" else [Role(value)]
        stmt = select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
            RoleGrant.community_id == community.id, RoleGrant.revoked_at.is_(None), RoleGrant.role.in_(roles))
    else:
        stmt = select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
            RoleGrant.community_id == community.id, RoleGrant.revoked_at.is_(None), RoleGrant.role == Role.OWNER)
        if audience == "building":
            in_building = (select(Owner.user_id).join(Ownership, Ownership.owner_id == Owner.id)
                           .join(Unit, Unit.id == Ownership.unit_id).join(Building, Building.id == Unit.building_id)
                           .where(Owner.community_id == community.id, Building.code == value,
                                  Owner.confirmed_at.is_not(None)))
            stmt = stmt.where(User.id.in_(in_building))
    stmt = stmt.where(User.is_active_account.is_(True)).distinct().order_by(User.id)
    return list(db.session.scalars(stmt))


def _clean(community, data: dict) -> dict:
    errors = {}
    title = (data.get("title") or "").strip()
    body = (data.get("body") or "").strip()
    importance = data.get("importance") or "normal"
    audience = data.get("audience") or "all"
    value = (data.get("audience_value") or "").strip()
    if not title:
        errors["title"] = _("A title is required.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title is too long (at most %(n)d characters).", n=TITLE_MAX)
    if len(body) > BODY_MAX:
        errors["body"] = _("The text is too long (at most %(n)d characters).", n=BODY_MAX)
    if importance not in IMPORTANCE:
        errors["importance"] = _("Choose normal or important.")
    if audience not in AUDIENCES:
        errors["audience"] = _("Choose who the notice is for.")
    elif audience == "building":
        codes = set(db.session.scalars(select(Building.code).where(Building.community_id == community.id)))
        if value not in codes:
            errors["audience_value"] = _("There is no building “%(code)s” in this community.", code=value)
    elif audience == "role" and value not in AUDIENCE_ROLES:
        errors["audience_value"] = _("Choose owners, the committee or the property staff.")
    elif audience == "all":
        value = ""
    if errors:
        raise DomainError("invalid", _("Please correct the marked fields."), details=errors)
    return {"title": title, "body": body, "importance": importance, "audience": audience, "audience_value": value}


def issuer_for(user, community) -> str:
    if has_role(user, community, *COMMITTEE):
        return "committee"
    return "street_office" if has_role(user, community, Role.AUDITOR) else "property"


def notice_path(community, notice) -> str:
    return f"/c/{community.slug}/notices/{notice.id}"


def publish_notice(community, data: dict, *, actor, files: list[tuple[str, bytes]] = ()) -> Notice:
    """Publish a notice: freeze its recipients, store attachments, queue e-mail and SMS on their channels, and
    for an important notice schedule the automatic reminder to those who have not acknowledged it."""
    clean = _clean(community, data)
    files = [(name, content) for name, content in files if name or content]
    if len(files) > MAX_ATTACHMENTS:
        raise DomainError("invalid", _("At most %(n)d attachments.", n=MAX_ATTACHMENTS))
    uploads = [store_upload("notices", name, content) for name, content in files]
    moment = clock.now()
    notice = Notice(community_id=community.id, author_id=actor.id, issuer=issuer_for(actor, community),
                    published_at=moment, **clean)
    db.session.add(notice)
    db.session.flush()
    for up in uploads:
        db.session.add(NoticeAttachment(community_id=community.id, notice_id=notice.id, filename=up.filename,
                                        content_type=up.content_type, size=up.size, sha256=up.sha256,
                                        created_at=moment))
    people = recipients(community, notice.audience, notice.audience_value)
    db.session.add_all(NoticeReceipt(community_id=community.id, notice_id=notice.id, user_id=u.id) for u in people)
    notice.recipient_count = len(people)
    db.session.flush()
    subject = (_l("Important notice: %(title)s", title=notice.title) if notice.is_important
               else _l("Notice: %(title)s", title=notice.title))
    send_message(community, people, kind="notice", template="notice",
                 context={"notice": notice, "body_html": render_markdown(notice.body)},
                 subject=subject, path=notice_path(community, notice), ref_type="notices", ref_id=notice.id,
                 in_app=False)
    if notice.is_important:
        hours = setting(community, "notice_reminder_hours")
        schedule_reminder(community, "notice_ack", notice.id, moment + timedelta(hours=hours))
    log_action("notice.publish", actor=actor, community=community, obj=notice,
           data={"title": notice.title, "importance": notice.importance, "audience": notice.audience,
                 "audience_value": notice.audience_value, "recipients": len(people),
                 "attachments": [{"sha256": u.sha256, "size": u.size, "type": u.content_type} for u in uploads]})
    return notice


def receipt_of(notice, user) -> NoticeReceipt | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id,
                                                         NoticeReceipt.user_id == user.id))


def record_view(notice, user) -> NoticeReceipt | None:
    """The read receipt: the first time a recipient opens the notice. Later views change nothing."""
    receipt = receipt_of(notice, user)
    if receipt is not None and receipt.viewed_at is None:
        receipt.viewed_at = clock.now()
        db.session.flush()
    return receipt


def acknowledge_notice(notice, *, actor) -> NoticeReceipt:
    """我已阅读: a recipient confirms having read an important notice. Acknowledging twice keeps the first time."""
    receipt = receipt_of(notice, actor)
    if receipt is None:
        raise Forbidden("not_recipient", _("This notice was not addressed to you."))
    if not notice.is_important:
        raise Conflict("not_important", _("Only important notices ask for an acknowledgement."))
    if receipt.acknowledged_at is not None:
        return receipt
    moment = clock.now()
    receipt.viewed_at = receipt.viewed_at or moment
    receipt.acknowledged_at = moment
    db.session.flush()
    log_action("notice.acknowledge", actor=actor, community=notice.community_id, obj=notice, data={"user": actor.id})
    return receipt


def remind_notice(community, notice, *, actor) -> int:
    """Remind now (or at the end of quiet hours) those who have not acknowledged (important) or opened it."""
    reminder = schedule_reminder(community, "notice_ack", notice.id, clock.now(), actor=actor)
    log_action("notice.remind", actor=actor, community=community, obj=notice, data={"reminder": reminder.id})
    return run_reminder(reminder)


def receipt_counts(notice) -> dict:
    row = db.session.execute(select(
        func.count(NoticeReceipt.id), func.count(NoticeReceipt.viewed_at), func.count(NoticeReceipt.acknowledged_at)
    ).where(NoticeReceipt.notice_id == notice.id)).one()
    return {"recipients": row[0], "viewed": row[1], "acknowledged": row[2]}


def receipts(notice) -> list[NoticeReceipt]:
    return list(db.session.scalars(select(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id)
                                   .order_by(NoticeReceipt.acknowledged_at.is_(None), NoticeReceipt.viewed_at.is_(None),
                                             NoticeReceipt.id)))


@reminder_kind("notice_ack")
def _reminder_targets(reminder, moment):
    """A notice's reminder reaches those who have not acknowledged it (an important notice) or not read it."""
    notice = db.session.get(Notice, reminder.target_id)
    if notice is None:
        return "notice gone"
    col = NoticeReceipt.acknowledged_at if notice.is_important else NoticeReceipt.viewed_at
    users = list(db.session.scalars(select(User).join(NoticeReceipt, NoticeReceipt.user_id == User.id).where(
        NoticeReceipt.notice_id == notice.id, col.is_(None), User.is_active_account.is_(True))
        .order_by(User.id)))
    community = db.session.get(Community, notice.community_id)
    return users, dict(
        kind="notice_reminder", template="notice_reminder", context={"notice": notice},
        subject=_l("Reminder: %(title)s", title=notice.title),
        path=f"/c/{community.slug}/notices/{notice.id}", ref_type="notices", ref_id=notice.id)


@extension.announcer
def announce_extension(meeting, row, actor) -> Notice:
    """R12: an extension of the voting window is announced like any notice: in the app, by e-mail and SMS to
    every owner (an important notice, with its reminder to those who have not read it)."""
    community = db.session.get(Community, meeting.community_id)
    body = _("The voting of “%(title)s” now closes at %(closes)s (Beijing time) instead of %(previous)s.\n\n"
             "Reason: %(reason)s\n\nThe motions and their texts are unchanged.",
             title=meeting.title, closes=format_moment(row.closes_at), previous=format_moment(row.previous_closes_at),
             reason=row.envelope["extension"]["reason"])
    return publish_notice(community, {"title": _("Voting extended: %(title)s", title=meeting.title)[:TITLE_MAX],
                                      "body": body, "importance": "important", "audience": "all"}, actor=actor)
