"""Editing a draft meeting that holds an election: the form edits the yes/no motions only; the election motion
keeps its row, its settings and its candidates."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govern.extensions import db
from tests.elections.helpers import ElectionWorld


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def _edit(client, mid: int):
    page = client.get(f"/meetings/{mid}/edit").get_data(as_text=True)
    assert 'value="选举业主委员会"' not in page  # the election is not offered as a yes/no motion
    form = {
        "title": "Changed title", "kind": "first", "opens_at": "2025-03-25T09:00", "closes_at": "2025-04-01T09:00",
        "revision_policy": "single-cast", "invalid_policy": "as-abstain",
        "motions-0-title": "议事规则（修订）", "motions-0-text": "New text", "motions-0-matter": "ordinary",
        "motions-1-title": "管理规约", "motions-1-text": "Covenant", "motions-1-matter": "ordinary",
    }
    return client.post(f"/meetings/{mid}/edit", data=form)


@pytest.mark.parametrize("candidates", [("A", "B1", "C"), ()], ids=["with_candidates", "without_candidates"])
def test_editing_the_meeting_keeps_the_election(app, world, client, candidates):
    from govern.elections.models import Candidate

    mid, motion_id = world.make_election(candidates=candidates, close=False, publish=False)
    world.login(client, "chair")
    assert _edit(client, mid).status_code == 302
    with app.app_context():
        motions = world.meeting(mid).motions
        assert [(m.title, m.is_election) for m in motions] == [
            ("议事规则（修订）", False), ("管理规约", False), ("选举业主委员会", True)]
        assert [m.position for m in motions] == [1, 2, 3]
        election = motions[2]
        assert election.id == motion_id and election.election["seats"] == 2
        names = {uid: name for name, uid in world.users.items()}
        rows = db.session.scalars(select(Candidate).where(Candidate.motion_id == motion_id)).all()
        assert sorted(names[c.user_id] for c in rows) == sorted(candidates)
