"""Scrutineers (监票人) and the convening body of a meeting (issue #12 item 4).

The convening body (the committee, or the street office where it convenes, R11) names owners as the meeting's
scrutineers before voting closes. A scrutineer is a confirmed owner of the community who is not a member of the
convening body (and, with elections, not a candidate). Scrutineers read the auditor edition of the record and
countersign the result beside the convening body (``COUNTERSIGNATURE_RULE`` in :mod:`govern.meetings.lifecycle`).

:func:`is_scrutineer` is THE test of whether an account is a meeting's scrutineer; everything else asks it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from govern import clock
from govern.accounts.access import COMMITTEE, has_role
from govern.accounts.models import Role, RoleGrant
from govern.audit.services import log_action
from govern.ballots.models import Meeting, Scrutineer
from govern.errors import DomainError
from govern.extensions import db

#: The roles that make up the convening body by ``Meeting.convener`` (R11).
CONVENER_ROLES = {"committee": COMMITTEE, "street_office": (Role.AUDITOR,),
                  "preparatory": (Role.PREPARATORY,)}  # the preparatory group convenes the first assembly (#14)

#: Further reasons an owner may not be a meeting's scrutineer, registered by features above meetings (the
#: elections feature: candidates): ``(meeting, user) -> message or None``.
_exclusions: list[Callable[[Meeting, object], str | None]] = []


def scrutineer_exclusion(func):
    """Register a check that refuses a scrutineer (returns the message) or passes (``None``)."""
    _exclusions.append(func)
    return func


def convening_roles(meeting: Meeting) -> tuple:
    return CONVENER_ROLES.get(meeting.convener or "committee", COMMITTEE)


def in_convening_body(user, meeting: Meeting) -> bool:
    """The user is (now) a member of the body that convened the meeting."""
    return has_role(user, meeting.community, *convening_roles(meeting))


def active_scrutineers(meeting: Meeting) -> list[Scrutineer]:
    return list(db.session.scalars(select(Scrutineer).where(
        Scrutineer.meeting_id == meeting.id, Scrutineer.removed_at.is_(None)).order_by(Scrutineer.id)))


def scrutineer_rows(meeting: Meeting) -> list[Scrutineer]:
    """Every scrutineer ever named for the meeting, removed ones included (the record lists their dates)."""
    return list(db.session.scalars(select(Scrutineer).where(Scrutineer.meeting_id == meeting.id)
                                   .order_by(Scrutineer.id)))


def scrutineer_ids(meeting: Meeting) -> set[int]:
    return {row.user_id for row in active_scrutineers(meeting)}


def is_scrutineer(user, meeting: Meeting) -> bool:
    """``user`` is a scrutineer of ``meeting`` (named and not removed)."""
    if user is None or not getattr(user, "is_authenticated", False) or meeting is None:
        return False
    return db.session.scalar(select(Scrutineer.id).where(
        Scrutineer.meeting_id == meeting.id, Scrutineer.user_id == user.id,
        Scrutineer.removed_at.is_(None))) is not None


def can_countersign(user, meeting: Meeting) -> bool:
    """Members of the convening body (the committee, or the street office where it convened) and the meeting's
    scrutineers countersign its results."""
    return in_convening_body(user, meeting) or is_scrutineer(user, meeting)


def convening_grants(meeting: Meeting) -> list[RoleGrant]:
    """The grants of a convening role held at any time since the notice was published (or the meeting created):
    ``meeting.json``'s ``convening_body`` lists them with their dates."""
    since = meeting.published_at or meeting.created_at
    rows = db.session.scalars(select(RoleGrant).where(
        RoleGrant.community_id == meeting.community_id, RoleGrant.role.in_(list(convening_roles(meeting))),
        (RoleGrant.revoked_at.is_(None)) | (RoleGrant.revoked_at >= since)).order_by(RoleGrant.user_id,
                                                                                    RoleGrant.id))
    return list(rows)


def name_scrutineer(meeting: Meeting, user, *, actor) -> Scrutineer:
    """The convening body names ``user`` a scrutineer of ``meeting``; audit-logged. Refusals: 409
    ``window_closed`` once voting has closed, 409 ``scrutineer_ineligible`` (not a confirmed owner, a member
    of the convening body, a candidate, or already named)."""
    if clock.now() >= meeting.closes_at:
        raise DomainError("window_closed", _("Voting has closed: scrutineers are named before the close."),
                          status=409)
    if user is None or not has_role(user, meeting.community, Role.OWNER):
        raise DomainError("scrutineer_ineligible", _("A scrutineer must be a confirmed owner of this community."),
                          status=409)
    if in_convening_body(user, meeting):
        raise DomainError("scrutineer_ineligible",
                          _("A member of the body that convened the meeting cannot be its scrutineer."), status=409)
    for check in _exclusions:
        message = check(meeting, user)
        if message:
            raise DomainError("scrutineer_ineligible", message, status=409)
    if is_scrutineer(user, meeting):
        raise DomainError("scrutineer_ineligible", _("This owner is already a scrutineer of the meeting."),
                          status=409)
    row = Scrutineer(community_id=meeting.community_id, meeting_id=meeting.id, user_id=user.id,
                     named_by_id=actor.id, named_at=clock.now())
    try:
        with db.session.begin_nested():  # two members naming the same owner at once: the unique index decides
            db.session.add(row)
    except IntegrityError:
        raise DomainError("scrutineer_ineligible", _("This owner is already a scrutineer of the meeting."),
                          status=409) from None
    log_action("meeting.scrutineer_named", actor=actor, community=meeting.community_id, obj=row,
           data={"meeting": meeting.id, "user": user.id})
    return row


def remove_scrutineer(meeting: Meeting, row: Scrutineer, *, actor) -> Scrutineer:
    """Remove a scrutineer before voting closes (the row stays, with ``removed_at``); audit-logged."""
    if clock.now() >= meeting.closes_at:
        raise DomainError("window_closed", _("Voting has closed: scrutineers are named before the close."),
                          status=409)
    if row.meeting_id != meeting.id or row.removed_at is not None:
        raise DomainError("not_found", _("There is no such scrutineer."), status=404)
    row.removed_at = clock.now()
    db.session.flush()
    log_action("meeting.scrutineer_removed", actor=actor, community=meeting.community_id, obj=row,
           data={"meeting": meeting.id, "user": row.user_id})
    return row
