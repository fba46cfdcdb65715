"""The audit log is hash-chained; `govern audit verify` names the first broken entry."""

from __future__ import annotations

from sqlalchemy import select, update

from govern import jobs
from govern.audit.models import AuditEntry
from govern.audit.services import log_action, verify_chain
from govern.core.canonical import GENESIS_HASH
from govern.extensions import db


def _write(app, n: int) -> None:
    with app.app_context():
        for i in range(n):
            log_action("test.action", data={"i": i})
        jobs.commit()


def test_record_chains_each_entry_to_previous(app):
    _write(app, 3)
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[0].prev_hash == GENESIS_HASH
        assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
        assert verify_chain().ok


def test_verify_edited_entry_names_it(app, runner):
    _write(app, 5)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(data={"i": 99}))
        db.session.commit()
        report = verify_chain()
        assert report.first_broken == 3 and "hash" in report.problem
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 3" in result.output


def test_verify_deleted_entry_names_gap(app, runner):
    _write(app, 4)
    with app.app_context():
        db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 2))
        db.session.commit()
        assert verify_chain().first_broken == 2


def test_verify_intact_chain_exit_zero(app, runner):
    _write(app, 2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 2 entries" in result.output


def test_audit_page_lists_entries_for_auditor_only(app, factory, client, auth):
    cid = factory.community()
    factory.user("aud", roles=("auditor",), community=cid)
    factory.user("own", roles=("owner",), community=cid)
    auth.login("own")
    assert client.get("/c/garden/audit").status_code == 403
    auth.logout()
    auth.login("aud")
    page = client.get("/c/garden/audit?action=register.import")
    assert page.status_code == 200
    assert "register.import" in page.get_data(as_text=True)
