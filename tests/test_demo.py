"""`govern demo` loads 示范花园 once, through the real register import, and never in production."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from govern.accounts.models import Role, RoleGrant, User
from govern.audit.services import verify_chain
from govern.extensions import db
from govern.register.models import Building, Community, Owner, Ownership, Unit, UnitStatus


def test_demo_loads_community_with_register_and_accounts(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "govern-demo" in result.output
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.slug == "shifan"))
        assert community.name == "示范花园"
        assert db.session.scalar(select(func.count(Building.id))) >= 3
        units = db.session.scalar(select(func.count(Unit.id)).where(Unit.community_id == community.id))
        assert 280 <= units <= 340
        # Developer-held units, co-owned units and owners of several units all exist.
        assert db.session.scalar(select(func.count(Unit.id)).where(Unit.status == UnitStatus.UNSOLD)) > 0
        co_owned = db.session.execute(
            select(Ownership.unit_id).group_by(Ownership.unit_id).having(func.count() > 1)
        ).all()
        assert len(co_owned) > 10
        multi = db.session.execute(
            select(Ownership.owner_id).group_by(Ownership.owner_id).having(func.count() > 1)
        ).all()
        assert len(multi) > 3
        for name in ("admin", "chair", "committee1", "committee2", "property1", "auditor1", "owner001"):
            assert db.session.scalar(select(User).where(User.username == name)) is not None, name
        owner001 = db.session.scalar(select(User).where(User.username == "owner001"))
        assert db.session.scalar(select(Owner).where(Owner.user_id == owner001.id)) is not None
        chair_roles = set(db.session.scalars(
            select(RoleGrant.role).join(User, RoleGrant.user_id == User.id).where(User.username == "chair")
        ))
        assert {Role.COMMITTEE_CHAIR, Role.OWNER} <= chair_roles
        assert verify_chain().ok


def _counts() -> tuple[int, ...]:
    from govern.ballots.models import BallotEntry, Meeting, MotionResult, PaperBallot

    return tuple(db.session.scalar(select(func.count(model.id)))
                 for model in (Community, Unit, User, Meeting, BallotEntry, PaperBallot, MotionResult))


def test_demo_second_run_changes_nothing(app, runner):
    runner.invoke(args=["demo"])
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert "already loaded" in result.output
    with app.app_context():
        assert _counts() == before
    # What `make run` does on every start: the demo, with its ballots, is loaded once.
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "already holds data" in result.output
    with app.app_context():
        assert _counts() == before


def test_demo_if_empty_skips_database_with_data(app, runner, factory):
    factory.community()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Community).where(Community.slug == "shifan")) is None


def test_demo_refused_in_production(make_app):
    app = make_app(GOVERN_ENV="production")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 2
    assert "production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Community.id))) == 0


def test_demo_owner_logs_in_and_gets_api_token(app, runner, client):
    runner.invoke(args=["demo"])
    resp = client.post("/api/v1/tokens", json={"username": "owner001", "password": "govern-demo"})
    assert resp.status_code == 201
    token = resp.get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["communities"][0]["roles"] == ["owner"]


def test_demo_records_verify(app, runner, tmp_path):
    """An auditor who exports the demo's assemblies gets records that `govern verify` accepts."""
    from govern.ballots.models import Meeting, OwnerKey
    from govern.core.verify import verify_record

    runner.invoke(args=["demo"])
    with app.app_context():
        ids = db.session.scalars(select(Meeting.id).order_by(Meeting.id)).all()
        # every demo key, the committee's re-enrolled ones for the minutes included, carries its proof of possession
        unproven = db.session.scalars(select(OwnerKey.user_id).where(OwnerKey.proof.is_(None))).all()
    assert unproven == []
    assert len(ids) == 4  # closed, open, the open committee election and 初心家园's first assembly (#14)
    for mid in ids:
        out = tmp_path / f"record-{mid}.zip"
        result = runner.invoke(args=["export-record", str(mid), str(out)])
        assert result.exit_code == 0, result.output
        report = verify_record(out.read_bytes(), workers=1)
        assert report.valid, [p for p in report.problems][:5]


def _meetings_by_status() -> dict:
    from govern.ballots.models import Meeting

    out: dict = {}
    for m in db.session.scalars(select(Meeting).order_by(Meeting.id)):  # the first of each (the election is later)
        out.setdefault(m.status.value, m)
    return out


def test_demo_closed_assembly_meets_quorum_with_paper_ballots(app, runner, tmp_path):
    """The closed assembly is a valid vote: electronic and paper ballots meet the quorum (R18), counted apart.

    One motion is adopted and one is rejected on its merits (the threshold, not the quorum), and the
    exported record, paper ballots and all, verifies.
    """
    import hashlib

    from govern.ballots.models import BallotEntry, PaperBallot
    from govern.core.verify import verify_record
    from govern.meetings import results

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        meetings = _meetings_by_status()
        closed, current = meetings["closed"], meetings["open"]
        docs = [row.document for row in results.results_of(closed)]
        assert len(docs) == len(closed.motions) == 2
        for doc in docs:
            tally, ballots = doc["result"], doc["ballots"]
            part, totals = tally["participation"], tally["totals"]
            assert part["quorum_met"] and tally["invalid_policy"] == "as-abstain"
            assert 3 * part["persons"] >= 2 * totals["persons"]
            assert 3 * Decimal(part["area"]) >= 2 * Decimal(totals["area"])
            # Counted apart, and together they are every participant (invalid marks count as abstentions).
            assert set(ballots) == {"electronic", "paper", "proxy"}
            assert ballots["electronic"] >= 30 and ballots["paper"] > ballots["electronic"] and ballots["proxy"] == 0
            marks = sum(tally[k]["persons"] for k in ("agree", "oppose", "abstain", "invalid"))
            assert sum(ballots.values()) == marks == part["persons"]
        adopted = [d for d in docs if d["result"]["adopted"]]
        rejected = [d for d in docs if not d["result"]["adopted"]]
        assert len(adopted) == 1 and len(rejected) == 1
        assert adopted[0]["motion_title"] == "续聘现物业服务企业"
        no = rejected[0]["result"]
        assert no["reasons"] and set(no["reasons"]) <= {"THRESHOLD_AREA", "THRESHOLD_COUNT"}
        assert no["oppose"]["persons"] > no["agree"]["persons"]
        assert sum(d["result"]["invalid"]["persons"] for d in docs) == 2

        # Every paper ballot: entered and attested by two different committee members while voting was open,
        # with a labelled placeholder scan whose hash is the one signed.
        committee = {u.id for u in db.session.scalars(
            select(User).where(User.username.in_(["chair", "committee1", "committee2"])))}
        papers = list(db.session.scalars(select(PaperBallot).where(PaperBallot.meeting_id == closed.id)))
        assert len(papers) == docs[0]["ballots"]["paper"]
        assert {p.entered_by_id for p in papers} == committee
        for p in papers:
            assert p.entry_id is not None and p.entered_by_id != p.attested_by_id
            assert {p.entered_by_id, p.attested_by_id} <= committee
            assert closed.opens_at <= p.entered_at < p.attested_at < closed.closes_at
            assert p.scan.startswith(b"%PDF-") and b"DEMO DATA - NOT A REAL SCAN" in p.scan
            assert hashlib.sha256(p.scan).hexdigest() == p.scan_sha256 == p.ballot["scan_sha256"]
        reasons = [p.ballot["invalid_reasons"] for p in papers if p.ballot["invalid_reasons"]]
        assert len(reasons) == 2 and all(all(r.strip() for r in rs.values()) for rs in reasons)
        kinds = [k for (k,) in db.session.execute(
            select(BallotEntry.kind).where(BallotEntry.meeting_id == closed.id).order_by(BallotEntry.position))]
        assert kinds.count("electronic") == docs[0]["ballots"]["electronic"]
        assert kinds == sorted(kinds)  # the owners voted online first; paper came in later
        # The assembly open now has, realistically, too few ballots yet, all electronic.
        voted = set(db.session.scalars(select(BallotEntry.voter).where(BallotEntry.meeting_id == current.id)))
        assert 0 < 3 * len(voted) < 2 * current.total_persons
        assert db.session.scalar(select(func.count(PaperBallot.id)).where(PaperBallot.meeting_id == current.id)) == 0
        closed_id = closed.id

    out = tmp_path / "closed.zip"
    assert runner.invoke(args=["export-record", str(closed_id), str(out)]).exit_code == 0
    report = verify_record(out.read_bytes(), workers=1)
    assert report.valid, report.problems[:5]
    assert report.counted_by_kind == {"electronic": docs[0]["ballots"]["electronic"],
                                      "paper": docs[0]["ballots"]["paper"]}
    assert [(m["adopted"], m["ballots"]) for m in report.motions] == [(d["result"]["adopted"], d["ballots"])
                                                                       for d in docs]
