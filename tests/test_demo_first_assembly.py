"""#14 item 6: the second demo community 初心家园 has no committee; its preparatory group convened the first assembly.
Carried on to the end: the owners vote, the result is counted and countersigned by the group and a scrutineer,
the winners become the committee (the group is dissolved) and the exported record verifies."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govern import clock
from govern.accounts.models import Role, RoleGrant, User
from govern.extensions import db
from govern.register.models import Community


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def test_the_first_assembly_of_the_second_demo_community_end_to_end(app, runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    from govern.accounts.access import has_role
    from govern.accounts.committee import committee_warnings, members
    from govern.ballots.models import Meeting
    from govern.core.keys import sign
    from govern.core.verify import verify_record
    from govern.demo_second import KEYS
    from govern.elections import committee, preparatory
    from govern.elections.services import candidates_of
    from govern.meetings import results
    from govern.meetings.demo import _cast
    from govern.meetings.serverkey import server_public_key
    from govern.record.export import export_record

    with app.test_request_context():
        community = db.session.scalar(select(Community).where(Community.slug == "chuxin"))
        assert members(community) == []  # no committee: the preparatory group prepares the first assembly
        group = preparatory.active_group(community)
        roster = {m.user.username: (m.constituency, m.is_leader) for m in preparatory.members_of(group)}
        assert roster == {"street2": ("street_office", True), "juwei2": ("residents_committee", False),
                          "developer2": ("developer", False), "chuxin01": ("owners", False),
                          "chuxin02": ("owners", False), "chuxin03": ("owners", False)}
        meeting = db.session.scalar(select(Meeting).where(Meeting.community_id == community.id))
        assert (meeting.kind, meeting.convener) == ("first", "preparatory")
        assert meeting.opens_at - meeting.published_at >= timedelta(days=15)  # R36
        motion = next(m for m in meeting.motions if m.is_election)
        assert len(motion.election["candidates"]) == 7 and motion.election["seats"] == 5
        assert {c.nominated_by for c in candidates_of(motion)} == {"preparatory"}
        ids = [c["id"] for c in motion.election["candidates"]]
        others = [str(m.id) for m in meeting.motions if not m.is_election]

        # Most of the other owners vote; the first five candidates get the most marks.
        for n in range(15, 45):
            user = _user(f"chuxin{n:02d}")
            _cast(meeting, user, *KEYS[user.id], {others[0]: "agree", others[1]: "agree",
                                                  str(motion.id): {"marks": ids[:5] if n % 3 else ids[2:7]}})
        db.session.commit()

        with clock.frozen_at(meeting.closes_at + timedelta(hours=1)):
            rows = results.sign_results(meeting)
            by_motion = {r.motion_id: r for r in rows}
            outcome = by_motion[motion.id].document["result"]
            assert set(outcome["elected"]) == set(ids[:5]) and set(outcome["elected"][:3]) == set(ids[2:5])
            for row in rows:  # the group leader, an owner on the group and a scrutineer countersign
                for name in ("street2", "chuxin01", "chuxin46"):
                    signer = _user(name)
                    results.countersign_result(row, {"signature": sign(KEYS[signer.id][0], row.document),
                                                     "key_id": KEYS[signer.id][1]}, actor=signer)
            done = committee.install_committee(motion, actor=_user("street2"))
            db.session.commit()
        assert done.warnings == []
        sitting = members(community)
        assert sorted(g.user_id for g in sitting) == sorted(c.user_id for c in candidates_of(motion)
                                                            if c.code in outcome["elected"])
        assert all(g.term_starts_on and g.term_ends_on and g.role == Role.COMMITTEE_MEMBER for g in sitting)
        assert committee_warnings(community) == []
        assert preparatory.active_group(community) is None  # dissolved: its roles are revoked
        assert not has_role(_user("chuxin01"), community, Role.PREPARATORY)
        assert db.session.scalar(select(RoleGrant.id).where(RoleGrant.community_id == community.id,
                                                            RoleGrant.role == Role.PREPARATORY,
                                                            RoleGrant.revoked_at.is_(None))) is None
        report = verify_record(export_record(meeting), workers=1, server_key=server_public_key())
        assert report.valid, [p.code for p in report.problems]
