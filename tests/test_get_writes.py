"""A GET never changes state: every GET route of ``app.url_map``, as every role, writes nothing.

The world is the authorisation matrix's (``tests/test_authz_matrix.py``): two communities, one user
per role, and a sample object for every URL argument. Each GET is requested as each role while a
listener on the engine records every INSERT, UPDATE or DELETE the request causes (the ORM's flushes,
Core statements, and the jobs dispatched after the request's commit alike).

Two lists name the GETs that may still write, each with its reason; the test fails on a GET that
writes and is in neither list, and on a listed GET that no longer writes (remove its entry then):

- ``DOCUMENTED`` — writes that are part of the design (see docs/architecture.md, "Conventions");
- ``KNOWN_OFFENDERS`` — writes to be removed by the issue named beside each.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import url_for
from sqlalchemy import event

from govern import clock
from govern.extensions import db
from tests.test_authz_matrix import PASSWORD, ROLES, build_world

#: GETs whose write is deliberate (docs/architecture.md, "Conventions").
DOCUMENTED = {
    # Rendered PDFs are a content-addressed cache (pdf_documents): the first GET of a document fills it
    # (and, without a worker, renders it inline); the same HTML never makes a second row.
    "minutes.assembly_pdf": "PDF cache fill",
    "minutes.notice_pdf": "PDF cache fill",
    "minutes.result_pdf": "PDF cache fill",
    "minutes.committee_minutes_pdf": "PDF cache fill",
    "minutes.claim_sheet_pdf": "PDF cache fill",
    # A read receipt records that the page was shown: the GET that shows it is the fact being recorded.
    "delivery.inbox": "in-app messages marked read when the inbox shows them",
    # A rate limit counts what it limits: each record download spends one unit of the caller's hourly budget
    # (auth_throttle, as sign-in attempts do; docs/security.md). No record or vote changes.
    "record_api.record": "record download budget counted (auth_throttle)",
}

#: GETs that still write and should not: each entry names the issue that removes it. The first GET to
#: reach a materialisation is the one flagged; when it is fixed, the next one (e.g. meetings_api.results
#: after meetings.result) shows up here as a new offender, as it should.
KNOWN_OFFENDERS: dict[str, str] = {}

DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and rule.endpoint != "static":
            yield rule


def test_no_get_writes(app, factory):
    world = build_world(app, factory)
    with app.app_context():
        engine = db.engine
    writes: dict[str, set[str]] = {}
    current: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany):
        if current and DML.match(statement):
            table = re.search(r"(?:INTO|UPDATE|FROM)\s+\"?(\w+)", statement, re.IGNORECASE)
            writes.setdefault(current[0], set()).add(f"{DML.match(statement).group(1).upper()} "
                                                      f"{table.group(1) if table else '?'}")

    rules = sorted(_get_rules(app), key=lambda r: r.endpoint)
    with app.test_request_context():
        urls = {r.endpoint: url_for(r.endpoint, **{a: world.args[a] for a in r.arguments}) for r in rules}
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        if role != "anonymous":
            clients[role].post("/login", data={"username": role, "password": PASSWORD})

    def walk():
        for role, client in clients.items():
            for rule in rules:
                api = rule.rule.startswith("/api/")
                headers = {"Authorization": f"Bearer {world.tokens[role]}"} if api and role != "anonymous" else {}
                current[:] = [rule.endpoint]
                try:
                    client.get(urls[rule.endpoint], headers=headers)
                finally:
                    current.clear()

    event.listen(engine, "before_cursor_execute", _record)
    try:
        walk()  # the sample meeting is open
        with clock.frozen_at(clock.now() + timedelta(days=40)):
            walk()  # every voting window has closed: nothing may be tallied or lapsed by a mere read
    finally:
        event.remove(engine, "before_cursor_execute", _record)

    allowed = set(DOCUMENTED) | set(KNOWN_OFFENDERS)
    new = {e: sorted(w) for e, w in writes.items() if e not in allowed}
    assert not new, f"GET handlers that write (make them POSTs, or document why): {new}"
    fixed = sorted(allowed - set(writes))
    assert not fixed, f"these GETs no longer write: remove them from DOCUMENTED/KNOWN_OFFENDERS: {fixed}"


def test_the_listener_sees_a_write(app, factory):
    """The hook is not blind: a POST that changes state is seen by the same listener."""
    build_world(app, factory)
    with app.app_context():
        engine = db.engine
    seen = []

    def _record(conn, cursor, statement, *_):
        if DML.match(statement):
            seen.append(statement)

    client = app.test_client()
    client.post("/login", data={"username": "owner", "password": PASSWORD})
    event.listen(engine, "before_cursor_execute", _record)
    try:
        client.post("/notifications/read")
    finally:
        event.remove(engine, "before_cursor_execute", _record)
    assert seen, "POST /notifications/read marks notifications read: the listener must see an UPDATE"
