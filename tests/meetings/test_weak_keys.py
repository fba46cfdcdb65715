"""Key enrolment refuses weak and non-canonical Ed25519 keys (strict Ed25519, docs/signatures.md).

The all-zero key, the identity and the other small-order encodings are keys under which anybody can
forge a signature; a non-canonical spelling would give one key two ids. Each is refused with 400 and
changes nothing: the account keeps its key. The code is ``weak_key`` (issue #12's enrolment contract).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govern.core.keyproof import key_proof_body
from govern.core.keys import SMALL_ORDER_ENCODINGS, b64url_encode, generate_keypair
from govern.extensions import db
from govern.meetings.models import OwnerKey
from tests.conftest import TEST_PASSWORD
from tests.meetings.helpers import World

P = 2**255 - 19
#: y = p + 3 names the same point as y = 3 (a point of large order): a second spelling of a valid key.
NON_CANONICAL = (P + 3).to_bytes(32, "little")


@pytest.fixture
def world(app, factory, monkeypatch):
    return World(app, factory, monkeypatch)


def _active_keys(app, world) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OwnerKey.public_key).where(
            OwnerKey.user_id == world.users["A"], OwnerKey.revoked_at.is_(None))))


@pytest.mark.parametrize("raw", [bytes(32), bytes([1]) + bytes(31), *sorted(SMALL_ORDER_ENCODINGS)[:3], NON_CANONICAL],
                         ids=["all-zero", "identity", "small-order-a", "small-order-b", "small-order-c",
                              "non-canonical"])
def test_weak_key_enrolment_refused_and_old_key_kept(app, client, world, raw):
    private, good = generate_keypair()
    body = key_proof_body(private, str(world.users["A"]), world.clock.moment)
    h = world.headers("A")
    first = client.post("/api/v1/keys", json={**body, "password": TEST_PASSWORD}, headers=h)
    assert first.status_code == 201
    # Whatever proof comes with it (here: a real signature by another key), a weak key is refused first.
    weak = {**body, "public_key": b64url_encode(raw), "password": TEST_PASSWORD}
    resp = client.post("/api/v1/keys", json=weak, headers=h)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "weak_key"
    assert _active_keys(app, world) == [good]
