"""A voting world for the meeting tests: a small community, owners with keys and tokens, a movable clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from govern.core.ballot import build_ballot, new_nonce
from govern.core.keys import generate_keypair, sign
from govern.extensions import db

#: The clock starts here; the notice is published at START, voting opens 20 days later.
START = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
OPENS = START + timedelta(days=20)
CLOSES = OPENS + timedelta(days=10)


class Clock:
    def __init__(self, monkeypatch, moment: datetime = START):
        self.moment = moment
        monkeypatch.setattr("govern.clock.now", lambda: self.moment)

    def set(self, moment: datetime) -> None:
        self.moment = moment


class World:
    """garden: A holds 101–103, B1+B2 co-own 201, C holds 301, developer units; chair convenes."""

    def __init__(self, app, factory, monkeypatch, *, owners=("A", "B1", "C")):
        self.app = app
        self.clock = Clock(monkeypatch)
        self.cid = factory.community()
        self.users: dict[str, int] = {}
        self.tokens: dict[str, str] = {}
        self.keys: dict[str, object] = {}
        self.key_ids: dict[str, str] = {}
        self.users["chair"] = factory.user("chair", roles=("committee_chair",), community=self.cid)
        self.users["member"] = factory.user("member", roles=("committee_member",), community=self.cid)
        for ref in owners:
            self.users[ref] = factory.user(ref.lower(), community=self.cid, owner_ref=ref)
        self.users["auditor"] = factory.user("auditor", roles=("auditor",), community=self.cid)
        with app.test_request_context():
            from govern.accounts.models import User
            from govern.accounts.services import issue_token
            from govern.meetings import services

            for name, uid in self.users.items():
                user = db.session.get(User, uid)
                self.tokens[name] = issue_token(user).token
                private, public = generate_keypair()
                services.enroll_key(user, {"public_key": public}, actor=user, check_pw=False)
                self.keys[name], self.key_ids[name] = private, public
            db.session.commit()

    def tick(self) -> dict:
        """Run ``govern tick`` at the world's clock (signs the results of meetings whose voting ended)."""
        from govern.delivery.tick import tick

        with self.app.app_context():
            return tick(self.clock.moment)

    def headers(self, name: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def user(self, name: str):
        from govern.accounts.models import User

        return db.session.get(User, self.users[name])

    def make_meeting(self, *, motions=(("Hire a new property company", "ordinary"),), publish=True,
                     revision_policy="single-cast", scope=None, opens=OPENS, closes=CLOSES) -> int:
        from govern.meetings import services
        from govern.register.models import Community

        with self.app.test_request_context():
            data = services.MeetingData(
                title="2025 first owners' assembly", opens_at=opens, closes_at=closes,
                revision_policy=revision_policy, scope_buildings=scope,
                motions=[services.MotionData(title=t, text=f"Full text of {t}", matter=m) for t, m in motions],
            )
            chair = self.user("chair")
            meeting = services.create_meeting(db.session.get(Community, self.cid), data, actor=chair)
            if publish:
                services.publish_meeting(meeting, actor=chair)
            db.session.commit()
            return meeting.id

    def name_scrutineer(self, mid: int, name: str = "C", by: str = "chair") -> None:
        """The convening body names ``name`` a scrutineer of the meeting (before the close): from v2 meetings on,
        a result is final only with a scrutineer's countersignature beside two of the committee's."""
        from govern.meetings import scrutineers

        with self.app.test_request_context():
            scrutineers.name_scrutineer(self.meeting(mid), self.user(name), actor=self.user(by))
            db.session.commit()

    def meeting(self, mid: int):
        from govern.ballots.models import Meeting

        return db.session.get(Meeting, mid)

    def context(self, client, mid: int, name: str) -> dict:
        me = client.get(f"/api/v1/meetings/{mid}/me", headers=self.headers(name)).get_json()
        info = client.get(f"/api/v1/meetings/{mid}", headers=self.headers(name)).get_json()
        return {"me": me, "info": info}

    def ballot(self, client, mid: int, name: str, choice: str = "agree", *, choices=None, key_name=None,
               issued_at=None, **override) -> dict:
        """A signed cast request for ``name`` (choices for every motion unless given)."""
        ctx = self.context(client, mid, name)
        info, me = ctx["info"], ctx["me"]
        fields = dict(
            community=info["community"], meeting=str(info["id"]), roll_hash=info["roll_hash"], voter=me["voter"],
            choices=choices if choices is not None else {m["id"]: choice for m in info["motions"]},
            issued_at=issued_at or self.clock.moment, nonce=new_nonce(os.urandom),
            agenda_hash=info.get("agenda_hash"),
        )
        fields.update(override)
        ballot = build_ballot(**fields)
        signer = key_name or name
        return {"ballot": ballot, "signature": sign(self.keys[signer], ballot), "key_id": self.key_ids[signer]}

    def cast(self, client, mid: int, name: str, body: dict):
        return client.post(f"/api/v1/meetings/{mid}/ballots", json=body, headers=self.headers(name))

    def count(self, model) -> int:
        from sqlalchemy import func, select

        return db.session.scalar(select(func.count()).select_from(model))


def authz_sample(app, community_id: int, owner_id: int) -> dict:
    """For tests/test_authz_matrix.py: an open meeting of ``community_id`` with one ballot by ``owner_id``.

    Returns URL sample values ``meeting_id``, ``motion_id`` and ``ballot_hash``.
    """
    from govern import clock
    from govern.accounts.models import User
    from govern.meetings import services
    from govern.meetings.attachments import store_motion_file
    from govern.register.models import Community

    moment = clock.now()
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        private, public = generate_keypair()
        services.enroll_key(owner, {"public_key": public}, actor=owner, check_pw=False)
        sample_file = store_motion_file("a.pdf", b"%PDF-1.4 sample")
        data = services.MeetingData(title="Matrix assembly", opens_at=moment + timedelta(days=20),
                                    closes_at=moment + timedelta(days=30),
                                    motions=[services.MotionData(title="Motion", text="Text",
                                                                 attachments=[sample_file])])
        meeting = services.create_meeting(db.session.get(Community, community_id), data, actor=None)
        services.publish_meeting(meeting, actor=None)
        meeting.opens_at = moment - timedelta(hours=1)  # open it now, as if the notice period had passed
        db.session.flush()
        voter = services.persons_for(meeting, owner)[0].person
        ballot = build_ballot(community=str(community_id), meeting=str(meeting.id), roll_hash=meeting.roll_hash,
                              voter=voter, choices={str(meeting.motions[0].id): "agree"}, issued_at=moment,
                              nonce=new_nonce(os.urandom), agenda_hash=meeting.agenda_hash)
        entry = services.cast_ballot(meeting, {"ballot": ballot, "signature": sign(private, ballot), "key_id": public},
                                     actor=owner)
        db.session.commit()
        return {"meeting_id": meeting.id, "motion_id": meeting.motions[0].id, "ballot_hash": entry.ballot_hash,
                "sha256": sample_file["sha256"], "roll_objection_id": 1}
