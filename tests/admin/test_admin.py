"""Platform admins create communities; the first admin is created from the command line."""

from __future__ import annotations

from sqlalchemy import select

from govern.accounts.models import Role, RoleGrant, User
from govern.audit.models import AuditEntry
from govern.extensions import db
from govern.register.models import Community


def test_communities_page_admin_creates_community(app, factory, client, auth):
    factory.user("root", roles=("admin",))
    auth.login("root")
    resp = client.post("/admin/communities", data={"slug": "heping", "name": "和平花园", "district": "和平街道"})
    assert resp.status_code == 302
    with app.app_context():
        c = db.session.scalar(select(Community).where(Community.slug == "heping"))
        assert c.name == "和平花园"
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "community.create")) is not None
    assert "和平花园" in client.get("/admin/communities").get_data(as_text=True)


def test_communities_page_duplicate_or_bad_slug_refused_in_chinese(app, factory, client, auth):
    factory.community(slug="garden")
    factory.user("root", roles=("admin",))
    auth.login("root")
    resp = client.post("/admin/communities", data={"slug": "garden", "name": "重复"})
    assert resp.status_code == 400
    assert "已存在" in resp.get_data(as_text=True)
    resp = client.post("/admin/communities", data={"slug": "Bad Slug!", "name": "坏名字"})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Community.id))) == 1


def test_communities_page_non_admin_forbidden(app, factory, client, auth):
    cid = factory.community()
    factory.user("chair", roles=("committee_chair",), community=cid)
    auth.login("chair")
    assert client.get("/admin/communities").status_code == 403
    assert client.post("/admin/communities", data={"slug": "x1", "name": "x"}).status_code == 403
    auth.logout()
    assert client.get("/admin/communities").status_code == 302


def test_create_admin_and_community_commands(app, runner):
    result = runner.invoke(args=["create-admin", "boss"], input="a-long-password-1\na-long-password-1\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-community", "xinhua", "新华小区", "--district", "新华街道"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["create-community", "xinhua", "新华小区"])
    assert again.exit_code == 2
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        assert db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == boss.id)).role == Role.ADMIN
        assert db.session.scalar(select(Community).where(Community.slug == "xinhua")).district == "新华街道"
