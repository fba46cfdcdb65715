"""An election world: the meetings RecordWorld with an election motion (2 seats, candidates A, B1 and C)."""

from __future__ import annotations

from govern.extensions import db
from tests.ballots.helpers import RecordWorld

#: A 1×1 PNG.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


class ElectionWorld(RecordWorld):
    def make_election(self, *, seats: int = 2, max_marks: int | None = None, mode: str = "competitive",
                      candidates=("A", "B1", "C"), close: bool = True, publish: bool = True,
                      **window) -> tuple[int, int]:
        """A draft meeting with an ordinary motion and an election; the named owners nominated by the committee
        and accepted; nominations closed and the notice published unless told otherwise. ``(meeting, motion)``."""
        from govern.elections import services

        mid = self.make_meeting(motions=(("议事规则", "ordinary"),), publish=False, **window)
        with self.app.test_request_context():
            meeting = self.meeting(mid)
            chair = self.user("chair")
            motion = services.create_election(meeting, title="选举业主委员会", text="选举第一届业主委员会委员",
                                              seats=seats, max_marks=max_marks, mode=mode, actor=chair)
            for name in candidates:
                row = services.nominate(motion, nominee=self.user(name), by="committee", actor=chair)
                services.accept_nomination(row, actor=self.user(name))
                services.set_statement(row, actor=self.user(name), statement=f"{name} 的竞选陈述")
            if close:
                services.close_nominations(motion, actor=chair)
            db.session.commit()
            motion_id = motion.id
        if publish:
            self.publish(mid)
        return mid, motion_id

    def publish(self, mid: int) -> None:
        from govern.meetings import services

        with self.app.test_request_context():
            services.publish_meeting(self.meeting(mid), actor=self.user("chair"))
            db.session.commit()

    def codes_of(self, mid: int, motion_id: int) -> dict[str, str]:
        """The candidates' ids by the owner's name (A, B1, C)."""
        from govern.elections.models import Candidate

        with self.app.app_context():
            rows = db.session.query(Candidate).filter_by(motion_id=motion_id).all()
            names = {uid: name for name, uid in self.users.items()}
            return {names[c.user_id]: c.code for c in rows}


def authz_sample(app, community_id: int, users: dict) -> dict:
    """For tests/test_authz_matrix.py: a draft meeting with an election (1 seat) and the garden owner nominated
    by the committee, with a photo; ``election_id`` and ``candidate_id``."""
    from datetime import timedelta

    from govern import clock
    from govern.accounts.models import User
    from govern.elections import services as elections
    from govern.meetings import services
    from govern.register.models import Community

    moment = clock.now()
    chair = db.session.get(User, users["committee_chair"])
    owner = db.session.get(User, users["owner"])
    data = services.MeetingData(title="Election assembly", opens_at=moment + timedelta(days=20),
                                closes_at=moment + timedelta(days=30), motions=[])
    meeting = services.create_meeting(db.session.get(Community, community_id), data, actor=chair)
    motion = elections.create_election(meeting, title="选举业主委员会", seats=1, actor=chair)
    candidate = elections.nominate(motion, nominee=owner, by="committee", actor=chair)
    elections.set_statement(candidate, actor=owner, statement="陈述", photo=PNG, photo_name="me.png")
    db.session.commit()
    return {"election_id": motion.id, "candidate_id": candidate.id}
