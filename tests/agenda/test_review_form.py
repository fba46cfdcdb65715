"""A refused committee decision shows the form as it was sent, with the error next to its field (issue #16):
the decision is not reset to 采纳为议案 and the reason typed is not lost, so a quick resubmit cannot adopt."""

from __future__ import annotations

import re

from govern.agenda.models import Proposal, ProposalState
from govern.extensions import db
from tests.agenda.conftest import opened


def _open_proposal(app, world) -> int:
    from types import SimpleNamespace

    from govern.accounts.models import User
    from govern.register.models import Community

    with app.test_request_context():
        rc = SimpleNamespace(u=lambda n: db.session.get(User, world.ids[n]),
                             community=db.session.get(Community, world.cid), world=world)
        pid = opened(rc, author="a", title="更换电梯").id
        db.session.commit()
    return pid


def _checked_action(html: str) -> list[str]:
    return re.findall(r'<input checked id="action-\d" name="action" type="radio" value="(\w+)">', html)


def test_refused_merge_keeps_the_decision_and_the_reason(app, world, client, auth):
    pid = _open_proposal(app, world)
    auth.login("cm1")
    resp = client.post(f"/c/garden/proposals/{pid}/review",
                       data={"action": "merge", "into": "9999", "reason": "与九号提案重复",
                             "motion_matter": "ordinary"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert _checked_action(html) == ["merge"]
    assert "与九号提案重复" in html
    assert 'id="into-err"' in html  # the error sits at the field it is about, once
    assert html.count('class="error"') == 1
    assert f'action="/c/garden/proposals/{pid}/review#review"' in html
    with app.app_context():
        assert db.session.get(Proposal, pid).state in (ProposalState.OPEN, ProposalState.REVIEW)  # undecided


def test_rejection_without_reason_stays_a_rejection(app, world, client, auth):
    pid = _open_proposal(app, world)
    auth.login("cm1")
    resp = client.post(f"/c/garden/proposals/{pid}/review", data={"action": "reject", "reason": "",
                                                                  "motion_matter": "ordinary"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert _checked_action(html) == ["reject"]
    assert 'id="reason-err"' in html
    with app.app_context():
        assert db.session.get(Proposal, pid).state in (ProposalState.OPEN, ProposalState.REVIEW)  # undecided
