"""Owner keys that cannot be duplicated or forged (issue #12, item 5).

POST /api/v1/keys needs a proof of possession (govern.key.v1); an account has at most one active key,
enforced by the database; replacing a key is announced on every channel; a record lists only the keys
whose validity overlaps its meeting's window, carries their proofs, and the repair of overlapping keys
(migration 20261207) leaves old records verifiable.
"""

from __future__ import annotations

import importlib.util
import io
import itertools
import json
import threading
import zipfile
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from govern import ROOT
from govern.ballots.models import OwnerKey
from govern.core.archive import read_record
from govern.core.ballot import format_time
from govern.core.keybook import parse_keys
from govern.core.keyproof import key_proof_body, key_proof_object
from govern.core.keys import SMALL_ORDER_ENCODINGS, b64url_encode, generate_keypair, sign
from govern.core.verify import verify_record
from govern.extensions import db
from tests.ballots.helpers import CLOSES, OPENS, RecordWorld
from tests.conftest import ON_POSTGRES, TEST_PASSWORD


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


def _body(world, name="A", private=None, **override) -> dict:
    private = private or generate_keypair()[0]
    body = key_proof_body(private, str(world.users[name]), world.clock.moment)
    return {**body, "password": TEST_PASSWORD, **override}


def _post(client, world, body, name="A"):
    return client.post("/api/v1/keys", json=body, headers=world.headers(name))


def _code(resp) -> str:
    return resp.get_json()["error"]["code"]


def _keys(app, world, name="A") -> list[OwnerKey]:
    with app.app_context():
        return list(db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == world.users[name])
                                        .order_by(OwnerKey.id)))


# ------------------------------------------------------------------ the enrolment contract


def test_enrolment_answers_valid_from_and_stores_the_proof(app, client, world):
    private, public = generate_keypair()
    body = _body(world, private=private)
    resp = _post(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {"key_id": public, "fingerprint": resp.get_json()["fingerprint"],
                               "valid_from": format_time(world.clock.moment)}
    old, new = _keys(app, world)
    assert new.public_key == public and new.proof == body["proof"]
    assert format_time(new.issued_at) == body["issued_at"]
    assert old.revoked_at == new.created_at  # the old key ends exactly where the new one starts


@pytest.mark.parametrize("missing", ["proof", "issued_at", "both"])
def test_missing_proof_is_proof_required_and_changes_nothing(app, client, world, missing):
    before = [(k.public_key, k.revoked_at) for k in _keys(app, world)]
    body = _body(world)
    for field in (("proof", "issued_at") if missing == "both" else (missing,)):
        del body[field]
    resp = _post(client, world, body)
    assert resp.status_code == 400 and _code(resp) == "proof_required"
    assert [(k.public_key, k.revoked_at) for k in _keys(app, world)] == before


def test_wrong_proofs_are_bad_proof(app, client, world):
    private, public = generate_keypair()
    other, _ = generate_keypair()
    issued = format_time(world.clock.moment)
    account = str(world.users["A"])
    cases = {
        "signed by another key": sign(other, key_proof_object(account, public, issued)),
        "made for another account": sign(private, key_proof_object(str(world.users["C"]), public, issued)),
        "over another issued_at": sign(private, key_proof_object(account, public, format_time(
            world.clock.moment - timedelta(seconds=1)))),
        "not base64url": "not a signature",
    }
    for why, proof in cases.items():
        resp = _post(client, world, {"public_key": public, "issued_at": issued, "proof": proof,
                                     "password": TEST_PASSWORD})
        assert resp.status_code == 400 and _code(resp) == "bad_proof", why
    resp = _post(client, world, _body(world, private=private, issued_at="2025-03-01 02:00:00"))
    assert resp.status_code == 400 and _code(resp) == "bad_proof"
    assert public not in {k.public_key for k in _keys(app, world)}


@pytest.mark.parametrize("offset,status", [(timedelta(minutes=11), 400), (-timedelta(minutes=11), 400),
                                           (timedelta(minutes=9), 201), (-timedelta(minutes=9), 201)])
def test_issued_at_more_than_ten_minutes_off_is_stale(app, client, world, offset, status):
    private, _ = generate_keypair()
    body = {**key_proof_body(private, str(world.users["A"]), world.clock.moment + offset), "password": TEST_PASSWORD}
    resp = _post(client, world, body)
    assert resp.status_code == status, resp.get_json()
    if status == 400:
        assert _code(resp) == "stale_proof"


@pytest.mark.parametrize("raw", [bytes(32), sorted(SMALL_ORDER_ENCODINGS)[5]], ids=["all-zero", "small-order"])
def test_weak_keys_are_weak_key_even_with_a_proof(app, client, world, raw):
    weak = b64url_encode(raw)
    private, _ = generate_keypair()
    issued = format_time(world.clock.moment)
    # Under a small-order key, lax verifiers accept forged signatures; the key itself is refused first.
    resp = _post(client, world, {"public_key": weak, "issued_at": issued, "password": TEST_PASSWORD,
                                 "proof": sign(private, key_proof_object(str(world.users["A"]), weak, issued))})
    assert resp.status_code == 400 and _code(resp) == "weak_key"
    assert weak not in {k.public_key for k in _keys(app, world)}


def test_get_keys_lists_validity_intervals(app, client, world):
    first = _keys(app, world)[0]
    resp = _post(client, world, _body(world))
    new = resp.get_json()
    listed = client.get("/api/v1/keys", headers=world.headers("A")).get_json()["keys"]
    assert listed == [
        {"key_id": new["key_id"], "fingerprint": new["fingerprint"], "active": True,
         "valid_from": new["valid_from"], "valid_until": None},
        {"key_id": first.public_key, "fingerprint": first.fingerprint, "active": False,
         "valid_from": format_time(first.created_at), "valid_until": new["valid_from"]},
    ]
    assert client.get("/api/v1/keys").status_code == 401


def test_the_database_refuses_a_second_active_key(app, world):
    """The partial unique index holds whatever code writes the rows."""
    with app.app_context():
        _p, public = generate_keypair()
        db.session.add(OwnerKey(user_id=world.users["A"], public_key=public, fingerprint="x", is_demo=False,
                                revoked_reason=""))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # An ended key beside the active one is fine.
        db.session.add(OwnerKey(user_id=world.users["A"], public_key=public, fingerprint="x", is_demo=False,
                                revoked_reason="", revoked_at=world.clock.moment))
        db.session.commit()


# ------------------------------------------------------------------ the announcement


def test_replacing_a_key_is_announced_on_every_channel_in_chinese(app, client, world):
    from govern.delivery.models import Delivery, DeliveryPreference

    with app.app_context():
        db.session.add(DeliveryPreference(user_id=world.users["A"], community_id=world.cid, email_enabled=True,
                                          email="a@example.org", sms_enabled=True, phone="13800000000"))
        db.session.commit()
    assert _post(client, world, _body(world)).status_code == 201
    with app.app_context():
        rows = list(db.session.scalars(select(Delivery).where(Delivery.user_id == world.users["A"],
                                                              Delivery.kind == "key_replaced")))
        assert sorted(r.channel for r in rows) == ["email", "in_app", "sms"]
        in_app = next(r for r in rows if r.channel == "in_app")
        assert "新的签名密钥" in in_app.subject and "您" in in_app.body_text
        new = _keys(app, world)[-1]
        assert new.fingerprint in in_app.body_text and in_app.url.endswith("/keys")
        sms = next(r for r in rows if r.channel == "sms")
        assert sms.address == "13800000000" and sms.status in {"sent", "not_configured"}


def test_a_first_key_is_not_announced(app, client, factory, world):
    from govern.delivery.models import Delivery

    uid = factory.user("newcomer", community=world.cid)
    token = client.post("/api/v1/tokens", json={"username": "newcomer", "password": TEST_PASSWORD}).get_json()
    private, _ = generate_keypair()
    resp = client.post("/api/v1/keys", json=key_proof_body(private, str(uid), world.clock.moment),
                       headers={"Authorization": f"Bearer {token['token']}"})
    assert resp.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Delivery.id)).where(Delivery.kind == "key_replaced")) == 0


# ------------------------------------------------------------------ records and the verifier


def _closed_meeting(world, client) -> int:
    mid = world.make_meeting()
    world.clock.set(OPENS + timedelta(hours=1))
    for name in ("A", "B1"):
        assert world.cast(client, mid, name, world.ballot(client, mid, name)).status_code == 201
    world.close()
    world.countersign(client, mid)
    return mid


def _enrolments(data: bytes) -> list[dict]:
    return json.loads(read_record(data)["keys.json"])["enrolments"]


def test_a_key_enrolled_after_the_close_leaves_the_record_valid(app, client, world):
    mid = _closed_meeting(world, client)
    world.clock.set(CLOSES + timedelta(days=3))
    for _ in range(2):
        assert _post(client, world, _body(world)).status_code == 201
    report = verify_record(world.export(client, mid), workers=1)
    assert report.valid, [str(p) for p in report.problems]
    listed = [e for e in _enrolments(world.export(client, mid)) if e["account"] == str(world.users["A"])]
    assert [e["proof"] is not None for e in listed] == [False, True, True]  # the World's key predates proofs


def test_the_key_list_keeps_to_the_meeting_window(app, client, world):
    """A key that ended before the roll was frozen, or began after the record was built, is not listed."""
    world.clock.set(world.clock.moment - timedelta(hours=1))
    ended_before = _keys(app, world, "C")[0].public_key
    assert _post(client, world, _body(world, "C"), "C").status_code == 201
    world.clock.set(world.clock.moment + timedelta(hours=1))
    mid = _closed_meeting(world, client)
    data = world.export(client, mid)
    keys = {e["public_key"] for e in _enrolments(data)}
    assert ended_before not in keys and _keys(app, world, "C")[-1].public_key in keys
    with app.app_context():
        from govern.meetings.models import Meeting
        from govern.record.export import export_record

        earlier = export_record(db.session.get(Meeting, mid), created_at=CLOSES)
    assert _post(client, world, _body(world)).status_code == 201  # enrolled after that build
    assert _keys(app, world)[-1].public_key not in {e["public_key"] for e in _enrolments(earlier)}


def _rewrite(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


def test_verify_checks_the_proofs_in_the_key_list(world):
    private, public = generate_keypair()
    at = world.clock.moment
    body = key_proof_body(private, "7", at)
    good = {"account": "7", "public_key": public, "enrolled_at": format_time(at), "revoked_at": None,
            "issued_at": body["issued_at"], "proof": body["proof"], "honoured_until": None}
    legacy = {"account": "8", "public_key": generate_keypair()[1], "enrolled_at": format_time(at),
              "revoked_at": None}  # a key enrolled before proofs: no proof, still valid

    def problems(*items):
        found: list = []
        parse_keys({"type": "govern.keys.v1", "enrolments": list(items), "committee": [], "auditors": []}, found)
        return [p.code for p in found]

    assert problems(good, legacy) == []
    assert problems({**good, "account": "9"}) == ["bad_key_proof"]  # a proof made for another account
    assert problems({**good, "proof": sign(generate_keypair()[0], {"x": 1})}) == ["bad_key_proof"]
    assert problems({**good, "proof": None}) == ["bad_key_proof"]  # issued_at without its proof
    late = format_time(at + timedelta(minutes=11))
    assert problems({**good, "enrolled_at": late}) == ["stale_key_proof"]


# ------------------------------------------------------------------ the repair of overlapping keys


def _repair_module():
    path = next((ROOT / "migrations" / "versions").glob("*_4b7e1d2c9a10_*.py"))
    spec = importlib.util.spec_from_file_location("govern_migration_4b7e1d2c9a10", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _unique_index():
    return next(i for i in OwnerKey.__table__.indexes if i.name == "uq_owner_keys_one_active")


def test_repair_of_overlapping_keys_keeps_old_records_valid(app, client, world):
    """Before the index, a race left A with two active keys and A cast with the older one; every record then
    failed with key_overlap. The repair ends the older key at the newer one's enrolment, marks it
    honoured until the repair, and the record verifies again, the ballot included."""
    mid = world.make_meeting()
    with app.app_context():
        db.session.execute(text("DROP INDEX uq_owner_keys_one_active"))
        db.session.commit()
    try:
        world.clock.set(OPENS + timedelta(minutes=30))
        with app.app_context():  # what two racing enrolments used to leave behind
            _p, raced = generate_keypair()
            db.session.add(OwnerKey(user_id=world.users["A"], public_key=raced, fingerprint="raced", is_demo=False,
                                    revoked_reason="", created_at=world.clock.moment))
            db.session.commit()
        world.clock.set(OPENS + timedelta(hours=1))
        for name in ("A", "B1"):  # A signs with the older key, still active then
            assert world.cast(client, mid, name, world.ballot(client, mid, name)).status_code == 201
        world.close()
        world.countersign(client, mid)
        before = verify_record(world.export(client, mid), workers=1)
        assert "key_overlap" in {p.code for p in before.problems}

        repaired_at = world.clock.moment
        with app.app_context():
            changed = _repair_module().repair_overlapping_keys(db.session.connection(), repaired_at)
            db.session.commit()
            _unique_index().create(db.engine)  # succeeds only if one key per account is left active
        old, new = _keys(app, world)
        assert changed == [old.id] and old.revoked_at == new.created_at and old.honoured_until == repaired_at
        assert old.revoked_reason == "overlap_repaired" and new.revoked_at is None

        data = world.export(client, mid)
        report = verify_record(data, workers=1)
        assert report.valid, [str(p) for p in report.problems]
        listed = {e["public_key"]: e for e in _enrolments(data)}
        assert listed[old.public_key]["honoured_until"] == format_time(repaired_at)
        # Without the rule the ballot would not count: the verifier really uses honoured_until.
        keys = json.loads(read_record(data)["keys.json"])
        for e in keys["enrolments"]:
            e["honoured_until"] = None
        codes = {p.code for p in verify_record(_rewrite(data, "keys.json", json.dumps(keys).encode()),
                                               workers=1).problems}
        assert "key_revoked" in codes
    finally:
        with app.app_context():
            if "uq_owner_keys_one_active" not in {i["name"] for i in db.inspect(db.engine).get_indexes("owner_keys")}:
                db.session.execute(text("UPDATE owner_keys SET revoked_at = created_at WHERE revoked_at IS NULL"))
                db.session.commit()
                _unique_index().create(db.engine)


# ------------------------------------------------------------------ concurrent enrolments (PostgreSQL)


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks are tested on PostgreSQL (set DATABASE_URL; CI does)")
@pytest.mark.parametrize("locked", [True, False], ids=["row-lock", "index-alone"])
def test_concurrent_enrolments_leave_one_active_key_and_records_valid(app, client, world, monkeypatch, locked):
    """Four enrolments of one account at once. With the row lock they all succeed one after the other;
    without it (index-alone: the lock removed for the test) the partial unique index still lets only
    one active key through and the others answer 409 enrolment_conflict, changing nothing."""
    if not locked:
        monkeypatch.setattr("govern.ballots.owner_keys._lock_account", lambda user: None)
    mid = _closed_meeting(world, client)
    assert verify_record(world.export(client, mid), workers=1).valid
    world.clock.set(CLOSES + timedelta(days=1))
    n = 4
    bodies = [_body(world) for _ in range(n)]
    ticks, lock = itertools.count(), threading.Lock()

    def ticking() -> datetime:  # a clock that moves, as the real one does, so the intervals have length
        with lock:
            return world.clock.moment + timedelta(milliseconds=next(ticks))

    monkeypatch.setattr("govern.clock.now", ticking)
    barrier = threading.Barrier(n)
    answers: list = []
    errors: list = []

    def enrol(body: dict) -> None:
        try:
            with app.test_client() as c:
                barrier.wait(timeout=30)
                resp = c.post("/api/v1/keys", json=body, headers=world.headers("A"))
                answers.append((resp.status_code, resp.get_json()))
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=enrol, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(answers) == n
    assert all(status == 201 or (status == 409 and body["error"]["code"] == "enrolment_conflict")
               for status, body in answers), answers
    keys = _keys(app, world)
    assert len([k for k in keys if k.revoked_at is None]) == 1
    spans = sorted((k.created_at, k.id, k.revoked_at) for k in keys)
    for (_s1, _i1, end), (start, _i2, _e2) in zip(spans, spans[1:], strict=False):
        assert end is not None and end <= start  # validity intervals never overlap
    assert len(keys) == 1 + sum(1 for s, _ in answers if s == 201)
    if locked:  # the row lock serialises them: each one ends the key before it
        assert [s for s, _ in answers] == [201] * n
    enrolled = {b["key_id"] for s, b in answers if s == 201}
    assert enrolled <= {k.public_key for k in keys}
    report = verify_record(world.export(client, mid), workers=1)
    assert report.valid, [str(p) for p in report.problems]
