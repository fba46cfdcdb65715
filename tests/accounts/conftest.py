"""Helpers for the accounts tests: a community with a committee member and an admin, and claim codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from govern.audit.models import AuditEntry
from govern.extensions import db

SLIP_RE = re.compile(r'<section class="slip" data-unit="([^"]+)".*?<span class="code">([A-Z0-9-]+)</span>', re.S)


def codes_from_sheet(html: str) -> dict[str, str]:
    """``{unit number: claim code}`` read from a printable sheet."""
    return dict(SLIP_RE.findall(html))


def audit_actions(app, community_id: int | None = None) -> list[str]:
    with app.app_context():
        q = select(AuditEntry.action).order_by(AuditEntry.seq)
        if community_id is not None:
            q = q.where(AuditEntry.community_id == community_id)
        return list(db.session.scalars(q))


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@dataclass
class Garden:
    community_id: int
    member_id: int
    admin_id: int
    slug: str = "garden"


@pytest.fixture
def garden(factory) -> Garden:
    cid = factory.community()
    member = factory.user("mia", roles=("committee_member",), community=cid)
    admin = factory.user("root", roles=("admin",))
    return Garden(cid, member, admin)


@pytest.fixture
def issue_codes(app, garden):
    """Request a claim sheet as committee member ``mia`` (the job runs inline); return ``{unit: code}``."""

    def issue() -> dict[str, str]:
        client = app.test_client()
        client.post("/login", data={"username": "mia", "password": "correct-horse-battery"})
        resp = client.post(f"/c/{garden.slug}/claim-sheets")
        assert resp.status_code == 302
        from govern.accounts.models import ClaimSheet

        with app.app_context():
            sheet_id = db.session.scalar(select(func.max(ClaimSheet.id)))
        page = client.get(f"/c/{garden.slug}/claim-sheets/{sheet_id}")
        assert page.status_code == 200
        return codes_from_sheet(page.get_data(as_text=True))

    return issue


def register_data(code: str, owner_id: int, **overrides) -> dict:
    data = {
        "code": code,
        "owner_id": str(owner_id),
        "display_name": "张三",
        "phone": "13800000001",
        "username": "zhangsan",
        "password": "a-long-enough-secret",
        "confirm": "a-long-enough-secret",
    }
    data.update(overrides)
    if "confirm" not in overrides:
        data["confirm"] = data["password"]
    return data


def owner_id(app, community_id: int, ref: str) -> int:
    from govern.register.models import Owner

    with app.app_context():
        return db.session.scalar(select(Owner.id).where(Owner.community_id == community_id, Owner.ref == ref))
