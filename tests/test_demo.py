"""`govern demo` loads 示范花园 once, through the real register import, and never in production."""

from __future__ import annotations

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


def test_demo_second_run_changes_nothing(app, runner):
    runner.invoke(args=["demo"])
    with app.app_context():
        before = db.session.scalar(select(func.count(Unit.id)))
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert "already loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Unit.id))) == before


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
    from govern.core.record import verify_record
    from govern.meetings.models import Meeting

    runner.invoke(args=["demo"])
    with app.app_context():
        ids = db.session.scalars(select(Meeting.id).order_by(Meeting.id)).all()
    assert len(ids) == 2
    for mid in ids:
        out = tmp_path / f"record-{mid}.zip"
        result = runner.invoke(args=["export-record", str(mid), str(out)])
        assert result.exit_code == 0, result.output
        report = verify_record(out.read_bytes(), workers=1)
        assert report.valid, [p for p in report.problems][:5]
