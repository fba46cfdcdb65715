"""The voided rolls of a meeting (R29, docs/meetings.md "Voided notices keep their roll"): every roll frozen by a
notice that was later voided (an edit, or an upheld objection that changed the roll) is kept in
``voided_rolls``; the committee and the street office read them here, generation by generation, linked from the
meeting page. Read-only: the page changes nothing."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import has_role, is_committee
from govern.accounts.models import Role, User
from govern.ballots.models import Meeting
from govern.extensions import db
from govern.meetings.access import meeting_required
from govern.meetings.roll import voided_rolls
from govern.meetings.views import bp


def may_see_voided_rolls(user, community) -> bool:
    """The committee and the street office (who oversees the notices) read the voided rolls."""
    return is_committee(user, community) or has_role(user, community, Role.AUDITOR)


@bp.app_template_global()
def voided_rolls_link(meeting: Meeting, user) -> bool:
    """Whether the meeting page links to the voided rolls: some notice was voided and ``user`` may read them."""
    return bool(meeting.void_count) and getattr(user, "is_authenticated", False) and \
        may_see_voided_rolls(user, meeting.community)


@bp.get("/meetings/<id:meeting_id>/voided-rolls")
@meeting_required(may_see_voided_rolls)
def voided_rolls_page(meeting: Meeting):
    rolls = voided_rolls(meeting)
    actors = {u.id: u.username for u in db.session.scalars(
        select(User).where(User.id.in_({r.voided_by_id for r in rolls if r.voided_by_id})))}
    return render_template("meetings/voided_rolls.html", meeting=meeting, rolls=rolls, actors=actors,
                           user=current_user)
