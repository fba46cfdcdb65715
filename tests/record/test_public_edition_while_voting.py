"""The public edition of a v2 meeting while votes are counted (issue #12 items 3 and 4, and the record contract
"409 ``voting_open`` for the auditor edition before the preliminary stage"): it holds no choice and no result,
so every owner may download it from the notice on and find their receipt in it; the auditor edition, and a v1
meeting's public edition (its ledger carries the choices), stay withheld from everybody until the preliminary
result. ``public_record_for_owners`` keeps only a v1 meeting's public edition from owners."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from govern.core.archive import read_record
from govern.core.receipts import check_receipt
from govern.core.verify import verify_record
from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld

CHOICES = (b'"choices"', b'"agree"', b'"oppose"', b'"abstain"', b'"voter"', b'"persons"', b'"buildings"')


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _record(client, world, mid, edition, name):
    return client.get(f"/api/v1/meetings/{mid}/record?edition={edition}", headers=world.headers(name))


def _as_published_before_the_upgrade(world, mid: int) -> None:
    """A meeting published before agendas were bound: ``record_version`` 1, v1 ballots."""
    with world.app.app_context():
        m = world.meeting(mid)
        m.agenda, m.agenda_hash = None, None
        db.session.commit()


def _keep_choices_from_owners(world) -> None:
    from govern.register.models import Community

    with world.app.app_context():
        c = db.session.get(Community, world.cid)
        c.settings_json = {**(c.settings_json or {}), "public_record_for_owners": False}
        db.session.commit()


def test_while_voting_owners_get_the_public_edition_without_a_choice_and_find_their_receipt(world, client):
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"), ("Raise the fund", "major")))
    world.clock.set(OPENS + timedelta(hours=1))
    world.name_scrutineer(mid, "C")
    resp = world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree"))
    assert resp.status_code == 201
    receipt = resp.get_json()
    assert world.cast(client, mid, "B1", world.ballot(client, mid, "B1", "oppose")).status_code == 201
    for stage in ("open", "closed"):
        if stage == "closed":
            world.close(tick=False)  # the window has ended, the result is not signed yet
        for name in ("A", "B1", "C", "chair", "auditor"):
            resp = _record(client, world, mid, "public", name)
            assert resp.status_code == 200, (stage, name, resp.get_data(as_text=True))
        files = read_record(resp.data)
        assert "result.json" not in files  # no result, no count of choices
        for name, data in files.items():
            for secret in CHOICES:
                assert secret not in data, (stage, name, secret)
        report = verify_record(resp.data, workers=1)
        assert report.valid and report.interim and report.edition == "public", [str(p) for p in report.problems]
        assert report.motions == [] and report.counted is None
        check = check_receipt(json.dumps(receipt).encode(), resp.data, workers=1)
        assert check.included and check.counted is None and check.problems == []
        # the auditor edition (every choice) goes to nobody, the street office and the scrutineer included
        for name in ("auditor", "C", "chair"):
            resp = _record(client, world, mid, "auditor", name)
            assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voting_open", (stage, name)
        assert _record(client, world, mid, "auditor", "A").status_code == 403
    world.tick()
    assert _record(client, world, mid, "auditor", "auditor").status_code == 200
    assert "result.json" in read_record(_record(client, world, mid, "public", "A").data)


def test_a_v1_meetings_public_edition_is_withheld_while_voting(world, client):
    mid = world.make_meeting()
    _as_published_before_the_upgrade(world, mid)
    world.clock.set(OPENS + timedelta(hours=1))
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    for name in ("A", "chair", "auditor"):
        resp = _record(client, world, mid, "public", name)
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voting_open", name
        assert b"agree" not in resp.data
    world.close()
    resp = _record(client, world, mid, "public", "A")
    assert resp.status_code == 200 and b'"agree"' in read_record(resp.data)["ledger.jsonl"]


def test_public_record_for_owners_keeps_only_v1_choices_from_owners(world, client):
    v2 = world.make_meeting()
    v1 = world.make_meeting()
    _as_published_before_the_upgrade(world, v1)
    _keep_choices_from_owners(world)
    world.close()
    assert _record(client, world, v2, "public", "A").status_code == 200  # holds no choice: every owner reads it
    assert _record(client, world, v1, "public", "A").status_code == 403  # pseudonyms with areas and choices
    assert _record(client, world, v1, "public", "chair").status_code == 200


def test_the_record_page_offers_what_may_be_downloaded_now(world, client):
    v2 = world.make_meeting()
    v1 = world.make_meeting()
    _as_published_before_the_upgrade(world, v1)
    world.clock.set(OPENS + timedelta(hours=1))
    for name in ("A", "chair"):
        world.login(client, name)
        page = client.get(f"/meetings/{v2}/record").get_data(as_text=True)
        assert 'id="download-public"' in page and 'id="download-auditor"' not in page, name
        assert 'id="while-counting"' in page and "审计版不向任何人提供" in page
        page = client.get(f"/meetings/{v1}/record").get_data(as_text=True)
        assert 'id="downloads"' not in page and 'id="while-counting"' in page, name
    world.close()
    page = client.get(f"/meetings/{v2}/record").get_data(as_text=True)  # the chair, from the preliminary result
    assert 'id="download-auditor"' in page and 'id="download-public"' in page and 'id="while-counting"' not in page
