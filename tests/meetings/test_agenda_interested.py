"""Art. 279 (R25, #13 item 7): the applicant's units and the interested units are part of the agenda object that
publishing fixes, so who decides a unanimity motion is in the notice and its hash; agendas published before (no
``interested``) still verify."""

from __future__ import annotations

import json

from govern.core.agenda import agenda_hash, agenda_problems, build_agenda
from govern.core.archive import read_record
from tests.ballots.helpers import codes
from tests.meetings.test_notice_law import _draft, _publish
from tests.meetings.test_notice_law import world279 as world279  # noqa: F401  (the fixture)

SPEC = {"applicant_units": ["101"], "interested_units": ["103", "102"], "reason": ""}


def _agenda(matter: str, interested=None) -> dict:
    return build_agenda(community="1", meeting="2", revision_policy="single-cast", invalid_policy="as-abstain",
                        motions=[{"id": "7", "title": "Shop", "text": "t", "item": None, "matter": matter,
                                  "attachments": [], "interested": interested}])


def test_the_interested_units_are_in_the_agenda_and_its_hash():
    agenda = _agenda("unanimous_interested", SPEC)
    assert agenda["motions"][0]["interested"] == {"applicant_units": ["101"], "interested_units": ["102", "103"],
                                                  "reason": None}
    assert agenda_problems(agenda) == []
    other = _agenda("unanimous_interested", {**SPEC, "interested_units": ["102"]})
    assert agenda_hash(other) != agenda_hash(agenda)
    # an agenda of before (no interested) stays well formed; other classes never carry it
    old = _agenda("unanimous_interested")
    assert "interested" not in old["motions"][0] and agenda_problems(old) == []
    assert "interested" not in _agenda("ordinary", SPEC)["motions"][0]
    bad = json.loads(json.dumps(agenda))
    bad["motions"][0]["matter"] = "major"
    assert agenda_problems(bad)
    bad["motions"][0].update(matter="unanimous_interested", interested={"interested_units": []})
    assert agenda_problems(bad)


def test_a_published_art_279_notice_carries_them_and_a_change_does_not_verify(app, world279, client):
    from govern.meetings import services

    world = world279
    mid = _draft(app, world, [services.MotionData(title="Shop in 101", matter="unanimous_interested",
                                                  applicant_units=["101"])])
    _publish(app, world, mid)
    world.close()
    data = world.export(client, mid)
    meeting_json = json.loads(read_record(data)["meeting.json"])
    assert meeting_json["agenda"]["motions"][0]["interested"] == {
        "applicant_units": ["101"], "interested_units": ["102", "103"], "reason": None}
    assert codes(data) == set()
    with app.app_context():  # the interested units changed after publication: the record no longer verifies
        from govern.extensions import db

        meeting = world.meeting(mid)
        agenda = json.loads(json.dumps(meeting.agenda))
        agenda["motions"][0]["interested"]["interested_units"] = ["102"]
        meeting.agenda = agenda
        db.session.commit()
    assert "agenda_hash_mismatch" in codes(world.export(client, mid))
