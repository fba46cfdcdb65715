"""#13 item 9 (R30): committee size and term checked when committee roles are granted (warnings, not refusals),
and warned of before the term ends (govern tick, the roles page)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime

from sqlalchemy import select

from govern.accounts.models import RoleGrant
from govern.agenda.models import Notification
from govern.extensions import db
from tests.accounts.conftest import audit_actions

T0 = datetime(2028, 2, 29, 4, 0, tzinfo=UTC)  # noon in Beijing, a leap day


def _clock(monkeypatch, moment):
    box = {"now": moment}
    monkeypatch.setattr("govern.clock.now", lambda: box["now"])
    return box


def _grant(client, name, role="committee_member"):
    return client.post("/c/garden/roles", data={"username": name, "role": role}, follow_redirects=True)


def test_granting_committee_roles_starts_terms_and_warns_while_short(app, client, auth, factory, garden,
                                                                      monkeypatch):
    _clock(monkeypatch, T0)
    for name in ("sam", "li", "wang", "zhao"):
        factory.user(name)
    auth.login("root")
    page = _grant(client, "sam", "committee_chair").get_data(as_text=True)
    assert "data-committee-warning" in page  # two members: short, but granted
    with app.app_context():
        grant = db.session.scalar(select(RoleGrant).where(RoleGrant.role == "committee_chair"))
        assert grant.revoked_at is None
        assert (grant.term_starts_on, grant.term_ends_on) == (dt.date(2028, 2, 29), dt.date(2033, 2, 28))
    for name in ("li", "wang"):
        assert "data-committee-warning" in _grant(client, name).get_data(as_text=True)
    page = _grant(client, "zhao").get_data(as_text=True)
    assert "data-committee-warning" not in page  # five members now
    assert "role.term_start" in audit_actions(app)


def test_three_members_allowed_in_a_small_community_by_setting(app, client, auth, factory, garden, monkeypatch):
    _clock(monkeypatch, T0)
    for name in ("sam", "li"):
        factory.user(name)
    auth.login("root")
    _grant(client, "sam")
    assert "data-committee-warning" in _grant(client, "li").get_data(as_text=True)  # default: 5 to 11
    with app.app_context():
        from govern.register.models import Community

        db.session.get(Community, garden.community_id).settings_json = {"committee_three_max_households": 100}
        db.session.commit()
    assert "data-committee-warning" not in client.get("/c/garden/roles").get_data(as_text=True)


def test_a_by_elected_member_serves_until_the_sitting_term_ends(app, client, auth, factory, garden, monkeypatch):
    box = _clock(monkeypatch, T0)
    factory.user("sam")
    factory.user("li")
    auth.login("root")
    _grant(client, "sam")
    box["now"] = datetime(2030, 6, 1, 4, 0, tzinfo=UTC)
    _grant(client, "li")
    with app.app_context():
        grants = db.session.scalars(select(RoleGrant).where(RoleGrant.term_ends_on.is_not(None)))
        ends = {g.term_ends_on for g in grants}
        assert ends == {dt.date(2033, 2, 28)}


def test_start_term_is_the_function_elections_call(app, factory, garden):
    with app.test_request_context():
        from govern.accounts.committee import start_term

        grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == garden.member_id))
        start_term(grant, starts_on=dt.date(2027, 3, 10), years=3)
        assert grant.term_ends_on == dt.date(2030, 3, 9)
        start_term(grant, starts_on=dt.date(2027, 3, 10), years=9)  # never more than 5 years
        assert grant.term_ends_on == dt.date(2032, 3, 9)


def test_tick_warns_the_committee_before_the_term_ends_once(app, client, auth, factory, garden, monkeypatch):
    box = _clock(monkeypatch, T0)
    factory.user("sam")
    auth.login("root")
    _grant(client, "sam")
    from govern.delivery.tick import tick

    with app.app_context():
        assert tick()["committee_terms"] == 0
    box["now"] = datetime(2032, 12, 1, 4, 0, tzinfo=UTC)  # 89 days before 2033-02-28
    with app.app_context():
        assert tick()["committee_terms"] == 2  # sam and mia (whose grant predates terms)
        assert tick()["committee_terms"] == 0
        n = db.session.scalar(select(Notification).where(Notification.kind == "committee_term_ending"))
        assert n.data["term_ends_on"] == "2033-02-28"
    page = client.get("/c/garden/roles?lang=en").get_data(as_text=True)
    assert "2033-02-28" in page and "data-committee-warning" in page
