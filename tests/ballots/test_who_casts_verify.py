"""``govern verify`` holds delegations to who could cast for the principal when they were received (the frozen roll
changed by the caster changes before them), and the voting window to the bounds fixed with the notice (R12)
(issue #13 items 1 and 3)."""

from __future__ import annotations

import json
from datetime import timedelta

from govern.core.verify import verify_record
from govern.extensions import db
from tests.ballots.helpers import codes
from tests.ballots.test_who_casts import SOLD, _confirm_new_owner, _import, _valid_record
from tests.ballots.test_who_casts import world as world  # noqa: F401  (the fixture)
from tests.meetings.helpers import CLOSES, OPENS


def test_a_buyer_added_after_the_freeze_delegates_and_the_record_verifies(app, client, world):
    mid = world.make_meeting()
    _import(world, SOLD)
    _confirm_new_owner(world, "G2", "301", "gbuyer")
    world.clock.set(OPENS + timedelta(hours=1))
    resp = world.delegate(client, mid, "G2", "A")
    assert resp.status_code == 201, resp.get_json()
    did = resp.get_json()["id"]
    assert world.accept(client, did, "A").status_code == 200
    _valid_record(world, client, mid)


def test_a_delegation_signed_by_the_seller_after_the_sale_does_not_verify(app, client, world, monkeypatch):
    """The app refuses it (the seller casts for nobody any more); were it accepted, verify names it."""
    import os

    from govern.core.ballot import build_delegation, new_nonce
    from govern.core.keys import sign

    mid = world.make_meeting()
    c = world.person_of(mid, "C")
    _import(world, SOLD)
    _confirm_new_owner(world, "G2", "301", "gbuyer")
    world.clock.set(OPENS + timedelta(hours=1))
    d = build_delegation(community=str(world.cid), meeting=str(mid), principal=c, proxy=str(world.users["A"]),
                         issued_at=world.clock.moment, nonce=new_nonce(os.urandom), instructions=None,
                         agenda_hash=world.agenda_hash(mid))
    body = {"delegation": d, "signature": sign(world.keys["C"], d), "key_id": world.key_ids["C"]}
    refused = client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"), json=body)
    assert refused.status_code == 403
    seller = world.users["C"]
    monkeypatch.setattr("govern.ballots.proxies.is_caster", lambda _m, account, _p: account == seller)
    assert client.post(f"/api/v1/meetings/{mid}/delegations", headers=world.headers("C"),
                       json=body).status_code == 201
    world.close()
    assert "delegation_key_not_enrolled" in {p.code for p in verify_record(world.export(client, mid),
                                                                           workers=1).problems}


def test_the_record_carries_the_window_bounds_and_verify_holds_the_window_to_them(app, client, world):
    mid = world.make_meeting()  # a 10-day window within the default 5-60
    world.close()
    data = world.export(client, mid)
    from govern.core.archive import read_record

    assert json.loads(read_record(data)["meeting.json"])["window_bounds"] == {"min_days": 5, "max_days": 60}
    assert codes(data) == set()
    with app.app_context():  # bounds that the window does not meet (as if the window had been stretched)
        meeting = world.meeting(mid)
        meeting.window_max_days = 7
        db.session.commit()
    problems = verify_record(world.export(client, mid), workers=1).problems
    assert [(p.file, p.code) for p in problems] == [("meeting.json", "window_out_of_bounds")]
    assert (CLOSES - OPENS).days == 10
