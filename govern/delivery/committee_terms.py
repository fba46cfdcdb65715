"""R30: before the owners' committee's term ends, ``govern tick`` tells its members (once per term end) that
an election is due (``committee_term_warning_days`` ahead; :mod:`govern.accounts.committee`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from govern.accounts import committee
from govern.agenda.models import Notification
from govern.agenda.notifications import notify
from govern.extensions import db
from govern.formats import local_day
from govern.register.models import Community

KIND = "committee_term_ending"


def warn_terms(moment: datetime) -> int:
    """Notify each community's committee whose term ends within the warning days; returns notices queued."""
    today = local_day(moment)
    sent = 0
    for community in db.session.scalars(select(Community).order_by(Community.id)):
        end = committee.sitting_term_end(community)
        if end is None or (end - today).days > community.setting("committee_term_warning_days"):
            continue
        users = {g.user_id for g in committee.members(community)}
        told = {n.user_id for n in db.session.scalars(select(Notification).where(
            Notification.community_id == community.id, Notification.kind == KIND))
            if (n.data or {}).get("term_ends_on") == end.isoformat()}
        sent += len(notify(users - told, KIND, community=community, title=community.name,
                           term_ends_on=end.isoformat()))
    return sent
