"""No running tally (#12 item 3), role by role: while voting is open and while the votes are being counted, the
committee, an owner, the property staff and the street office see no choice and no count of choices on any page,
API answer, record edition or server-side verification report."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from tests.ballots.helpers import OPENS, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    w = RecordWorld(app, factory, monkeypatch)
    w.users["staff"] = factory.user("staff", roles=("property_staff",), community=w.cid)
    with app.test_request_context():
        from govern.accounts.services import issue_token
        from govern.extensions import db

        w.tokens["staff"] = issue_token(w.user("staff")).token
        db.session.commit()
    return w


@pytest.fixture
def voting(world, client):
    """Three owners voted "oppose" electronically; B1's paper ballot ("abstain") is attested."""
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    motion = world.info(client, mid)["motions"][0]["id"]
    for name in ("A", "C"):
        assert world.cast(client, mid, name, world.ballot(client, mid, name, "oppose")).status_code == 201
    assert world.enter_paper(client, mid, world.person_of(mid, "B1"), {motion: "abstain"}).status_code == 303
    assert world.attest(client, world.latest_paper_id()).status_code == 303
    return mid


def _pages(world, mid, slug) -> list[str]:
    return [f"/meetings/{mid}", f"/meetings/{mid}/result", f"/meetings/{mid}/paper", f"/meetings/{mid}/proxies",
            f"/audit/meetings/{mid}", f"/c/{slug}/audit/meetings", f"/c/{slug}/metrics", "/", f"/c/{slug}"]


def _slug(world) -> str:
    from govern.extensions import db
    from govern.register.models import Community

    with world.app.app_context():
        return db.session.get(Community, world.cid).slug


#: A choice (``"1": "oppose"``) or a tally (``"oppose": {"persons": 2, ...}``) in JSON, as a page or an answer shows it.
CHOICE = re.compile(r':\s*"(agree|oppose|abstain)"|"(agree|oppose|abstain)"\s*:')


def _answer_text(resp) -> str:
    """An API answer as text; a record edition (a v2 meeting's public edition is given out while voting) is every
    file in it."""
    if resp.mimetype == "application/zip":
        from govern.core.archive import read_record

        return "\n".join(data.decode("utf-8") for data in read_record(resp.data).values())
    return resp.get_data(as_text=True)


def _no_choice(text: str, who: str, url: str) -> None:
    found = CHOICE.search(html.unescape(text))
    assert found is None, (who, url, found and found.group(0))


@pytest.mark.parametrize("stage", ["open", "counting"])
def test_nobody_sees_a_choice_or_a_count_before_the_preliminary_result(world, client, voting, stage):
    mid, slug = voting, _slug(world)
    if stage == "counting":
        world.close(tick=False)
    for who in ("chair", "member", "A", "staff", "auditor"):
        world.login(client, who)
        for url in _pages(world, mid, slug):
            resp = client.get(url)
            if resp.status_code == 200:
                _no_choice(resp.get_data(as_text=True), who, url)
        client.post("/logout")
        for url in (f"/api/v1/meetings/{mid}", f"/api/v1/meetings/{mid}/results", f"/api/v1/meetings/{mid}/me",
                    f"/api/v1/meetings/{mid}/record?edition=public", f"/api/v1/meetings/{mid}/record?edition=auditor",
                    f"/api/v1/communities/{world.cid}/metrics"):
            resp = client.get(url, headers=world.headers(who))
            assert resp.status_code != 500
            _no_choice(_answer_text(resp), who, url)
    # the street office's server-side verification of the interim record: no tally in its report
    resp = client.post(f"/api/v1/meetings/{mid}/verifications", headers=world.headers("auditor"))
    assert resp.status_code == 202
    body = resp.get_json()
    _no_choice(resp.get_data(as_text=True), "auditor", "verifications")
    assert not (body.get("report") or {}).get("motions")
