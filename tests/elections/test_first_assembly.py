"""R36: the candidates are published with the notice, at least 7 days before voting (15 for a first assembly)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govern.errors import DomainError
from govern.extensions import db
from tests.elections.helpers import ElectionWorld
from tests.meetings.helpers import START


@pytest.fixture
def world(app, factory, monkeypatch):
    return ElectionWorld(app, factory, monkeypatch)


def _publish(app, world, *, kind: str, days: int) -> str | None:
    from govern.elections import services as elections
    from govern.meetings import services
    from govern.register.models import Community

    with app.test_request_context():
        community = db.session.get(Community, world.cid)
        community.settings_json = {"notice_days": 5}
        chair = world.user("chair")
        opens = START + timedelta(days=days)
        meeting = services.create_meeting(community, services.MeetingData(
            title="首次业主大会", kind=kind, opens_at=opens, closes_at=opens + timedelta(days=7)), actor=chair)
        motion = elections.create_election(meeting, title="选举业主委员会", seats=1, actor=chair)
        for name in ("A", "C"):
            row = elections.nominate(motion, nominee=world.user(name), by="committee", actor=chair)
            elections.accept_nomination(row, actor=world.user(name))
        elections.close_nominations(motion, actor=chair)
        try:
            services.publish_meeting(meeting, actor=chair)
        except DomainError as refused:
            db.session.rollback()
            return refused.code
        db.session.commit()
        return None


@pytest.mark.parametrize("kind, days, code", [
    ("regular", 6, "notice_too_short"),  # the community's 5 notice days, but candidates need 7
    ("regular", 8, None),
    ("first", 10, "notice_too_short"),  # a first assembly: 15 days
    ("first", 16, None),
])
def test_candidates_are_published_ahead_of_voting(app, world, kind, days, code):
    assert _publish(app, world, kind=kind, days=days) == code
