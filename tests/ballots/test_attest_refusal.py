"""A committee member who forces the attestation of their own paper ballot is told why on the paper ballot's
page (the domain's message, not a bare 403 page) and nothing is stored; a non-member still gets 403."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from govern.extensions import db
from tests.ballots.helpers import OPENS, RecordWorld

SAME_MEMBER = "A second committee member must attest: you entered this ballot."


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def paper_id(world, client):
    """A paper ballot for C entered (and signed) by "member", awaiting attestation."""
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    motion = world.info(client, mid)["motions"][0]["id"]
    assert world.enter_paper(client, mid, world.person_of(mid, "C"), {motion: "agree"}).status_code == 303
    return world.latest_paper_id()


def _snapshot(app) -> dict[str, list]:
    """Every row of every table."""
    with app.app_context():
        return {t.name: [tuple(r) for r in db.session.execute(select(t).order_by(*t.primary_key.columns))]
                for t in db.metadata.sorted_tables}


def _zh(app, message: str) -> str:
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(message)


def _post_attest(world, client, paper_id: int, name: str):
    """As ``name`` (already logged in), send an attestation correctly signed with their own key."""
    from govern.ballots.models import PaperBallot

    with world.app.app_context():
        ballot = db.session.get(PaperBallot, paper_id).ballot
    body = world.attest_body(ballot, attested_by=name)
    return client.post(f"/paper-ballots/{paper_id}/attest", data={"body": json.dumps(body)})


def test_own_entry_refused_with_the_reason_on_the_paper_page_and_nothing_stored(app, world, client, paper_id):
    world.login(client, "member")
    before = _snapshot(app)

    resp = _post_attest(world, client, paper_id, "member")

    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/paper-ballots/{paper_id}")
    assert _snapshot(app) == before
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    assert f'<div class="flash flash-error" role="alert">{_zh(app, SAME_MEMBER)}</div>' in html
    assert 'data-status="pending"' in html and 'id="attest-form"' not in html
    assert _snapshot(app) == before


def test_after_the_refusal_a_second_member_still_attests(app, world, client, paper_id):
    from govern.ballots.models import BallotEntry

    world.login(client, "member")
    assert _post_attest(world, client, paper_id, "member").status_code == 303
    assert world.attest(client, paper_id, attested_by="chair").status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(BallotEntry))
        assert (entry.position, entry.kind) == (1, "paper")
        assert entry.attestation["key_id"] == world.key_ids["chair"]


def test_non_member_still_gets_403_and_nothing_stored(app, world, client, paper_id):
    world.login(client, "auditor")  # sees paper ballots, is not on the committee
    before = _snapshot(app)
    resp = _post_attest(world, client, paper_id, "auditor")
    assert resp.status_code == 403
    assert _snapshot(app) == before
