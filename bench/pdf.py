"""How long does a 20-page minutes PDF take? Target: under 5 s (design §6: 10 Chinese pages in 2.5 s with
fonts-wqy-microhei). Prints the time, the page count and, as a baseline in the same run, a 1-page PDF.

    .venv/bin/python bench/pdf.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARAGRAPH = ("业主代表发言：关于小区公共收益的使用，建议优先用于电梯更新和地下车库照明改造，并在每季度公示收支明细。"
             "物业服务企业答复：将在续约后三个月内完成整改，并接受业主委员会和全体业主的监督。")


def main() -> int:
    from govern import create_app
    from govern.pdf.render import html_to_pdf, render_html

    class Community:
        name, district, address = "示范花园", "示范街道", "示范路 278 号"

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "INSTANCE_PATH": tmp})
        with app.test_request_context():
            sections = _sections(homes=420)
            text = "\n\n".join(f"### 议题讨论 {i}\n\n{PARAGRAPH * 3}" for i in range(1, 25))
            revision = SimpleNamespace(number=1, corrects_id=None, text=text, approved_at=None, rule="",
                                       members_count=5, published_at=None, content_hash="c" * 64)
            from govern.formats import short_datetime
            from govern.markdown import RECORD, render
            from govern.minutes import labels

            ctx = dict(meeting=None, community=Community(), revision=revision, sections=sections, draft=False,
                       signers=[{"name": "王建国", "role": "主任", "fingerprint": "3f2a 9c01 77be 04d5",
                                 "signed_at": "2025-04-03 10:00"}],
                       verify_url="http://127.0.0.1:5000/meetings/1", labels=labels, label=labels.label,
                       markdown=lambda text: render(text, RECORD), local_time=short_datetime)
            html = render_html("minutes/pdf/assembly_minutes.html", **ctx)
            short = SimpleNamespace(**{**vars(revision), "text": "短"})
            small = render_html("minutes/pdf/assembly_minutes.html",
                                **{**ctx, "sections": _sections(homes=0), "revision": short})
            html_to_pdf(small)  # warm up fonts and caches
            t0 = time.perf_counter()
            _pdf, base_pages = html_to_pdf(small)
            base = time.perf_counter() - t0
            t0 = time.perf_counter()
            pdf, pages = html_to_pdf(html)
            took = time.perf_counter() - t0
    print(f"baseline: {base_pages} page(s) in {base:.2f} s")
    print(f"minutes:  {pages} pages in {took:.2f} s ({took / pages * 1000:.0f} ms/page, {len(pdf) // 1024} KiB)")
    ok = pages >= 20 and took < 5.0
    print("OK: under 5 s" if ok else "SLOW or too short: target is 20 pages in under 5 s")
    return 0 if ok else 1


def _sections(homes: int) -> dict:
    result = {"invalid_policy": "as-abstain", "totals": {"area": "34458.08", "persons": 277},
              "participation": {"area": "25000.00", "persons": 210, "quorum_met": True},
              "agree": {"area": "20000.00", "persons": 170}, "oppose": {"area": "3000.00", "persons": 25},
              "abstain": {"area": "2000.00", "persons": 15}, "invalid": {"area": "0.00", "persons": 0},
              "adopted": True, "reasons": []}
    return {
        "notice": {"title": "2025年第一次业主大会会议", "kind": "regular", "convener": "committee",
                   "notice_date": "2025-03-01",
                   "published_at": "2025-03-01T02:00:00Z", "opens_at": "2025-03-21T02:00:00Z",
                   "closes_at": "2025-03-31T02:00:00Z", "revision_policy": "single-cast",
                   "invalid_policy": "as-abstain", "scope": [],
                   "motions": [{"position": i, "title": f"议题{i}", "matter": "ordinary"} for i in range(1, 7)]},
        "roll": {"roll_hash": "a" * 64, "frozen_at": "2025-03-01T02:00:00Z", "total_area": "34458.08",
                 "total_persons": 277},
        "participation": {"area": "25000.00", "total_area": "34458.08", "persons": 210, "total_persons": 277,
                          "quorum_met": True,
                          "buildings": [{"building": str(b), "area": "8000.00", "total_area": "11000.00",
                                         "persons": 70, "total_persons": 92} for b in (1, 2, 3)],
                          "homes": [{"unit": f"{1 + i % 3}-{i:04d}", "building": str(1 + i % 3), "area": "112.36"}
                                    for i in range(homes)]},
        "results": [{"position": i, "title": f"议题{i}", "matter": "ordinary", "result": result,
                     "document_hash": "d" * 64, "server_signature": "s", "countersignatures": 1} for i in range(1, 7)],
        "record": {"kind": "sha256(roll_hash + ledger_head)", "hash": "e" * 64, "roll_hash": "a" * 64,
                   "ledger_head": "b" * 64, "ledger_length": 210},
        "audit": {"status": "none", "items": []},
    }


if __name__ == "__main__":
    raise SystemExit(main())
