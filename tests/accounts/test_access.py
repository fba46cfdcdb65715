"""The predicates of govern.accounts.access, called directly (no HTTP)."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from govern.accounts import access, services
from govern.accounts.models import OwnerClaim, Role, User
from govern.extensions import db
from govern.register.models import Community, Owner

PREDICATES = ("can_view_community", "can_manage_register", "can_grant_roles", "can_confirm_owners",
              "can_read_audit", "can_issue_claim_codes", "is_committee", "is_confirmed_owner")

#            view  register grant  confirm audit  sheets committee owner
EXPECTED = {
    "anonymous": (0, 0, 0, 0, 0, 0, 0, 0),
    "pending": (1, 0, 0, 0, 0, 0, 0, 0),
    "rejected": (0, 0, 0, 0, 0, 0, 0, 0),
    "owner": (1, 0, 0, 0, 0, 0, 0, 1),
    "committee_member": (1, 0, 0, 1, 0, 1, 1, 0),
    "committee_chair": (1, 0, 0, 1, 0, 1, 1, 0),
    "property_staff": (1, 0, 0, 0, 0, 0, 0, 0),
    "auditor": (1, 0, 0, 0, 1, 0, 0, 0),
    "observer": (1, 0, 0, 0, 1, 0, 0, 0),
    "admin": (1, 1, 1, 1, 1, 1, 0, 0),
    "revoked_member": (0, 0, 0, 0, 0, 0, 0, 0),
    "other_owner": (0, 0, 0, 0, 0, 0, 0, 0),
}


@pytest.fixture
def people(app, factory):
    garden = factory.community()
    park = factory.community(slug="park", name="公园小区")
    ids = {}
    for role in ("committee_member", "committee_chair", "property_staff", "auditor", "observer", "admin"):
        ids[role] = factory.user(role, roles=(role,), community=garden)
    ids["owner"] = factory.user("owner", community=garden, owner_ref="A")
    ids["other_owner"] = factory.user("other", community=park, owner_ref="A")
    ids["pending"] = factory.user("pending")
    ids["rejected"] = factory.user("rejected")
    ids["revoked_member"] = factory.user("revoked", roles=("committee_member",), community=garden)
    with app.app_context():
        c_owner = db.session.query(Owner).filter_by(community_id=garden, ref="C").one()
        for key, status in (("pending", "pending"), ("rejected", "rejected")):
            db.session.add(OwnerClaim(user_id=ids[key], unit_id=c_owner.ownerships[0].unit_id, community_id=garden,
                                      owner_id=c_owner.id, phone="13800000009", status=status))
        admin = db.session.get(User, ids["admin"])
        grant = db.session.get(User, ids["revoked_member"]).grants[0]
        services.revoke_role(grant, actor=admin)
        db.session.commit()
    return garden, ids


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_predicates_by_role(app, people, who):
    garden, ids = people
    with app.test_request_context():
        community = db.session.get(Community, garden)
        user = AnonymousUserMixin() if who == "anonymous" else db.session.get(User, ids[who])
        got = tuple(int(bool(getattr(access, name)(user, community))) for name in PREDICATES)
    assert dict(zip(PREDICATES, got, strict=True)) == dict(zip(PREDICATES, EXPECTED[who], strict=True))


def test_admin_holds_admin_everywhere_but_no_community_role(app, people):
    garden, ids = people
    with app.test_request_context():
        admin = db.session.get(User, ids["admin"])
        assert access.is_admin(admin)
        assert access.roles_of(admin, db.session.get(Community, garden)) == {Role.ADMIN}
        assert {c.slug for c in access.user_communities(admin)} == {"garden", "park"}


def test_user_communities_member_and_pending(app, people):
    garden, ids = people
    with app.test_request_context():
        assert [c.id for c in access.user_communities(db.session.get(User, ids["pending"]))] == [garden]
        assert access.user_communities(db.session.get(User, ids["rejected"])) == []
        assert access.user_communities(AnonymousUserMixin()) == []
        assert [c.slug for c in access.user_communities(db.session.get(User, ids["other_owner"]))] == ["park"]


def test_role_cache_forgotten_after_grant(app, people):
    garden, ids = people
    with app.test_request_context():
        community = db.session.get(Community, garden)
        staff = db.session.get(User, ids["property_staff"])
        assert not access.is_committee(staff, community)
        services.grant_role(staff, Role.COMMITTEE_MEMBER, community, actor=db.session.get(User, ids["admin"]))
        assert access.is_committee(staff, community)
        db.session.rollback()
