"""R30: the owners' committee's size and term, checked when committee roles are granted and before the term ends.

* Size: odd, 5 to 11 members (指导规则 art. 31); 3 allowed when the community has at most
  ``committee_three_max_households`` households (units on the register; Beijing: 100). A committee outside the
  rule is a **warning**, never a refusal: an election may leave it short and the roles must still be granted.
* Term: at most 5 years (``committee_term_years``). A committee role carries its term (``RoleGrant.term_starts_on``
  and ``term_ends_on``). :func:`start_term` is the one way to start a member's term: the elections call it when a
  member is elected; granting a committee role calls it with today (a member joining a sitting committee, e.g. by
  a by-election, serves until the sitting committee's term ends).
* Before the term ends (``committee_term_warning_days``) ``govern tick`` notifies the committee once
  (``govern.delivery.committee_terms``), and the roles page shows the warning (:func:`committee_warnings`).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select

from govern import clock
from govern.accounts.models import Role, RoleGrant
from govern.audit.services import log_action
from govern.core.procedure import MAX_TERM_YEARS, committee_size, term_end
from govern.extensions import db
from govern.formats import local_day
from govern.register.models import Community, Unit

COMMITTEE_ROLES = (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR)


def members(community: Community) -> list[RoleGrant]:
    """The active committee grants of the community (a member holding two committee roles counts once)."""
    rows = db.session.scalars(select(RoleGrant).where(
        RoleGrant.community_id == community.id, RoleGrant.role.in_(list(COMMITTEE_ROLES)),
        RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.id)).all()
    seen: dict[int, RoleGrant] = {}
    for g in rows:
        seen.setdefault(g.user_id, g)
    return list(seen.values())


def households(community: Community) -> int:
    return db.session.scalar(select(func.count(Unit.id)).where(Unit.community_id == community.id)) or 0


def sitting_term_end(community: Community, *, exclude: int | None = None) -> dt.date | None:
    """The end of the sitting committee's term: the latest term end among its members (None: no term yet)."""
    ends = [g.term_ends_on for g in members(community) if g.term_ends_on is not None and g.id != exclude]
    return max(ends) if ends else None


def start_term(grant: RoleGrant, *, starts_on: dt.date, years: int | None = None, ends_on: dt.date | None = None,
               actor=None) -> RoleGrant:
    """Start a committee member's term on ``starts_on``: it ends ``years`` later (default: the community's
    ``committee_term_years``), or on ``ends_on`` (a by-elected member serves until the sitting term ends), never
    more than 5 years on. The one function elections call for an elected member. Logged (``role.term_start``)."""
    community = db.session.get(Community, grant.community_id)
    years = years or community.setting("committee_term_years")
    longest = term_end(starts_on, min(years, MAX_TERM_YEARS))
    grant.term_starts_on = starts_on
    grant.term_ends_on = min(ends_on, longest) if ends_on is not None else longest
    db.session.flush()
    log_action("role.term_start", actor=actor, community=grant.community_id, obj=grant,
           data={"user": grant.user_id, "role": Role(grant.role).value, "term_starts_on": starts_on.isoformat(),
                 "term_ends_on": grant.term_ends_on.isoformat()})
    return grant


def on_committee_grant(grant: RoleGrant, *, actor=None) -> None:
    """Granting a committee role starts the member's term today, within the sitting committee's term if any."""
    today = local_day(clock.now())
    sitting = sitting_term_end(db.session.get(Community, grant.community_id), exclude=grant.id)
    start_term(grant, starts_on=today, ends_on=sitting if sitting is not None and sitting >= today else None,
               actor=actor)


def committee_warnings(community: Community, today: dt.date | None = None) -> list[str]:
    """What is wrong with the committee now, for the people who grant roles: size (R30) and the term's end."""
    today = today or local_day(clock.now())
    sitting = members(community)
    out = []
    if sitting:
        check = committee_size(len(sitting), households=households(community),
                               three_up_to=community.setting("committee_three_max_households"))
        if not check.valid:
            out.append(_("The committee has %(n)d members: it should have an odd number of members from 5 to 11 "
                         "(3 only in a small community). Hold an election to complete it.", n=len(sitting)))
    end = sitting_term_end(community)
    if end is not None:
        left = (end - today).days
        if left < 0:
            out.append(_("The committee's term ended on %(date)s: hold an election.", date=end.isoformat()))
        elif left <= community.setting("committee_term_warning_days"):
            out.append(_("The committee's term ends on %(date)s (in %(n)d days): prepare the election.",
                         date=end.isoformat(), n=left))
    return out
