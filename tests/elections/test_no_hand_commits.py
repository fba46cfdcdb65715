"""The election views leave the commit to the request wrapper (govern/web.py): no hand commits."""

from __future__ import annotations

import re
from pathlib import Path

ELECTIONS = Path(__file__).resolve().parents[2] / "govern" / "elections"


def test_election_views_do_not_commit_by_hand():
    for name in ("views.py", "pages.py"):
        source = (ELECTIONS / name).read_text(encoding="utf-8")
        assert not re.search(r"\bdb\.session\.commit\(\)", source), name
