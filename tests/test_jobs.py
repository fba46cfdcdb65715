"""Jobs run after commit: inline without Redis, through rq and a worker with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govern import jobs
from govern.accounts.jobs import render_claim_sheet, request_claim_sheet
from govern.accounts.models import ClaimCode, ClaimSheet, User
from govern.extensions import db
from govern.register.models import Community
from tests.conftest import REDIS_URL


def _request_sheet(app, community_id: int, user_id: int) -> int:
    with app.app_context():
        community = db.session.get(Community, community_id)
        sheet = request_claim_sheet(community, actor=db.session.get(User, user_id))
        jobs.enqueue(render_claim_sheet, sheet.id)
        # Before the commit nothing has run.
        assert sheet.status == "pending"
        jobs.commit()
        return sheet.id


def test_enqueue_inline_runs_after_commit(app, factory):
    cid = factory.community()
    uid = factory.user("chair", roles=("committee_chair",), community=cid)
    sheet_id = _request_sheet(app, cid, uid)
    with app.app_context():
        sheet = db.session.get(ClaimSheet, sheet_id)
        assert sheet.status == "done"
        # Codes go to delivered units whose owners have no account: 101-103, 201, 301.
        # Developer-held units (501 unsold, 504 sold but undelivered) get none.
        assert sheet.unit_count == 5
        assert db.session.scalar(select(db.func.count(ClaimCode.id))) == sheet.unit_count


def test_enqueue_discarded_on_rollback_runs_nothing(app, factory):
    cid = factory.community()
    uid = factory.user("chair", roles=("committee_chair",), community=cid)
    with app.app_context():
        sheet = request_claim_sheet(db.session.get(Community, cid), actor=db.session.get(User, uid))
        jobs.enqueue(render_claim_sheet, sheet.id)
        db.session.rollback()
        jobs.discard_pending()
        jobs.commit()
        assert db.session.scalar(select(db.func.count(ClaimSheet.id))) == 0


def test_enqueue_unknown_queue_raises(ctx):
    with pytest.raises(ValueError):
        jobs.enqueue(render_claim_sheet, 1, queue="nope")


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the rq path needs a real Redis")
def test_enqueue_with_redis_worker_runs_job(make_app, factory):
    from redis import Redis
    from rq import Queue

    app = make_app(REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    factory.app = app
    conn = Redis.from_url(REDIS_URL)
    for name in jobs.QUEUES:
        Queue(name, connection=conn).empty()
    cid = factory.community()
    uid = factory.user("chair", roles=("committee_chair",), community=cid)
    sheet_id = _request_sheet(app, cid, uid)
    with app.app_context():
        assert db.session.get(ClaimSheet, sheet_id).status == "pending"  # queued, not run
    assert Queue("default", connection=conn).count == 1
    jobs.run_worker(app, ["default"], burst=True)
    with app.app_context():
        sheet = db.session.get(ClaimSheet, sheet_id)
        assert sheet.status == "done"
        assert "认领码" in sheet.html or "claim" in sheet.html.lower()
