"""The voter's side of a meeting: the roll persons an account may cast for, their summary and the ballot
context the browser signs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govern.ballots.ledger import has_voted
from govern.ballots.models import Meeting, RollCaster, RollPerson, RollUnit
from govern.ballots.owner_keys import active_key
from govern.core.register import format_area
from govern.extensions import db


def persons_for(meeting: Meeting, user) -> list[RollPerson]:
    """The roll persons ``user`` may cast for in ``meeting`` (usually one), in the order the account became their
    caster: its own person from the roll's freeze first, a person added later (a buyer's) after it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(RollPerson).join(RollCaster, RollCaster.roll_person_id == RollPerson.id)
        .where(RollCaster.meeting_id == meeting.id, RollCaster.user_id == user.id).order_by(RollCaster.id)
    ))


def voter_summary(meeting: Meeting, user, person: str | None = None) -> dict[str, Any] | None:
    """The dict of ``GET /api/v1/meetings/{id}/me``; ``None`` when the caller is not on the roll. ``person``: which
    of the caller's persons (a buyer who already was a voting person casts for two, SPC art. 9); the first when it
    is not one of them."""
    persons = persons_for(meeting, user)
    if not persons:
        return None
    person = next((p for p in persons if p.person == person), persons[0]) if person else persons[0]
    units = db.session.scalars(select(RollUnit).where(RollUnit.roll_person_id == person.id).order_by(RollUnit.unit))
    out: dict[str, Any] = {
        "voter": person.person,
        "area": person.area,
        "area_display": format_area(person.area),
        "persons": person.weight,
        "units": [{"unit": u.unit, "building": u.building, "area": u.area, "area_source": u.area_source}
                  for u in units],
        "has_voted": has_voted(meeting.id, person.person),
        "voted_by_proxy": has_voted(meeting.id, person.person, by_proxy=True),
    }
    key = active_key(user)
    if key is not None:
        out["key_id"] = key.key_id
    return out


def other_persons(meeting: Meeting, user, current: str) -> list[dict[str, Any]]:
    """The caller's roll persons other than ``current``, each ``{"voter", "units": [unit numbers]}`` (the ballot
    page links to each: the account casts once per person)."""
    others = [p for p in persons_for(meeting, user) if p.person != current]
    if not others:
        return []
    units: dict[int, list[str]] = {}
    for u in db.session.scalars(select(RollUnit).where(RollUnit.roll_person_id.in_([p.id for p in others]))
                                .order_by(RollUnit.unit)):
        units.setdefault(u.roll_person_id, []).append(u.unit)
    return [{"voter": p.person, "units": units.get(p.id, [])} for p in others]


def ballot_context(meeting: Meeting, voter: str) -> dict[str, Any]:
    """What the browser needs to build a ``govern.ballot.v1`` (``agenda_hash`` null) or, for a meeting whose notice
    bound an agenda, a ``govern.ballot.v2`` carrying ``agenda_hash``: ids as the ballot must carry them, and the
    motion titles the ballot binds (shown beside the text being signed)."""
    return {
        "community": str(meeting.community_id),
        "meeting": str(meeting.id),
        "roll_hash": meeting.roll_hash or "",
        "agenda_hash": meeting.agenda_hash,
        "voter": voter,
        "motions": [str(m.id) for m in meeting.motions],
        "titles": {str(m.id): m.title for m in meeting.motions},
    }
