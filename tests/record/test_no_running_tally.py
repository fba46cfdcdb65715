"""No running tally for anybody (#12 item 3): while votes are being counted, no page, API answer or record edition
shows a choice or a count of choices to owners, the committee or the street office. The only exception is the
single paper ballot a member is entering or attesting; the list of paper ballots shows who and when."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from govern.core.archive import read_record
from tests.ballots.helpers import CLOSES, OPENS, RecordWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return RecordWorld(app, factory, monkeypatch)


@pytest.fixture
def voting(world, client):
    """An open meeting: A voted electronically, B1 on paper (attested), C delegated with instructions and has a
    paper ballot awaiting attestation."""
    mid = world.make_meeting(motions=(("Hire a company", "ordinary"),))
    world.clock.set(OPENS + timedelta(hours=1))
    motion = world.info(client, mid)["motions"][0]["id"]
    assert world.cast(client, mid, "A", world.ballot(client, mid, "A", "agree")).status_code == 201
    assert world.enter_paper(client, mid, world.person_of(mid, "B1"), {motion: "abstain"}).status_code == 303
    attested = world.latest_paper_id()
    assert world.attest(client, attested).status_code == 303
    resp = world.delegate(client, mid, "C", "member", instructions={motion: "oppose"})
    assert resp.status_code == 201, resp.get_json()
    assert world.enter_paper(client, mid, world.person_of(mid, "C"), {motion: "oppose"}).status_code == 303
    return {"mid": mid, "attested": attested, "pending": world.latest_paper_id()}


def _page(world, client, who: str, url: str):
    world.login(client, who)
    return client.get(url)


def _text(resp) -> str:
    """The page with HTML entities decoded (a JSON entry is shown escaped: &#34;choices&#34;)."""
    return html.unescape(resp.get_data(as_text=True))


def test_committee_and_auditor_see_no_choice_while_counting(world, client, voting):
    mid, attested, pending = voting["mid"], voting["attested"], voting["pending"]
    for moment in ("open", "closed"):
        if moment == "closed":
            world.close(tick=False)
        for who in ("chair", "member", "auditor"):
            # the attested paper ballot: who and when, not its choices, nor its scan
            resp = _page(world, client, who, f"/paper-ballots/{attested}")
            assert resp.status_code == 200
            page = _text(resp)
            assert 'id="paper-ballot"' not in page and '"abstain"' not in page, (moment, who)
            assert _page(world, client, who, f"/paper-ballots/{attested}/scan").status_code == 409
            page = _text(_page(world, client, who, f"/meetings/{mid}/paper"))
            assert '"choices"' not in page  # who and when, no entry
        audit = _text(_page(world, client, "auditor", f"/audit/meetings/{mid}"))
        assert '"oppose"' not in audit  # the proxy's instructions are choices too
        # the one paper ballot a member is attesting: shown to the committee (entry and scan), not to the auditor
        if moment == "open":
            page = _text(_page(world, client, "chair", f"/paper-ballots/{pending}"))
            assert 'id="paper-ballot"' in page and '"oppose"' in page
            assert _page(world, client, "chair", f"/paper-ballots/{pending}/scan").status_code == 200
            page = _text(_page(world, client, "auditor", f"/paper-ballots/{pending}"))
            assert '"oppose"' not in page
        client.post("/logout")
        for who in ("chair", "auditor", "A"):
            results = client.get(f"/api/v1/meetings/{mid}/results", headers=world.headers(who)).get_json()
            assert results["results"] == []
            resp = client.get(f"/api/v1/meetings/{mid}/record?edition=auditor", headers=world.headers(who))
            assert resp.status_code in (403, 409) and b"abstain" not in resp.data
            # the v2 public edition is given out: the ledger in digest form, no result (no choice, no count)
            resp = client.get(f"/api/v1/meetings/{mid}/record?edition=public", headers=world.headers(who))
            files = read_record(resp.data)
            assert "result.json" not in files
            assert not [(n, c) for n, data in files.items() for c in (b'"agree"', b'"oppose"', b'"abstain"')
                        if c in data]


def test_choices_are_shown_from_the_preliminary_result(world, client, voting):
    mid, attested = voting["mid"], voting["attested"]
    world.close(tick=False)
    # C's paper ballot awaits attestation: the result waits for the two-hour sealed-box declaration window
    world.clock.set(CLOSES + timedelta(hours=2))
    world.tick()  # the preliminary result is signed
    assert client.get(f"/api/v1/meetings/{mid}", headers=world.headers("A")).get_json()["stage"] == "preliminary"
    page = _text(_page(world, client, "auditor", f"/paper-ballots/{attested}"))
    assert 'id="paper-ballot"' in page and '"abstain"' in page
    assert _page(world, client, "auditor", f"/paper-ballots/{attested}/scan").status_code == 200
    assert '"oppose"' in _text(_page(world, client, "auditor", f"/audit/meetings/{mid}"))
    client.post("/logout")
    assert client.get(f"/api/v1/meetings/{mid}/record?edition=auditor",
                      headers=world.headers("auditor")).status_code == 200
