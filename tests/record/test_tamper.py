"""Tamper evidence: whatever is changed in the database before export, or in the file after it, makes
``govern verify`` fail (exit 1) naming the problem."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from govern.ballots.models import BallotEntry, Meeting, OwnerKey, RollPerson
from govern.core.ballot import build_ballot, new_nonce
from govern.core.keys import generate_keypair, sign
from govern.core.ledger import append_entry
from govern.extensions import db
from govern.verify_cli import verify as verify_cmd
from tests.ballots.helpers import OPENS, RecordWorld, codes
from tests.core.recordfactory import edit_ledger


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def closed(world, client):
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    world.name_scrutineer(mid, "C")
    for name, choice in (("A", "agree"), ("B1", "oppose"), ("C", "agree")):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, choice)).status_code == 201
    world.close()
    world.countersign(client, mid)
    world.countersign(client, mid, "member")  # two members of the convening body ...
    world.countersign(client, mid, "C")  # ... and a scrutineer: the result is final
    assert codes(world.export(client, mid)) == set()
    return mid


def _cli(tmp_path, data: bytes):
    path = tmp_path / "record.zip"
    path.write_bytes(data)
    return CliRunner().invoke(verify_cmd, [str(path), "--workers", "1"])


def test_changed_choice_in_the_database(app, world, client, closed, tmp_path):
    with app.app_context():
        row = db.session.scalar(select(BallotEntry).where(BallotEntry.meeting_id == closed, BallotEntry.position == 2))
        ballot = dict(row.ballot)
        ballot["choices"] = {k: "agree" for k in ballot["choices"]}
        row.ballot = ballot
        db.session.commit()
    data = world.export(client, closed)
    found = codes(data)
    assert {"ballot_hash_mismatch", "chain_hash_mismatch", "bad_signature"} <= found
    result = _cli(tmp_path, data)
    assert result.exit_code == 1 and "entry 2: bad_signature" in result.stderr


def test_deleted_ledger_entry(app, world, client, closed, tmp_path):
    with app.app_context():
        db.session.execute(BallotEntry.__table__.delete().where(BallotEntry.meeting_id == closed,
                                                                BallotEntry.position == 2))
        db.session.commit()
    data = world.export(client, closed)
    assert {"position_gap", "chain_broken", "result_ledger_mismatch"} <= codes(data)
    assert _cli(tmp_path, data).exit_code == 1


def test_inserted_ledger_entry(app, world, client, closed, tmp_path):
    """A forged ballot appended after the result, chained properly and signed by a key nobody enrolled."""
    with app.app_context():
        meeting = db.session.get(Meeting, closed)
        person = db.session.scalar(select(RollPerson.person).where(RollPerson.meeting_id == closed)
                                   .order_by(RollPerson.id.desc()))
        private, public = generate_keypair()
        moment = meeting.closes_at - timedelta(minutes=5)
        ballot = build_ballot(community=str(meeting.community_id), meeting=str(closed), roll_hash=meeting.roll_hash,
                              voter=person, choices={str(meeting.motions[0].id): "oppose"}, issued_at=moment,
                              nonce=new_nonce(__import__("os").urandom), agenda_hash=meeting.agenda_hash)
        e = append_entry(meeting.ledger_head, meeting.ledger_length + 1, ballot=ballot,
                         signature=sign(private, ballot), key_id=public, received_at=moment)
        db.session.add(BallotEntry(community_id=meeting.community_id, meeting_id=closed, position=e.position,
                                   kind=e.kind, voter=e.voter, ballot=dict(e.ballot), ballot_hash=e.ballot_hash,
                                   nonce=ballot["nonce"], signature=e.signature, key_id=e.key_id,
                                   received_at=e.received_at, prev_hash=e.prev_hash, chain_hash=e.chain_hash))
        db.session.commit()
    data = world.export(client, closed)
    assert {"key_not_enrolled", "result_ledger_mismatch"} <= codes(data)
    assert _cli(tmp_path, data).exit_code == 1


def test_swapped_enrolled_key(app, world, client, closed, tmp_path):
    _, other = generate_keypair()
    with app.app_context():
        db.session.execute(update(OwnerKey).where(OwnerKey.user_id == world.users["A"]).values(public_key=other))
        db.session.commit()
    data = world.export(client, closed)
    assert {"key_not_enrolled", "roll_key_mismatch"} <= codes(data)
    assert _cli(tmp_path, data).exit_code == 1


def test_edited_roll(app, world, client, closed, tmp_path):
    with app.app_context():
        person = db.session.scalar(select(RollPerson).where(RollPerson.meeting_id == closed).limit(1))
        person.area += 1000
        db.session.commit()
    data = world.export(client, closed)
    assert "roll_hash_mismatch" in codes(data)
    assert _cli(tmp_path, data).exit_code == 1


def test_edited_record_file(world, client, closed, tmp_path):
    data = world.export(client, closed)

    def flip(lines):
        lines[0]["ballot"]["choices"] = {k: "oppose" for k in lines[0]["ballot"]["choices"]}

    assert "file_hash_mismatch" in codes(edit_ledger(data, flip, resign=False))
    resigned = codes(edit_ledger(data, flip))  # even a dishonest server re-signing the manifest is caught
    assert {"bad_signature", "ballot_hash_mismatch"} <= resigned
    result = _cli(tmp_path, edit_ledger(data, flip, resign=False))
    assert result.exit_code == 1 and "file_hash_mismatch" in result.stderr
    assert json.loads(result.stdout)["valid"] is False


def test_certification_edited_after_export_is_caught(world, client, closed):
    r = world.results(client, closed)[0]
    assert world.certify(client, closed, r, "object", "公示期不足").status_code == 201
    data = world.export(client, closed)
    assert codes(data) == set()
    from tests.core.recordfactory import edit_json

    def change(obj):
        obj["motions"][0]["certifications"][0]["object"]["verdict"] = "certify"

    assert "certification_invalid" in codes(edit_json(data, "result.json", change))
