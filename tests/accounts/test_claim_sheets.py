"""The claim-code sheet job (inline; the Redis-backed variant is tested by the lead)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from govern import jobs
from govern.accounts import jobs as account_jobs
from govern.accounts.models import ClaimCode, ClaimSheet
from govern.extensions import db
from govern.register.models import Community
from tests.accounts.conftest import audit_actions, codes_from_sheet


def _request(app, garden) -> int:
    from govern.accounts.models import User

    with app.test_request_context():
        community = db.session.get(Community, garden.community_id)
        actor = db.session.get(User, garden.member_id)
        sheet = account_jobs.request_claim_sheet(community, actor=actor)
        jobs.enqueue(account_jobs.render_claim_sheet, sheet.id)
        jobs.commit()  # runs inline after the commit
        return sheet.id


def test_claim_sheet_job_done_one_slip_per_unit_needing_code(app, garden):
    sheet_id = _request(app, garden)
    with app.app_context():
        sheet = db.session.get(ClaimSheet, sheet_id)
        assert sheet.status == "done" and sheet.finished_at is not None
        assert sheet.unit_count == 5
        codes = codes_from_sheet(sheet.html)
        assert sorted(codes) == ["101", "102", "103", "201", "301"]
        assert len(set(codes.values())) == 5
        assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", c) for c in codes.values())
        # Only hashes are stored in the codes table.
        stored = set(db.session.scalars(select(ClaimCode.code_hash)))
        assert not stored & set(codes.values()) and len(stored) == 5
        # A printable page in Chinese with the registration URL and cut lines.
        assert "测试花园" in sheet.html and "http://127.0.0.1:5000/register" in sheet.html
        assert "size: A4" in sheet.html and "dashed" in sheet.html and "认领码只能使用一次" in sheet.html
        assert sheet.html.count('class="slip"') == 5
    assert {"claim_sheet.request", "claim_codes.issue"} <= set(audit_actions(app, garden.community_id))


def test_claim_sheet_job_rerun_is_noop(app, garden):
    sheet_id = _request(app, garden)
    with app.app_context():
        html = db.session.get(ClaimSheet, sheet_id).html
    with app.app_context():
        account_jobs.render_claim_sheet(sheet_id)
        account_jobs.render_claim_sheet(999)  # unknown sheet: nothing
    with app.app_context():
        assert db.session.get(ClaimSheet, sheet_id).html == html
        assert len(db.session.scalars(select(ClaimCode)).all()) == 5
    assert audit_actions(app).count("claim_codes.issue") == 1


def test_claim_sheet_job_failure_marks_failed_and_issues_nothing(make_app, monkeypatch):
    app = make_app(JOBS_RAISE=False)
    from tests.accounts.conftest import Garden
    from tests.factories import Factory

    f = Factory(app)
    cid = f.community()
    garden = Garden(cid, f.user("mia", roles=("committee_member",), community=cid), f.user("root", roles=("admin",)))

    def boom(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(account_jobs, "issue_claim_codes", boom)
    sheet_id = _request(app, garden)
    with app.app_context():
        sheet = db.session.get(ClaimSheet, sheet_id)
        assert sheet.status == "failed" and "printer on fire" in sheet.error
        assert db.session.scalars(select(ClaimCode)).all() == []
    client = app.test_client()
    client.post("/login", data={"username": "mia", "password": "correct-horse-battery"})
    page = client.get(f"/c/garden/claim-sheets/{sheet_id}").get_data(as_text=True)
    assert "生成失败" in page and "printer on fire" not in page


def test_claim_sheet_print_page_headers(app, client, auth, garden):
    sheet_id = _request(app, garden)
    auth.login("mia")
    resp = client.get(f"/c/garden/claim-sheets/{sheet_id}")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    csp = resp.headers["Content-Security-Policy"]
    assert "style-src 'sha256-" in csp and "script-src 'none'" in csp and "unsafe-inline" not in csp


def test_claim_sheet_pending_page_refreshes(app, client, auth, garden):
    with app.app_context():
        sheet = ClaimSheet(community_id=garden.community_id, requested_by_id=garden.member_id, status="pending")
        db.session.add(sheet)
        db.session.commit()
        sheet_id = sheet.id
    auth.login("mia")
    body = client.get(f"/c/garden/claim-sheets/{sheet_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in body and "正在生成" in body


def test_claim_sheets_page_counts_units_and_lists_sheets(app, client, auth, factory, garden):
    auth.login("mia")
    body = client.get("/c/garden/claim-sheets").get_data(as_text=True)
    assert '<span class="stat">5</span>' in body
    client.post("/c/garden/claim-sheets")
    body = client.get("/c/garden/claim-sheets").get_data(as_text=True)
    assert "已完成" in body and "mia" in body
    factory.user("a", community=garden.community_id, owner_ref="A")
    body = client.get("/c/garden/claim-sheets").get_data(as_text=True)
    assert '<span class="stat">2</span>' in body  # 101-103 belong to A, now confirmed


@pytest.mark.parametrize("refs, expected", [((), 5), (("A",), 2), (("A", "B1"), 2), (("A", "B1", "B2", "C"), 0)])
def test_units_needing_codes_count(app, factory, garden, refs, expected):
    for i, ref in enumerate(refs):
        factory.user(f"u{i}", community=garden.community_id, owner_ref=ref)
    with app.app_context():
        assert account_jobs.units_needing_codes_count(db.session.get(Community, garden.community_id)) == expected
