"""The PDF helper: fonts embedded, Chinese extracted, URL fetcher refusals, the content-hash cache, the job."""

from __future__ import annotations

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from govern import jobs
from govern.extensions import db
from govern.pdf import fonts, render, services
from govern.pdf.models import PdfDocument
from govern.pdf.render import FetchRefused, SafeURLFetcher
from tests.conftest import REDIS_URL
from tests.minutes.helpers import has_poppler, pdffonts, pdftotext

pytestmark = pytest.mark.skipif(not has_poppler(), reason="poppler-utils (pdftotext, pdffonts) is not installed")

SAMPLE = """{% extends "pdf/base.html" %}{% from "pdf/_macros.html" import signatures, verify_block with context %}
{% block content %}<h1>业主大会会议纪要</h1><p>出席业主专有部分面积 1500.00 平方米。</p>
<table><thead><tr><th>议题</th><th class="num">同意</th></tr></thead>
<tbody><tr><td>续聘物业</td><td class="num">6</td></tr></tbody></table>{{ extra|safe }}
{% call signatures([{"name": "王建国", "role": "主任", "fingerprint": "3f2a 9c01 77be 04d5", "signed_at": "x"}]) %}
{{ verify_block("http://127.0.0.1:5000/meetings/1", "ab" * 32) }}{% endcall %}{% endblock %}"""


@pytest.fixture
def pdf_app(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/_test.html": SAMPLE}), app.jinja_env.loader])
    with app.test_request_context():
        yield app


class _Community:
    name, district, address = "测试花园", "测试街道", ""


def test_render_pdf_chinese_text_extracted_and_cjk_font_embedded(pdf_app, tmp_path):
    pdf = render.render_pdf("pdf/_test.html", community=_Community(), extra="")
    assert pdf.startswith(b"%PDF")
    text = pdftotext(pdf, tmp_path)
    assert "业主大会会议纪要" in text and "王建国" in text and "ab" * 32 in text
    fonts_used = pdffonts(pdf, tmp_path)
    cjk = [f for f in fonts_used if "WenQuanYi" in f["name"] or "NotoSansCJK" in f["name"]]
    assert cjk, fonts_used
    assert all(f["emb"] == "yes" for f in fonts_used)


def test_fetcher_refuses_file_and_foreign_hosts(pdf_app, tmp_path):
    fetcher = render.make_fetcher()
    for url in ("file:///etc/passwd", "http://evil.example/x.css", "https://127.0.0.1:5000/static/css/app.css",
                "http://127.0.0.1:5000/api/v1/tokens", "http://127.0.0.1:5000/static/../govern/config.py",
                "http://127.0.0.1:5000/static/%2e%2e/instance/secret_key", "ftp://127.0.0.1:5000/static/x",
                "http://127.0.0.1:5001/static/css/app.css"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)


def test_fetcher_allows_data_uris_and_own_static_files(pdf_app):
    fetcher = render.make_fetcher()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    resp = fetcher.fetch("http://127.0.0.1:5000/static/css/app.css")
    assert b"govern" in resp.read() and resp.content_type == "text/css"


def test_render_with_hostile_urls_reads_nothing_outside(pdf_app, tmp_path, monkeypatch):
    asked = []
    original = SafeURLFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(SafeURLFetcher, "fetch", spy)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    extra = (f'<img src="file://{secret}"><link rel="stylesheet" href="http://evil.example/x.css">'
             f'<iframe src="file://{secret}"></iframe><img src="/static/css/app.css">')
    pdf = render.render_pdf("pdf/_test.html", community=_Community(), extra=extra)
    assert "TOPSECRET" not in pdftotext(pdf, tmp_path)
    assert any(u.startswith("file:") for u in asked) and any("evil.example" in u for u in asked)


def test_missing_font_gives_clear_error_naming_the_package(pdf_app, monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: fonts.FontStatus(None))
    with pytest.raises(fonts.FontMissing) as exc:
        render.render_pdf("pdf/_test.html", community=_Community(), extra="")
    assert "fonts-wqy-microhei" in exc.value.message


def test_font_check_finds_installed_font(app):
    status = fonts.find_cjk_font()
    assert status.ok and status.family in ("WenQuanYi Micro Hei", "Noto Sans CJK SC")
    assert app.config["PDF_CJK_FONT"] == status.family


def test_page_counter_css_from_translated_pattern():
    expected = '"第 " counter(page) " 页，共 " counter(pages) " 页"'
    assert render.css_page_counter("第 {page} 页，共 {pages} 页") == expected


def _community(factory):
    from govern.register.models import Community

    cid = factory.community(register=None)
    return db.session.get(Community, cid)


def test_document_cached_by_content_hash_and_rerendered_on_change(app, factory, monkeypatch):
    calls = []
    real = services.html_to_pdf
    monkeypatch.setattr(services, "html_to_pdf", lambda html: calls.append(html) or real(html))
    with app.test_request_context():
        c = _community(factory)
        html = "<html><body><p>第一版</p></body></html>"
        first = services.document_for("notice", "meeting", 1, html, community_id=c.id).id
        jobs.commit()
        again = services.document_for("notice", "meeting", 1, html, community_id=c.id).id
        jobs.commit()
        assert first == again and len(calls) == 1
        doc = db.session.get(PdfDocument, first, populate_existing=True)
        assert doc.status == "done" and doc.pages == 1 and doc.attempts == 1 and len(doc.pdf_sha256) == 64
        changed = services.document_for("notice", "meeting", 1, html.replace("第一版", "第二版"), community_id=c.id).id
        jobs.commit()
        assert changed != first and len(calls) == 2


def test_failed_job_recorded_then_retry_renders(app, factory, monkeypatch):
    from govern.accounts.models import User

    with app.test_request_context():
        c = _community(factory)
        monkeypatch.setattr(services, "html_to_pdf", lambda html: (_ for _ in ()).throw(RuntimeError("boom")))
        doc_id = services.document_for("notice", "meeting", 2, "<p>x</p>", community_id=c.id).id
        jobs.commit()
        doc = db.session.get(PdfDocument, doc_id, populate_existing=True)
        assert doc.status == "failed" and "boom" in doc.error and services.can_retry(doc)
        services.render_document(doc_id)  # running a failed job again does nothing
        assert db.session.get(PdfDocument, doc_id, populate_existing=True).attempts == 1
        monkeypatch.setattr(services, "html_to_pdf", lambda html: (b"%PDF-1.7 fake", 1))
        uid = factory.user("chair", roles=("committee_chair",), community=c.id)
        services.retry_document(doc, actor=db.session.get(User, uid))
        jobs.commit()
        doc = db.session.get(PdfDocument, doc_id, populate_existing=True)
        assert (doc.status, doc.attempts, doc.error) == ("done", 2, "")


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the rq path needs a real Redis")
def test_render_job_through_rq_worker(make_app, factory):
    from redis import Redis
    from rq import Queue

    app = make_app(REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    factory.app = app
    conn = Redis.from_url(REDIS_URL)
    Queue("pdf", connection=conn).empty()
    with app.test_request_context():
        c = _community(factory)
        doc_id = services.document_for("notice", "meeting", 3, "<p>队列</p>", community_id=c.id).id
        jobs.commit()
        assert db.session.get(PdfDocument, doc_id).status == "pending"
    assert Queue("pdf", connection=conn).count == 1
    jobs.run_worker(app, ["pdf"], burst=True)
    with app.app_context():
        doc = db.session.get(PdfDocument, doc_id)
        assert doc.status == "done" and doc.pdf.startswith(b"%PDF")
        assert db.session.scalar(select(func.count(PdfDocument.id))) == 1
