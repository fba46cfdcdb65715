"""The shared homes of govern/: labelled enums, the local time zone and formats, Markdown profiles, job claims."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from flask import render_template_string

from govern import formats
from govern.core.rules import Matter
from govern.enums import REGISTRY, MatterClass, RichEnum, labelled
from govern.markdown import DISCUSSION, RECORD, render

ROOT = Path(__file__).resolve().parent.parent


def test_labelled_enums_show_labels_in_both_languages(app):
    from govern.service.models import STATUSES, ServiceStatus

    assert {"matter", "service_status", "survey_status", "notice_importance", "notice_audience"} <= set(REGISTRY)
    assert ServiceStatus.RESOLVED == "resolved" and STATUSES[0] == "submitted"
    with app.test_request_context("/?lang=en"):
        assert ServiceStatus.RESOLVED.label == "Resolved, waiting for the owner"
        assert render_template_string("{{ 'major'|label('matter') }}").startswith("Major matter: three quarters")
        assert render_template_string("{{ 'odd'|label('survey_status') }}") == "odd"  # unknown: shown as it is
    with app.test_request_context("/?lang=zh_CN"):
        assert render_template_string("{{ s|label('service_status') }}", s=ServiceStatus.CLOSED) == "已结束"


def test_the_matter_class_has_one_wording_and_the_core_values(app):
    from govern.agenda.forms import MATTER_CHOICES
    from govern.minutes.labels import MATTERS

    assert [m.value for m in MatterClass] == [m.value for m in Matter]
    assert dict(MATTER_CHOICES) == MATTERS == MatterClass.labels()


def test_an_enum_without_a_label_for_every_member_is_refused():
    class Half(RichEnum):
        __labels__ = {"a": "A"}
        A = "a"
        B = "b"

    with pytest.raises(TypeError, match="no label"):
        labelled("half")(Half)


def test_one_local_time_zone():
    """Asia/Shanghai is named once in govern/ outside docstrings and comments (config's Babel default aside)."""
    offenders = []
    for path in sorted((ROOT / "govern").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ZoneInfo":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    others = [o for o in offenders if not o.startswith("govern/formats.py:")]
    assert len(offenders) - len(others) == 1, offenders
    assert not others, f"use govern.formats.LOCAL_TZ instead: {others}"


def test_formats():
    moment = dt.datetime(2025, 3, 1, 16, 30, tzinfo=dt.UTC)
    assert formats.format_moment(moment) == "2025年3月2日 00:30"
    assert formats.format_moment("2025-03-01T16:30:00Z") == "2025年3月2日 00:30"
    assert formats.format_moment(moment.replace(tzinfo=None)) == "2025年3月2日 00:30"  # naive is UTC
    assert formats.format_moment(moment, english=True) == "2 Mar 2025, 00:30"
    assert formats.format_moment(None) == "" and formats.format_moment("not a time") == "not a time"
    assert formats.local_day(moment) == dt.date(2025, 3, 2)
    assert formats.local_midnight(dt.date(2025, 3, 2)) == dt.datetime(2025, 3, 1, 16, 0, tzinfo=dt.UTC)
    assert formats.format_area(200005) == "2000.05"
    assert formats.is_mobile("13800000000") and not formats.is_mobile("23800000000") and not formats.is_mobile("")
    assert formats.CONTACT_PHONE_RE.match("+86 21-5555 0000") and not formats.CONTACT_PHONE_RE.match("call me")


def test_markdown_profiles_differ_only_in_their_allow_lists():
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    assert "<table>" in render(table, RECORD) and "<table>" not in render(table, DISCUSSION)
    assert 'href="mailto:x@example.com"' in render("[m](mailto:x@example.com)", DISCUSSION)
    assert "mailto:" not in render("[m](mailto:x@example.com)", RECORD)
    for profile in (DISCUSSION, RECORD):
        out = render("<script>alert(1)</script> ![i](http://x/i.png) [j](javascript:alert(1))", profile)
        assert "<script" not in out and "<img" not in out and 'href="javascript' not in out
        assert 'rel="nofollow noopener"' in render("[l](https://example.com)", profile)


def test_a_job_claim_takes_a_row_once(app, factory):
    from govern import jobs
    from govern.extensions import db
    from govern.pdf.models import PdfDocument, PdfStatus
    from govern.pdf.services import document_for

    cid = factory.community()
    with app.test_request_context():
        doc_id = document_for("test", "t", 1, "<p>x</p>", community_id=cid).id
        db.session.commit()
        # what the queued job would do: the first claim takes it, a second (a duplicate job) does not
        assert jobs.claim(PdfDocument, doc_id, expected=PdfStatus.PENDING, to=PdfStatus.RUNNING,
                          attempts=PdfDocument.attempts + 1)
        assert not jobs.claim(PdfDocument, doc_id, expected=PdfStatus.PENDING, to=PdfStatus.RUNNING)
        doc = db.session.get(PdfDocument, doc_id, populate_existing=True)
        assert doc.status == PdfStatus.RUNNING and doc.attempts == 1


def _never_run() -> None:
    raise AssertionError("a job of a rolled-back transaction ran")


def test_a_rollback_drops_the_jobs_its_transaction_queued(app, factory):
    from govern import jobs
    from govern.register.models import Community

    cid = factory.community()
    with app.test_request_context():
        from govern.extensions import db

        db_session = db.session
        db_session.get(Community, cid).name = "改名"
        jobs.enqueue(_never_run)
        db_session.rollback()  # what a view's `except DomainError` does
        jobs.commit()  # nothing left to dispatch
        assert db_session.get(Community, cid).name != "改名"


def test_the_request_wrapper_commits_on_return_and_rolls_back_on_error(app, factory):
    from flask import abort

    from govern import jobs
    from govern.extensions import db
    from govern.register.models import Community

    cid = factory.community()

    @app.post("/_test/rename/<name>")
    def _rename(name):
        db.session.get(Community, cid).name = name
        if name == "bad":
            jobs.enqueue(_never_run)
            abort(409)
        return "ok"

    client = app.test_client()
    assert client.post("/_test/rename/good").status_code == 200
    assert client.post("/_test/rename/bad").status_code == 409
    with app.app_context():
        assert db.session.get(Community, cid).name == "good"


#: View modules that still commit by hand, each with the reason. Nothing else may (issue #18, item 3).
HAND_COMMITS_ALLOWED: dict[str, str] = {}
_VIEW_MODULE = ("views", "api", "pages")


def _is_view_module(path: Path) -> bool:
    stem = path.stem
    return stem.startswith(_VIEW_MODULE) or stem.endswith("_api")


def _hand_commits(path: Path) -> list[int]:
    """Lines of ``jobs.commit(...)`` and ``db.session.commit(...)`` calls in a module."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
            and ast.unparse(node.func.value) in ("jobs", "db.session")]


def test_view_modules_leave_the_commit_to_the_request_wrapper():
    """govern.web.GovernFlask.dispatch_request commits on return (docs/architecture.md); a view that needs the
    committed state returns ``web.after_commit(...)``, a refusal that keeps writes calls
    ``web.keep_writes_on_refusal()``. No views*/api*/pages*/*_api module calls ``jobs.commit()`` or
    ``db.session.commit()``."""
    modules = [p for p in (ROOT / "govern").rglob("*.py") if _is_view_module(p)]
    assert len(modules) > 20  # the glob still finds the view modules
    offenders = {rel: lines for p in modules
                 if (rel := p.relative_to(ROOT).as_posix()) not in HAND_COMMITS_ALLOWED
                 and (lines := _hand_commits(p))}
    assert offenders == {}
