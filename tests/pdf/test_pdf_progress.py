"""The PDF status page shows the job's progress and refreshes itself (issue #16: progress on long work)."""

from __future__ import annotations

import re
from datetime import timedelta

from govern import clock
from govern.extensions import db
from govern.pdf.models import PdfDocument, PdfStatus
from govern.pdf.views import status_page
from govern.register.models import Community


def _doc(cid, status, *, created, started=None, finished=None, subject=1):
    doc = PdfDocument(community_id=cid, kind="notice", subject_type="meeting", subject_id=subject,
                      template_version="t", content_hash=f"{subject:064d}", html="<p>x</p>", status=status,
                      created_at=created, started_at=started, finished_at=finished)
    db.session.add(doc)
    db.session.flush()
    return doc


def test_status_page_shows_queue_elapsed_time_usual_duration_and_refreshes(app, factory, monkeypatch):
    with app.test_request_context("/meetings/1/notice.pdf"):
        community = db.session.get(Community, factory.community(register=None))
        now = clock.now().replace(microsecond=0)
        monkeypatch.setattr("govern.pdf.progress.clock.now", lambda: now)
        # Earlier renderings took 4, 5 and 6 s: the usual time is 5 s.
        for i, secs in enumerate((4, 5, 6), start=1):
            start = now - timedelta(hours=1, minutes=i)
            _doc(community.id, PdfStatus.DONE, created=start, started=start, finished=start + timedelta(seconds=secs),
                 subject=10 + i)
        running = _doc(community.id, PdfStatus.RUNNING, created=now - timedelta(seconds=5),
                       started=now - timedelta(seconds=2), subject=20)
        queued = _doc(community.id, PdfStatus.PENDING, created=now - timedelta(seconds=7), subject=21)

        html, status = status_page(queued, community)
        assert status == 202
        assert '<meta http-equiv="refresh" content="2">' in html
        assert "PDF 正在排队等待生成，已等 7 秒。" in html
        assert "前面还有 1 份文件在排队。" in html  # the one rendering now
        assert "生成一份 PDF 通常约需 5 秒。" in html
        assert re.search(r'<progress id="pdf-progress" max="100"></progress>', html)  # queued: no estimate yet

        html, status = status_page(running, community)
        assert status == 202 and "正在生成 PDF，已用 2 秒。" in html and 'id="pdf-ahead"' not in html
        assert '<progress id="pdf-progress" max="100" value="40">' in html  # 2 of the usual 5 s

        # Past the usual time the bar waits at 95: it never claims to be done before the PDF is.
        monkeypatch.setattr("govern.pdf.progress.clock.now", lambda: now + timedelta(seconds=30))
        html, _ = status_page(running, community)
        assert 'value="95"' in html

        running.status = PdfStatus.FAILED
        html, status = status_page(running, community)
        assert status == 503 and "http-equiv" not in html and "pdf-progress" not in html


def test_pdf_links_show_a_wait_note_on_every_page(app, client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<div id="pdf-wait" class="pdf-wait" role="status" hidden>正在生成 PDF', html)
