"""Proposal lifecycle, co-signing per voting person, thresholds, conflict of interest, merge, notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govern.agenda import services
from govern.agenda.models import CoSignature, Notification, ProposalEvent, ProposalState
from govern.audit.models import AuditEntry
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from tests.agenda.conftest import draft, opened, set_settings


def _audit_actions(p):
    return [a for (a,) in db.session.execute(select(AuditEntry.action).where(
        AuditEntry.object_type == "proposals", AuditEntry.object_id == str(p.id)).order_by(AuditEntry.seq))]


def _timeline(p):
    return [k for (k,) in db.session.execute(select(ProposalEvent.kind).where(ProposalEvent.proposal_id == p.id)
                                             .order_by(ProposalEvent.id))]


def test_lifecycle_draft_open_review_accept_writes_audit_and_timeline(rc):
    set_settings(rc.community, cosign_threshold_count=3)
    p = draft(rc, item="5", matter="ordinary")
    assert p.state == ProposalState.DRAFT
    services.update_proposal(p, {"title": "更换 3 号楼电梯", "body": "用维修资金", "item": "5"}, actor=rc.u("a"))
    services.open_proposal(p, actor=rc.u("a"))
    assert p.state == ProposalState.OPEN
    assert services.progress(p).signed_persons == 1  # the author's own person signs first
    services.cosign_proposal(p, actor=rc.u("b1"))
    assert p.state == ProposalState.OPEN
    services.cosign_proposal(p, actor=rc.u("c"))
    assert p.state == ProposalState.REVIEW and p.review_at is not None
    services.review_proposal(p, {"action": "accept", "motion_title": "动议：更换电梯", "motion_matter": "ordinary"},
                             actor=rc.u("cm1"))
    assert p.state == ProposalState.ACCEPTED
    assert p.motion_title == "动议：更换电梯" and p.motion_text == "用维修资金"
    assert services.accepted_proposals(rc.community) == [p]
    assert _audit_actions(p) == ["proposal.create", "proposal.update", "proposal.open", "proposal.cosign",
                                 "proposal.cosign", "proposal.review", "proposal.accept"]
    assert _timeline(p) == ["created", "opened", "milestone", "milestone", "review", "accepted"]


def test_cosign_three_unit_owner_counts_once(rc):
    set_settings(rc.community, cosign_threshold_count=4)
    p = opened(rc, author="c")
    rows = services.cosign_proposal(p, actor=rc.u("a"))
    assert [r.person_id for r in rows] == ["A"]
    with pytest.raises(Conflict) as err:
        services.cosign_proposal(p, actor=rc.u("a"))
    assert err.value.code == "already_signed"
    prog = services.progress(p)
    assert (prog.signed_persons, prog.signed_area) == (2, 40000)


def test_cosign_second_co_owner_refused_as_same_person(rc):
    set_settings(rc.community, cosign_threshold_count=4)
    p = opened(rc)
    services.cosign_proposal(p, actor=rc.u("b1"))
    with pytest.raises(Conflict) as err:
        services.cosign_proposal(p, actor=rc.u("b2"))
    assert err.value.code == "already_signed"
    assert db.session.scalars(select(CoSignature.person_id).where(CoSignature.proposal_id == p.id)).all() == \
        ["A", "B1+B2"]


def test_cosign_refused_for_non_owner_and_for_draft(rc):
    p = draft(rc)
    with pytest.raises(Conflict):
        services.cosign_proposal(p, actor=rc.u("b1"))
    services.open_proposal(p, actor=rc.u("a"))
    set_settings(rc.community, cosign_threshold_count=4)
    with pytest.raises(Forbidden):
        services.cosign_proposal(p, actor=rc.u("staff"))


@pytest.mark.parametrize("percent, signers, expected", [
    (75, ["b1"], ProposalState.OPEN),          # 75% of 4 persons = 3: two signed, one below
    (75, ["b1", "c"], ProposalState.REVIEW),   # exactly 3
    (50, [], ProposalState.OPEN),              # 50% of 4 = 2: one signed
    (50, ["b1"], ProposalState.REVIEW),        # exactly 2
    ("62.5", ["b1"], ProposalState.OPEN),      # 2.5 persons → 3 needed (ceil), a decimal string, no float
])
def test_threshold_share_of_persons_at_the_boundary(rc, percent, signers, expected):
    set_settings(rc.community, cosign_threshold_percent=percent)
    p = opened(rc)
    for s in signers:
        services.cosign_proposal(p, actor=rc.u(s))
    assert p.state == expected


@pytest.mark.parametrize("count, signers, expected", [
    (2, [], ProposalState.OPEN),
    (2, ["c"], ProposalState.REVIEW),
])
def test_threshold_fixed_number_at_the_boundary(rc, count, signers, expected):
    set_settings(rc.community, cosign_threshold_count=count)
    p = opened(rc)
    for s in signers:
        services.cosign_proposal(p, actor=rc.u(s))
    assert p.state == expected


def test_threshold_persons_uses_exact_arithmetic(rc):
    set_settings(rc.community, cosign_threshold_percent=5)
    assert services.threshold_persons(rc.community, 4) == 1
    assert services.threshold_persons(rc.community, 20) == 1
    assert services.threshold_persons(rc.community, 21) == 2
    set_settings(rc.community, cosign_threshold_percent=0.1)  # a float in JSON: read as the decimal 0.1
    assert services.threshold_persons(rc.community, 1000) == 1
    assert services.threshold_persons(rc.community, 1001) == 2


def test_petition_needs_r8_area_and_persons(rc):
    # B (100.00 m², 1 of 4 persons): 5*1 >= 4 persons holds, 5*10000 < 70000 area fails.
    p = opened(rc, author="b1", kind="petition", title="请求召开临时业主大会")
    prog = services.progress(p)
    assert prog.kind == "petition" and not prog.met
    assert (prog.required_persons, prog.required_area) == (1, 14000)
    assert p.state == ProposalState.OPEN
    services.cosign_proposal(p, actor=rc.u("c"))  # 20000 * 5 = 100000 >= 70000
    assert p.state == ProposalState.REVIEW
    assert p.convene_by - p.review_at == timedelta(days=30)
    committee = db.session.scalars(select(Notification.user_id).where(Notification.kind == "review_ready")).all()
    assert sorted(committee) == sorted([rc.world.ids["cm1"], rc.world.ids["cm2"]])


def test_petition_overdue_after_the_deadline(rc, monkeypatch):
    set_settings(rc.community, petition_convene_days=10)
    p = opened(rc, author="a", kind="petition", title="临时会议")
    assert p.state == ProposalState.REVIEW
    assert services.overdue_petitions(rc.community) == []
    later = p.review_at + timedelta(days=10, seconds=1)
    monkeypatch.setattr(services, "now", lambda: later)
    assert services.overdue_petitions(rc.community) == [p]
    services.mark_petition_convened(p, actor=rc.u("cm1"))
    assert services.overdue_petitions(rc.community) == []


def test_conflict_of_interest_author_or_cosigner_cannot_decide(app, factory, rc):
    cm_owner = factory.user("cmc", roles=("committee_member",), community=rc.world.cid, owner_ref="C")
    from govern.accounts.models import User

    member = db.session.get(User, cm_owner)
    rc.world.ids["cmc"] = cm_owner
    set_settings(rc.community, cosign_threshold_count=2)
    p = opened(rc)
    services.cosign_proposal(p, actor=member)
    assert p.state == ProposalState.REVIEW
    with pytest.raises(Forbidden) as err:
        services.review_proposal(p, {"action": "accept"}, actor=member)
    assert err.value.code == "conflict_of_interest"
    mine = opened(rc, author="cmc", title="委员自己的提案")
    with pytest.raises(Forbidden):
        services.review_proposal(mine, {"action": "reject", "reason": "x"}, actor=member)
    services.review_proposal(p, {"action": "accept"}, actor=rc.u("cm1"))
    assert p.state == ProposalState.ACCEPTED


def test_only_committee_decides(rc):
    p = opened(rc)
    with pytest.raises(Forbidden):
        services.review_proposal(p, {"action": "reject", "reason": "no"}, actor=rc.u("c"))


def test_reject_needs_public_reason_and_notifies(rc):
    set_settings(rc.community, cosign_threshold_count=3)
    p = opened(rc)
    services.cosign_proposal(p, actor=rc.u("c"))
    with pytest.raises(DomainError):
        services.review_proposal(p, {"action": "reject", "reason": " "}, actor=rc.u("cm1"))
    services.review_proposal(p, {"action": "reject", "reason": "不属于业主大会职权"}, actor=rc.u("cm1"))
    assert p.state == ProposalState.REJECTED and p.decision_reason == "不属于业主大会职权"
    got = db.session.scalars(select(Notification.user_id).where(Notification.kind == "decision")).all()
    assert sorted(got) == sorted([rc.world.ids["a"], rc.world.ids["c"]])


def test_accept_only_from_review(rc):
    set_settings(rc.community, cosign_threshold_count=3)
    p = opened(rc)
    with pytest.raises(Conflict):
        services.review_proposal(p, {"action": "accept"}, actor=rc.u("cm1"))


def test_merge_carries_cosigners_per_person(rc):
    set_settings(rc.community, cosign_threshold_count=3)
    target = opened(rc, author="a", title="小区电梯更换")
    services.cosign_proposal(target, actor=rc.u("b1"))
    source = opened(rc, author="c", title="电梯更换方案")
    services.cosign_proposal(source, actor=rc.u("b2"))  # B1+B2 already signed the target: counted once
    services.cosign_proposal(source, actor=rc.u("a"))
    services.review_proposal(source, {"action": "merge", "into": target.id}, actor=rc.u("cm1"))
    assert source.state == ProposalState.MERGED and source.merged_into_id == target.id
    persons = sorted(s.person_id for s in target.signatures)
    assert persons == ["A", "B1+B2", "C"]
    assert target.state == ProposalState.REVIEW  # the carried C reached 3
    carried = [s for s in target.signatures if s.carried_from_id == source.id]
    assert [s.person_id for s in carried] == ["C"]


def test_merge_into_itself_or_foreign_refused(rc):
    p = opened(rc)
    with pytest.raises(DomainError):
        services.review_proposal(p, {"action": "merge", "into": p.id}, actor=rc.u("cm1"))
    with pytest.raises(DomainError):
        services.review_proposal(p, {"action": "merge", "into": 9999}, actor=rc.u("cm1"))


def test_withdraw_by_author_before_decision_only(rc):
    set_settings(rc.community, cosign_threshold_count=3)
    p = opened(rc)
    with pytest.raises(Forbidden):
        services.withdraw_proposal(p, {}, actor=rc.u("c"))
    services.withdraw_proposal(p, {"reason": "已与物业协商解决"}, actor=rc.u("a"))
    assert p.state == ProposalState.WITHDRAWN
    with pytest.raises(Conflict):
        services.withdraw_proposal(p, {}, actor=rc.u("a"))


def test_milestone_notifications_to_author(rc):
    set_settings(rc.community, cosign_threshold_count=4)
    p = opened(rc, author="a")  # 1 of 4
    services.cosign_proposal(p, actor=rc.u("b1"))  # 2 of 4 = 50%
    services.cosign_proposal(p, actor=rc.u("c"))  # 3 of 4
    rows = db.session.scalars(select(Notification).where(Notification.kind == "cosign_milestone")).all()
    assert [(n.user_id, n.data["percent"]) for n in rows] == [(rc.world.ids["a"], 50)]


def test_invalid_draft_fields_refused(rc):
    with pytest.raises(DomainError) as err:
        services.create_proposal(rc.community, {"title": "", "item": "42", "matter": "huge"}, actor=rc.u("a"))
    assert set(err.value.details) == {"title", "item", "matter"}


def test_duplicates_hint_by_title_bigrams(rc):
    a = opened(rc, title="更换3号楼电梯")
    b = opened(rc, author="c", title="3号楼电梯更换")
    c = opened(rc, author="b1", title="增加停车位")
    dups = services.likely_duplicates(a, [a, b, c])
    assert [d.id for d, _ in dups] == [b.id]
    assert services.similarity("abc", "abc") == 1
