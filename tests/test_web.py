"""The request wrapper (govern/web.py): an answer made after the commit."""

from __future__ import annotations

from govern import jobs
from govern.extensions import db
from govern.register.models import Community
from govern.web import after_commit

#: What the inline job saw.
_seen: list[str] = []


def _note_name(cid: int) -> None:
    _seen.append(db.session.get(Community, cid).name)  # a fresh session: only what was committed


def test_an_answer_after_commit_sees_the_commit_and_the_jobs_it_dispatched(app, factory):
    cid = factory.community()
    _seen.clear()

    @app.post("/_test/after/<name>")
    def _rename(name):
        db.session.get(Community, cid).name = name
        jobs.enqueue(_note_name, cid)
        assert _seen == []  # nothing runs before the view has returned
        return after_commit(lambda: ({"seen": list(_seen)}, 201))

    resp = app.test_client().post("/_test/after/新名")
    assert resp.status_code == 201
    assert resp.get_json() == {"seen": ["新名"]}

