"""The agenda's access predicates, without HTTP."""

from __future__ import annotations

from flask_login import AnonymousUserMixin

from govern.agenda import access, services
from tests.agenda.conftest import draft, opened, set_settings


def test_can_propose_owners_and_staff_only(rc):
    c = rc.community
    assert access.can_propose(rc.u("a"), c) and access.can_propose(rc.u("staff"), c)
    for name in ("cm1", "auditor", "observer"):
        assert not access.can_propose(rc.u(name), c)
    assert not access.can_propose(AnonymousUserMixin(), c)


def test_drafts_readable_by_author_only(rc):
    p = draft(rc)
    assert access.can_read_proposal(rc.u("a"), p)
    assert not access.can_read_proposal(rc.u("c"), p)
    assert not access.can_read_proposal(rc.u("auditor"), p)
    assert access.can_edit_proposal(rc.u("a"), p) and not access.can_edit_proposal(rc.u("c"), p)
    services.open_proposal(p, actor=rc.u("a"))
    assert access.can_read_proposal(rc.u("c"), p) and access.can_read_proposal(rc.u("auditor"), p)
    assert not access.can_edit_proposal(rc.u("a"), p)


def test_can_cosign_and_can_decide(rc):
    set_settings(rc.community, cosign_threshold_count=4)
    p = opened(rc)
    assert access.can_cosign(rc.u("c"), p) and not access.can_cosign(rc.u("staff"), p)
    assert access.can_decide(rc.u("cm1"), p) and not access.can_decide(rc.u("c"), p)
    assert access.has_interest(rc.u("a"), p) and not access.has_interest(rc.u("c"), p)
    services.cosign_proposal(p, actor=rc.u("c"))
    assert access.has_interest(rc.u("c"), p)


def test_thread_roles(rc):
    c = rc.community
    assert access.can_comment(rc.u("a"), c) and access.can_comment(rc.u("auditor"), c)
    assert not access.can_comment(rc.u("observer"), c)
    assert access.can_moderate(rc.u("cm1"), c) and not access.can_moderate(rc.u("a"), c)
    assert access.can_see_hidden(rc.u("auditor"), c) and not access.can_see_hidden(rc.u("cm1"), c)
    assert access.can_review_queue(rc.u("cm2"), c) and not access.can_review_queue(rc.u("a"), c)
    assert [access.badge_for(rc.u(n), c) for n in ("cm1", "staff", "auditor", "a")] == \
        ["committee", "property", "street", ""]
