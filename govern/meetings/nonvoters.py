"""Who has not voted yet: the accounts to remind while an assembly is open."""

from __future__ import annotations

from sqlalchemy import select

from govern.accounts.models import User
from govern.ballots.models import BallotEntry, Meeting, RollCaster, RollPerson
from govern.extensions import db


def non_voting_accounts(meeting: Meeting) -> list[User]:
    """Every active account that may cast for a roll person of ``meeting`` whose person has no ballot yet.

    Co-owners of one home are all returned until one of them votes (their person then has a ballot).
    Each account appears once, even when it may cast for several persons. One query.
    """
    voted = select(BallotEntry.voter).where(BallotEntry.meeting_id == meeting.id)
    return list(
        db.session.scalars(
            select(User)
            .join(RollCaster, RollCaster.user_id == User.id)
            .join(RollPerson, RollPerson.id == RollCaster.roll_person_id)
            .where(
                RollCaster.meeting_id == meeting.id,
                RollPerson.person.not_in(voted),
                User.is_active_account.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )
