"""Agenda fixtures: the small register (A holds 101–103, B1+B2 co-own 201, C holds 301, developer units)
gives four voting persons: A (300.00 m²), B1+B2 (100.00), C (100.00), DEVELOPER (200.00); T_area 700.00."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from govern.accounts.models import User
from govern.extensions import db
from govern.register.models import Community


@pytest.fixture
def world(app, factory):
    cid = factory.community()
    ids = {
        "a": factory.user("a", community=cid, owner_ref="A"),
        "b1": factory.user("b1", community=cid, owner_ref="B1"),
        "b2": factory.user("b2", community=cid, owner_ref="B2"),
        "c": factory.user("c", community=cid, owner_ref="C"),
        "cm1": factory.user("cm1", roles=("committee_member",), community=cid),
        "cm2": factory.user("cm2", roles=("committee_chair",), community=cid),
        "staff": factory.user("staff", roles=("property_staff",), community=cid),
        "auditor": factory.user("auditor", roles=("auditor",), community=cid),
        "observer": factory.user("observer", roles=("observer",), community=cid),
    }
    return SimpleNamespace(cid=cid, ids=ids, app=app)


@pytest.fixture
def rc(app, world):
    """A request context (url_for works) with helpers ``rc.u(name)`` and ``rc.community``."""
    with app.test_request_context():
        yield SimpleNamespace(u=lambda name: db.session.get(User, world.ids[name]),
                              community=db.session.get(Community, world.cid), world=world)


def set_settings(community, **values):
    community.settings_json = {**(community.settings_json or {}), **values}
    db.session.flush()


def draft(rc, author="a", title="更换电梯", body="正文", **extra):
    from govern.agenda import services

    return services.create_proposal(rc.community, {"title": title, "body": body, **extra}, actor=rc.u(author))


def opened(rc, author="a", **kw):
    from govern.agenda import services

    p = draft(rc, author, **kw)
    services.open_proposal(p, actor=rc.u(author))
    return p


def token(client, username: str) -> dict:
    from tests.conftest import TEST_PASSWORD

    resp = client.post("/api/v1/tokens", json={"username": username, "password": TEST_PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}
