"""A change of the co-owners' designation after the roll freeze (R4c, R6): the roll's persons stay frozen, but who
casts for a person follows the register, as a signed caster change in the ledger that ``govern verify`` checks."""

from __future__ import annotations

from datetime import timedelta

from tests.ballots.test_who_casts import NOBODY_DESIGNATED, _cast, _changes, _import, _valid_record
from tests.ballots.test_who_casts import world as world  # noqa: F401  (the fixture)
from tests.factories import SMALL_REGISTER
from tests.meetings.helpers import OPENS


def _refused(resp, code: str) -> bool:
    return resp.status_code == 403 and resp.get_json()["error"]["code"] == code


def test_designating_after_the_freeze_removes_the_other_co_owner(app, client, world):
    """Nobody designated at the freeze; the co-owners then designate B1: B2 is removed (``designated``), is refused,
    and B1 casts; the record with the caster change verifies."""
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy="revisable-until-close")
    b = world.person_of(mid, "B1")
    _import(world, SMALL_REGISTER)  # B1 designated now
    assert [(c["action"], c["reason"]) for c in _changes(world, mid)] == [("remove", "designated")]
    world.clock.set(OPENS + timedelta(hours=1))
    assert _refused(_cast(world, client, mid, "B2", voter=b), "not_designated")
    assert _cast(world, client, mid, "B1", "oppose").status_code == 201
    _valid_record(world, client, mid)
