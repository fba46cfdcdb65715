"""Colliding committee decisions and double co-signatures on PostgreSQL (issue #15 item 5): one wins, the
other answers 409 with a named code, never a 500 and never a mixed state."""

from __future__ import annotations

import threading

import pytest

from govern.agenda.models import CoSignature, Proposal, ProposalState
from govern.extensions import db
from tests.agenda.conftest import opened, token
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="row locks are tested on PostgreSQL (set DATABASE_URL; CI does); SQLite serialises writers"
)


def _race(app, requests: list[tuple[str, dict, dict]]) -> list[tuple[int, dict]]:
    """POST each (path, headers, body) from its own thread at the same moment; the (status, body) answers."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def go(i, path, headers, body):
        client = app.test_client()
        barrier.wait(timeout=30)
        resp = client.post(path, headers=headers, json=body)
        answers[i] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=go, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


def test_concurrent_accept_and_reject_one_200_one_409(app, rc):
    app.config["PROPAGATE_UNEXPECTED"] = False
    p = opened(rc)
    p.state = ProposalState.REVIEW
    db.session.commit()
    pid = p.id
    client = app.test_client()
    cm1, cm2 = token(client, "cm1"), token(client, "cm2")
    for _ in range(3):
        answers = _race(app, [(f"/api/v1/proposals/{pid}/review", cm1, {"action": "accept"}),
                              (f"/api/v1/proposals/{pid}/review", cm2, {"action": "reject", "reason": "否"})])
        statuses = sorted(s for s, _ in answers)
        assert statuses == [200, 409], [(s, b.get("state"), b.get("error")) for s, b in answers]
        loser = next(b for s, b in answers if s == 409)
        assert loser["error"]["code"] in ("decided", "not_in_review")
        db.session.expire_all()
        row = db.session.get(Proposal, pid)
        winner = next(i for i, (s, _) in enumerate(answers) if s == 200)
        assert row.state == (ProposalState.ACCEPTED if winner == 0 else ProposalState.REJECTED)
        row.state, row.decided_at, row.decided_by_id = ProposalState.REVIEW, None, None  # again
        db.session.commit()


def test_double_cosign_one_201_one_409(app, rc):
    app.config["PROPAGATE_UNEXPECTED"] = False
    p = opened(rc, author="a")
    db.session.commit()
    pid = p.id
    headers = token(app.test_client(), "c")
    answers = _race(app, [(f"/api/v1/proposals/{pid}/cosign", headers, {})] * 2)
    statuses = sorted(s for s, _ in answers)
    assert statuses[0] < 300 and statuses[1] == 409, answers
    assert next(b for s, b in answers if s == 409)["error"]["code"] == "already_signed"
    db.session.expire_all()
    assert db.session.query(CoSignature).filter_by(proposal_id=pid, user_id=rc.world.ids["c"]).count() == 1
