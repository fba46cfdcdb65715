"""A change of the co-owners' designation after the roll freeze does not change who may cast on that meeting
(issue #13 item 1, R4c): the designation at the freeze decides; the next notice's roll takes the new one."""

from __future__ import annotations

from datetime import timedelta

from tests.ballots.test_who_casts import NOBODY_DESIGNATED, _cast, _changes, _import, _valid_record
from tests.ballots.test_who_casts import world as world  # noqa: F401  (the fixture)
from tests.factories import SMALL_REGISTER
from tests.meetings.helpers import OPENS


def _refused(resp, code: str) -> bool:
    return resp.status_code == 403 and resp.get_json()["error"]["code"] == code


def test_designating_after_the_freeze_leaves_both_co_owners_casters(app, client, world):
    """Nobody designated at the freeze; the co-owners then designate B1: B2 still casts for the person (first),
    and B1 is refused as the second co-owner."""
    _import(world, NOBODY_DESIGNATED)
    mid = world.make_meeting(revision_policy="revisable-until-close")
    _import(world, SMALL_REGISTER)  # B1 designated now
    assert _changes(world, mid) == []
    world.clock.set(OPENS + timedelta(hours=1))
    assert _cast(world, client, mid, "B2").status_code == 201
    assert _refused(_cast(world, client, mid, "B1", "oppose", voter=world.person_of(mid, "B2")), "not_designated")
    _valid_record(world, client, mid)
    opens = world.clock.moment + timedelta(days=20)  # the next notice freezes the new designation
    later = world.make_meeting(opens=opens, closes=opens + timedelta(days=10))
    world.clock.set(opens + timedelta(hours=1))
    assert _refused(_cast(world, client, later, "B2", voter=world.person_of(later, "B1")), "not_designated")


def test_undesignating_after_the_freeze_does_not_let_the_other_co_owner_cast(app, client, world):
    """B1 designated at the freeze; the designation is then withdrawn: B2 stays refused for this meeting."""
    mid = world.make_meeting()
    b = world.person_of(mid, "B1")
    _import(world, NOBODY_DESIGNATED)
    assert _changes(world, mid) == []
    world.clock.set(OPENS + timedelta(hours=1))
    assert client.get(f"/api/v1/meetings/{mid}/me", headers=world.headers("B2")).status_code == 403
    assert _refused(_cast(world, client, mid, "B2", voter=b), "not_designated")
    assert _cast(world, client, mid, "B1").status_code == 201
    _valid_record(world, client, mid)
