"""#14: the committee term has one home (the role grant). The migration moves each elected seat's term onto the
member's committee grant (a grant that already has a term keeps it) and links the seat to the grant."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from govern import ROOT
from govern.extensions import db
from tests.conftest import ON_POSTGRES

BEFORE = "e7d4c2b9a1f3"


@pytest.mark.skipif(ON_POSTGRES, reason="an empty SQLite database of its own")
def test_upgrade_moves_seat_terms_onto_the_grants(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'seats.sqlite3'}")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision=BEFORE)
        with db.engine.connect() as conn:  # rows without their parents: foreign keys off on this connection
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            granted = "2026-01-01 00:00:00.000000"
            for gid, user, role, start, end in ((1, 10, "COMMITTEE_MEMBER", None, None),
                                                (2, 11, "COMMITTEE_CHAIR", "2025-03-01", "2030-02-28"),
                                                (3, 12, "OWNER", None, None)):
                conn.execute(text("INSERT INTO role_grants (id, user_id, community_id, role, granted_at, "
                                  "term_starts_on, term_ends_on) VALUES (:i, :u, 1, :r, :g, :s, :e)"),
                             {"i": gid, "u": user, "r": role, "g": granted, "s": start, "e": end})
            for sid, user in ((1, 10), (2, 11), (3, 12)):
                conn.execute(text("INSERT INTO election_committee_seats (id, community_id, motion_id, candidate_id, "
                                  "user_id, term_start, term_end, created_at) VALUES (:i, 1, 1, :i, :u, "
                                  "'2026-01-02', '2031-01-01', :g)"), {"i": sid, "u": user, "g": granted})
            conn.commit()
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            seats = dict(conn.execute(text("SELECT id, grant_id FROM election_committee_seats")).all())
            terms = {r[0]: (r[1], r[2]) for r in conn.execute(text(
                "SELECT id, term_starts_on, term_ends_on FROM role_grants"))}
        assert seats == {1: 1, 2: 2, 3: None}  # an owner's grant is no committee grant
        assert [str(d) for d in terms[1]] == ["2026-01-02", "2031-01-01"]  # the seat's term moved
        assert [str(d) for d in terms[2]] == ["2025-03-01", "2030-02-28"]  # a grant's own term is kept
        assert terms[3] == (None, None)
