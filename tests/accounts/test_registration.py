"""Owner onboarding: claim-code sheet → registration → committee confirmation."""

from __future__ import annotations

from sqlalchemy import select

from govern.accounts.models import ClaimCode, OwnerClaim, Role, RoleGrant, User
from govern.extensions import db
from govern.register.models import Owner
from tests.accounts.conftest import audit_actions, count, owner_id, register_data


def test_register_end_to_end_owner_confirmed_by_committee(app, client, auth, garden, issue_codes):
    codes = issue_codes()
    assert set(codes) == {"101", "102", "103", "201", "301"}  # delivered units with owners; no developer units

    # Step 1: the code (typed in lower case, without dashes) finds the unit and lists its owners, masked.
    step1 = client.post("/register", data={"c-code": codes["201"].replace("-", "").lower()})
    assert step1.status_code == 200
    body = step1.get_data(as_text=True)
    assert "201" in body and "李*" in body and "王*" in body
    assert "李四" not in body and "王五" not in body

    # Step 2: the account, for owner B1.
    b1 = owner_id(app, garden.community_id, "B1")
    resp = client.post("/register", data=register_data(codes["201"], b1, display_name="李四", username="lisi"))
    assert resp.status_code == 302
    home = client.get(resp.headers["Location"], follow_redirects=True)
    assert home.status_code == 200
    assert "测试花园" in home.get_data(as_text=True)

    # Pending: can read the community home, holds no role, sees the registration on the profile.
    profile = client.get("/profile").get_data(as_text=True)
    assert "等待确认" in profile and "201" in profile
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lisi"))
        assert user.password_hash.startswith("pbkdf2:")  # the test config's cheap method; production is scrypt
        assert db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == user.id)) is None
        lisi_id = user.id

    # The committee member sees the applicant next to the register's record and confirms.
    auth.logout()
    auth.login("mia")
    queue = client.get("/c/garden/claims").get_data(as_text=True)
    assert "李四" in queue and "13800000001" in queue
    with app.app_context():
        claim_id = db.session.scalar(select(OwnerClaim.id).where(OwnerClaim.user_id == lisi_id))
    resp = client.post(f"/c/garden/claims/{claim_id}/confirm")
    assert resp.status_code == 302

    with app.app_context():
        claim = db.session.get(OwnerClaim, claim_id)
        assert claim.status == "confirmed" and claim.decided_by_id == garden.member_id
        assert db.session.get(Owner, b1).user_id == lisi_id
        roles = set(db.session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == lisi_id)))
        assert roles == {Role.OWNER}
    actions = audit_actions(app, garden.community_id)
    for action in ("claim_sheet.request", "claim_codes.issue", "owner.claim", "owner.confirm"):
        assert action in actions

    # Confirmed: the queue is empty and the owner sees the role.
    auth.logout()
    auth.login("lisi", "a-long-enough-secret")
    assert "已确认" in client.get("/profile").get_data(as_text=True)


def test_register_step1_wrong_code_clear_error_creates_nothing(app, client, garden, issue_codes):
    issue_codes()
    resp = client.post("/register", data={"c-code": "AAAA-BBBB-CCCC"})
    assert resp.status_code == 400
    assert "认领码无效" in resp.get_data(as_text=True)
    assert count(app, User) == 2 and count(app, OwnerClaim) == 0


def test_register_step2_forged_code_creates_nothing(app, client, garden, issue_codes):
    issue_codes()
    a = owner_id(app, garden.community_id, "A")
    resp = client.post("/register", data=register_data("AAAA-BBBB-CCCC", a))
    assert resp.status_code == 400
    assert count(app, User) == 2 and count(app, OwnerClaim) == 0


def test_register_reused_code_refused_and_creates_nothing(app, client, garden, issue_codes):
    codes = issue_codes()
    b1, b2 = owner_id(app, garden.community_id, "B1"), owner_id(app, garden.community_id, "B2")
    assert client.post("/register", data=register_data(codes["201"], b1, username="lisi")).status_code == 302
    client.post("/logout")
    again = client.post("/register", data={"c-code": codes["201"]})
    assert again.status_code == 400 and "已被使用" in again.get_data(as_text=True)
    step2 = client.post("/register", data=register_data(codes["201"], b2, username="wangwu", phone="13900000002"))
    assert step2.status_code == 400
    assert count(app, User, User.username == "wangwu") == 0
    assert count(app, OwnerClaim) == 1


def test_register_code_revoked_by_new_sheet_refused(app, client, garden, issue_codes):
    old = issue_codes()
    new = issue_codes()
    assert old["301"] != new["301"]
    resp = client.post("/register", data={"c-code": old["301"]})
    assert resp.status_code == 400 and "认领码无效" in resp.get_data(as_text=True)
    assert client.post("/register", data={"c-code": new["301"]}).status_code == 200
    with app.app_context():
        live = db.session.scalars(select(ClaimCode).where(ClaimCode.revoked_at.is_(None))).all()
        assert len(live) == 5


def test_register_bad_phone_refused(app, client, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    resp = client.post("/register", data=register_data(codes["301"], c, phone="12345"))
    assert resp.status_code == 400
    assert "11 位手机号码" in resp.get_data(as_text=True)
    assert count(app, User) == 2
    # The code is still good after a failed attempt.
    assert client.post("/register", data={"c-code": codes["301"]}).status_code == 200


def test_register_taken_username_refused(app, client, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    resp = client.post("/register", data=register_data(codes["301"], c, username="mia"))
    assert resp.status_code == 400
    assert "用户名已被占用" in resp.get_data(as_text=True)
    assert count(app, User) == 2 and count(app, OwnerClaim) == 0


def test_register_weak_password_refused(app, client, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    short = client.post("/register", data=register_data(codes["301"], c, password="short"))
    assert short.status_code == 400
    with_name = client.post("/register", data=register_data(codes["301"], c, username="zhaoliu",
                                                            password="zhaoliu-2024-x"))
    assert with_name.status_code == 400
    assert "不能包含用户名" in with_name.get_data(as_text=True)
    assert count(app, User) == 2 and count(app, OwnerClaim) == 0


def test_register_owner_of_another_unit_refused(app, client, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    resp = client.post("/register", data=register_data(codes["201"], c))
    assert resp.status_code == 400
    assert count(app, User) == 2


def test_register_hides_owners_already_confirmed(app, client, factory, garden, issue_codes):
    factory.user("b1", community=garden.community_id, owner_ref="B1")
    codes = issue_codes()
    body = client.post("/register", data={"c-code": codes["201"]}).get_data(as_text=True)
    assert "王*" in body and "李*" not in body


def test_confirm_own_claim_forbidden(app, client, auth, factory, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    client.post("/register", data=register_data(codes["301"], c, username="zhaoliu"))
    client.post("/logout")
    # The applicant is also a committee member (e.g. elected before the platform was set up).
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "zhaoliu"))
        db.session.add(RoleGrant(user_id=user.id, community_id=garden.community_id, role=Role.COMMITTEE_MEMBER))
        db.session.commit()
        claim_id = db.session.scalar(select(OwnerClaim.id))
    auth.login("zhaoliu", "a-long-enough-secret")
    resp = client.post(f"/c/garden/claims/{claim_id}/confirm")
    assert resp.status_code == 403
    with app.app_context():
        assert db.session.get(OwnerClaim, claim_id).status == "pending"
    assert "owner.confirm" not in audit_actions(app)


def test_reject_claim_with_reason_shown_to_applicant(app, client, auth, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    client.post("/register", data=register_data(codes["301"], c, username="zhaoliu"))
    client.post("/logout")
    with app.app_context():
        claim_id = db.session.scalar(select(OwnerClaim.id))
    auth.login("mia")
    no_reason = client.post(f"/c/garden/claims/{claim_id}/reject", data={"reason": ""})
    assert no_reason.status_code == 302
    with app.app_context():
        assert db.session.get(OwnerClaim, claim_id).status == "pending"
    client.post(f"/c/garden/claims/{claim_id}/reject", data={"reason": "姓名与登记不符"})
    assert "姓名与登记不符" in client.get("/c/garden/claims?status=rejected").get_data(as_text=True)
    # Deciding twice is refused with a message, not a crash.
    again = client.post(f"/c/garden/claims/{claim_id}/confirm", follow_redirects=True)
    assert "已经处理" in again.get_data(as_text=True)
    client.post("/logout")
    auth.login("zhaoliu", "a-long-enough-secret")
    profile = client.get("/profile").get_data(as_text=True)
    assert "已拒绝" in profile and "姓名与登记不符" in profile
    # A rejected applicant no longer sees the community.
    assert client.get("/c/garden/").status_code == 403
    assert "owner.reject" in audit_actions(app, garden.community_id)


def test_claim_from_other_community_is_404(app, client, auth, factory, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    client.post("/register", data=register_data(codes["301"], c, username="zhaoliu"))
    client.post("/logout")
    factory.community(slug="park", name="公园小区")
    factory.user("pat", roles=("committee_member",), community=2)
    with app.app_context():
        claim_id = db.session.scalar(select(OwnerClaim.id))
    auth.login("pat")
    assert client.post(f"/c/park/claims/{claim_id}/confirm").status_code == 404
    with app.app_context():
        assert db.session.get(OwnerClaim, claim_id).status == "pending"


def test_pending_owner_reads_but_cannot_act(app, client, garden, issue_codes):
    codes = issue_codes()
    c = owner_id(app, garden.community_id, "C")
    client.post("/register", data=register_data(codes["301"], c, username="zhaoliu"))
    home = client.get("/c/garden/")
    assert home.status_code == 200
    assert "等待业委会委员" in home.get_data(as_text=True)
    for url in ("/c/garden/claims", "/c/garden/claim-sheets", "/c/garden/roles", "/c/garden/register"):
        assert client.get(url).status_code == 403, url


def test_revoking_owner_role_unlinks_register_owner(app, client, auth, factory, garden):
    uid = factory.user("zhao", community=garden.community_id, owner_ref="C")
    auth.login("root")
    with app.app_context():
        grant_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == uid))
    assert client.post(f"/c/garden/roles/{grant_id}/revoke").status_code == 302
    with app.app_context():
        owner = db.session.scalar(select(Owner).where(Owner.ref == "C"))
        assert owner.user_id is None
