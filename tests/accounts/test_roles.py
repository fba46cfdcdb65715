"""Granting and revoking roles in a community (platform admins only)."""

from __future__ import annotations

from sqlalchemy import select

from govern.accounts.models import Role, RoleGrant
from govern.audit.models import AuditEntry
from govern.extensions import db
from tests.accounts.conftest import audit_actions, count


def test_roles_page_lists_grants_with_revoke_forms(client, auth, garden):
    auth.login("root")
    body = client.get("/c/garden/roles").get_data(as_text=True)
    assert "mia" in body and "业委会委员" in body
    assert 'name="csrf_token"' in body and "/revoke" in body
    assert '<option value="owner"' not in body and '<option value="admin"' not in body


def test_grant_role_by_username_writes_audit(app, client, auth, factory, garden):
    uid = factory.user("sam")
    auth.login("root")
    resp = client.post("/c/garden/roles", data={"username": "sam", "role": "property_staff"})
    assert resp.status_code == 302
    with app.app_context():
        grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == uid))
        assert grant.role == Role.PROPERTY_STAFF and grant.community_id == garden.community_id
        assert grant.granted_by_id == garden.admin_id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.grant"))
        assert entry.actor_id == garden.admin_id and entry.community_id == garden.community_id
        assert entry.data == {"user": "sam", "role": "property_staff"}


def test_grant_role_unknown_user_400(app, client, auth, garden):
    auth.login("root")
    resp = client.post("/c/garden/roles", data={"username": "ghost", "role": "auditor"})
    assert resp.status_code == 400
    assert "没有使用此用户名的账户" in resp.get_data(as_text=True)
    assert "role.grant" not in audit_actions(app)


def test_grant_role_twice_conflict_400(app, client, auth, garden):
    auth.login("root")
    resp = client.post("/c/garden/roles", data={"username": "mia", "role": "committee_member"})
    assert resp.status_code == 400
    assert "已担任该角色" in resp.get_data(as_text=True)


def test_grant_owner_or_admin_role_refused(app, client, auth, factory, garden):
    factory.user("sam")
    auth.login("root")
    for role in ("owner", "admin"):
        assert client.post("/c/garden/roles", data={"username": "sam", "role": role}).status_code == 400
    assert count(app, RoleGrant) == 2


def test_revoke_role_writes_audit_and_removes_access(app, client, auth, garden):
    with app.app_context():
        grant_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == garden.member_id))
    auth.login("root")
    assert client.post(f"/c/garden/roles/{grant_id}/revoke").status_code == 302
    assert "role.revoke" in audit_actions(app, garden.community_id)
    auth.logout()
    auth.login("mia")
    assert client.get("/c/garden/claims").status_code == 403


def test_revoke_role_of_other_community_404(app, client, auth, factory, garden):
    other = factory.community(slug="park", name="公园小区")
    uid = factory.user("pat", roles=("auditor",), community=other)
    with app.app_context():
        grant_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == uid))
    auth.login("root")
    assert client.post(f"/c/garden/roles/{grant_id}/revoke").status_code == 404
    with app.app_context():
        assert db.session.get(RoleGrant, grant_id).revoked_at is None


def test_committee_member_cannot_grant_roles(app, client, auth, factory, garden):
    factory.user("sam")
    auth.login("mia")
    assert client.get("/c/garden/roles").status_code == 403
    assert client.post("/c/garden/roles", data={"username": "sam", "role": "committee_chair"}).status_code == 403
    assert count(app, RoleGrant) == 2
