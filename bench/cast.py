"""Signed ballots per second over HTTP into ONE meeting, beside the same server's bare verify-and-insert endpoint.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govern_bench .venv/bin/python bench/cast.py

One server, gunicorn with two sync workers (as ``make run`` serves), runs the govern application
(``bench_app``: the app as deployed, plus one bench-only route). It serves the product's
``POST /api/v1/meetings/{id}/ballots`` (bearer token, key lookup, roll check, row lock on the
meeting, replay checks, chain append, commit, signed receipt) and the bare endpoint
``POST /bench/bare``, which only verifies one Ed25519 signature and inserts one row (the app's own
Flask and database session, no authentication, no checks). The ratio the target speaks of is
product / bare on this same server.

For reference, a second gunicorn serves ``bare_app``, a raw WSGI function doing the same verify and
insert with psycopg and no framework at all; its rate and the product's ratio to it are printed too
(the cost of Flask and SQLAlchemy themselves shows there).

Clients are BENCH_CLIENTS separate processes (not threads: a GIL-bound client competes with the
server for a core and caps the rate), each with one keep-alive connection posting pre-signed
ballots from pre-enrolled keys. The three loads alternate over BENCH_ROUNDS rounds, so a
neighbour's load on a shared machine hits all alike; each round prints the rates, the ratios and
the gunicorn workers' CPU per request and PostgreSQL's (read from /proc; the clients' CPU is not
included).

Prints figures; asserts nothing. The target is ≥ 500 ballots/s and ≥ 0.4 of the bare rate.
The database in DATABASE_URL gets the schema (create_all) and a community "bench-<n>"; use a
scratch database.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOTERS = int(os.environ.get("BENCH_VOTERS", "3000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PORT = int(os.environ.get("BENCH_PORT", "18431"))
BARE_PORT = PORT + 1
#: gunicorn's worker class for both servers, as `make run` serves.
WORKER_ARGS = os.environ.get("BENCH_WORKER_ARGS", "-k sync").split()


def _pg_dsn() -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", os.environ["DATABASE_URL"])


# --------------------------------------------------------------------------- the bare baseline


def bare_app(environ, start_response):
    """Verify one Ed25519 signature over the body's canonical ballot and insert one row. Nothing else."""
    from govern.core.keys import verify

    if environ["REQUEST_METHOD"] != "POST":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]
    conn = _bare_conn()
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    if not verify(body["key_id"], body["ballot"], body["signature"]):
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": "bad_signature"}']
    with conn.cursor() as cur:
        cur.execute("INSERT INTO bench_bare (nonce, body) VALUES (%s, %s)",
                    (body["ballot"]["nonce"], json.dumps(body)))
    conn.commit()
    start_response("201 Created", [("Content-Type", "application/json")])
    return [b'{"ok": true}']


_BARE = threading.local()


def bench_app():
    """The govern app as deployed, plus ``POST /bench/bare``: verify one signature, insert one row.

    A gunicorn factory (``bench.cast:bench_app()``); the route exists only in this bench.
    """
    from flask import Blueprint, jsonify, request
    from sqlalchemy import text

    from govern import create_app
    from govern.core.keys import verify
    from govern.extensions import csrf, db

    app = create_app()
    bp = Blueprint("bench", __name__)
    insert_row = text("INSERT INTO bench_bare (nonce, body) VALUES (:nonce, :body)")

    @bp.post("/bench/bare")
    def bare():
        body = request.get_json()
        if not verify(body["key_id"], body["ballot"], body["signature"]):
            return jsonify({"error": "bad_signature"}), 400
        db.session.execute(insert_row, {"nonce": body["ballot"]["nonce"], "body": json.dumps(body)})
        db.session.commit()
        return jsonify({"ok": True}), 201

    csrf.exempt(bp)
    app.register_blueprint(bp)
    return app


def _bare_conn():
    import psycopg

    if getattr(_BARE, "conn", None) is None:
        _BARE.conn = psycopg.connect(_pg_dsn())
    return _BARE.conn


# --------------------------------------------------------------------------- setup


def setup() -> tuple[int, list[tuple[str, bytes]], list[tuple[str, bytes]], str]:
    """A community of VOTERS owners with keys and tokens, an open meeting, pre-signed ballots."""
    from datetime import timedelta

    import psycopg

    from govern import clock, create_app
    from govern.accounts.auth import hash_password
    from govern.accounts.models import Role, RoleGrant, User
    from govern.accounts.services import issue_token
    from govern.ballots.models import OwnerKey, RollCaster, RollPerson
    from govern.core.ballot import build_ballot, new_nonce
    from govern.core.keys import b64url_encode, generate_keypair, sign
    from govern.extensions import db
    from govern.meetings import services
    from govern.register.models import Community, Owner
    from govern.register.services import import_register

    seed = b64url_encode(os.urandom(32))
    app = create_app({"GOVERN_SERVER_KEY": seed, "RATELIMIT_ENABLED": False})
    with app.test_request_context():
        db.create_all()
        n = int(time.time())
        community = Community(slug=f"bench-{n}", name="压测花园")
        db.session.add(community)
        db.session.flush()
        lines = ["unit,building,area,status,owners"] + [
            f"B{n}-{i:05d},{1 + i % 5},{80 + i % 9}.25,delivered,O{i:05d}" for i in range(VOTERS)
        ]
        import_register(community, ("\n".join(lines) + "\n").encode(), actor=None, source="bench")
        pw = hash_password("bench-password")
        owners = {o.ref: o for o in db.session.query(Owner).filter_by(community_id=community.id)}
        users, privates = [], {}
        for i in range(VOTERS):
            u = User(username=f"bench{n}-{i:05d}", password_hash=pw)
            db.session.add(u)
            users.append(u)
        db.session.flush()
        for i, u in enumerate(users):
            owners[f"O{i:05d}"].user_id = u.id
            owners[f"O{i:05d}"].confirmed_at = clock.now()
            db.session.add(RoleGrant(user_id=u.id, role=Role.OWNER, community_id=community.id))
            private, public = generate_keypair()
            db.session.add(OwnerKey(user_id=u.id, public_key=public, fingerprint="bench", is_demo=True))
            privates[u.id] = (private, public)
        db.session.flush()
        tokens = {u.id: issue_token(u).token for u in users}
        now = clock.now()
        meeting = services.create_meeting(community, services.MeetingData(
            title="bench", opens_at=now + timedelta(days=20), closes_at=now + timedelta(days=30),
            motions=[services.MotionData(title="M1"), services.MotionData(title="M2")]), actor=None)
        services.publish_meeting(meeting, actor=None)
        meeting.opens_at = now - timedelta(hours=1)  # bench only: open it now
        db.session.flush()
        voter_of = {c.user_id: p.person for c, p in db.session.query(RollCaster, RollPerson).filter(
            RollCaster.roll_person_id == RollPerson.id, RollCaster.meeting_id == meeting.id)}
        motions = [str(m.id) for m in meeting.motions]
        db.session.commit()
        mid = meeting.id
        product, bare = [], []
        for u in users:
            private, public = privates[u.id]
            for target in (product, bare):
                ballot = build_ballot(community=str(community.id), meeting=str(mid), roll_hash=meeting.roll_hash,
                                      voter=voter_of[u.id], choices={m: "agree" for m in motions},
                                      issued_at=clock.now(), nonce=new_nonce(os.urandom),
                                      agenda_hash=meeting.agenda_hash)
                body = json.dumps({"ballot": ballot, "signature": sign(private, ballot), "key_id": public}).encode()
                target.append((tokens[u.id], body))
    with psycopg.connect(_pg_dsn()) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, nonce text, body text)")
    return mid, product, bare, seed


# --------------------------------------------------------------------------- load


def _split(items: list, n: int) -> list[list]:
    size = -(-len(items) // n)
    return [items[i * size:(i + 1) * size] for i in range(n)]


def serve(app_spec: str, port: int, env: dict, worker_args: list[str] | None = None, tries: int = 100
          ) -> subprocess.Popen:
    """Start gunicorn with two workers on ``port`` and wait until it answers (also used by bench/district.py)."""
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", *(WORKER_ARGS if worker_args is None else worker_args),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT), app_spec],
        env=env,
    )
    for _ in range(tries):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/api/v1/server-key")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"server on port {port} did not start")


def _client(port: int, path: str, chunk: list[tuple[str, bytes]], ready, start, out) -> None:
    """One client process: one keep-alive connection, its requests in order, then its status counts."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    local: dict[int, int] = {}
    ready.release()
    start.wait()
    for token, body in chunk:
        conn.request("POST", path, body=body, headers={"Authorization": f"Bearer {token}",
                                                       "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        local[resp.status] = local.get(resp.status, 0) + 1
    out.put(local)


def _load(port: int, path: str, requests: list[tuple[str, bytes]]) -> tuple[float, dict[int, int]]:
    """Post ``requests`` from CLIENTS client processes (not threads: a GIL-bound client would be the bottleneck
    and would compete with the server for one core); the clock runs from the common start to the last answer."""
    ctx = multiprocessing.get_context("fork")
    ready, start, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_client, args=(port, path, requests[i::CLIENTS], ready, start, out))
             for i in range(CLIENTS)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    began = time.perf_counter()
    start.set()
    statuses: dict[int, int] = {}
    for _ in procs:
        for k, v in out.get().items():
            statuses[k] = statuses.get(k, 0) + v
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    return elapsed, statuses


def _analyze() -> None:
    """Give the planner statistics, as autovacuum does on its own within a minute of a busy start.

    Some machines (CI's among them) run PostgreSQL with autovacuum off. A table that was never
    analysed looks empty to the planner, which may then look up a ballot by the meeting alone and
    scan the meeting's ledger on every cast; statistics make it use the whole-key indexes.
    """
    import psycopg

    with psycopg.connect(_pg_dsn(), autocommit=True) as conn:
        conn.execute("ANALYZE")


def _cpu_of(pids: list[int]) -> float:
    """User+system CPU seconds so far of the processes ``pids`` and their children (gunicorn workers)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        for p in [pid, *_children(pid)]:
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine (its backends serve both servers), when /proc shows them."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() in ("postgres", "postmaster"):
                    out.append(int(d.name))
            except OSError:
                continue
    return out


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        print("bench/cast.py: skipped — set DATABASE_URL to a scratch PostgreSQL database "
              "(e.g. postgresql://postgres@127.0.0.1:5432/govern_bench).")
        return
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    mid, product, bare, seed = setup()
    print(f"setup: {VOTERS} owners with keys and tokens, one open meeting, {len(product)} pre-signed ballots "
          f"({time.perf_counter() - t0:.1f} s); {CLIENTS} client processes, {ROUNDS} rounds; gunicorn 2 workers "
          f"{' '.join(WORKER_ARGS)}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    env = {**os.environ, "GOVERN_SERVER_KEY": seed, "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}
    procs = [serve("bench.cast:bench_app()", PORT, env), serve("bench.cast:bare_app", BARE_PORT, env)]
    warm = min(100, len(product) // 10)
    bare_rounds, prod_rounds = _split(bare[warm:], ROUNDS), _split(product[warm:], ROUNDS)
    ballots = f"/api/v1/meetings/{mid}/ballots"
    rows = []
    try:
        _load(PORT, "/bench/bare", bare[:warm])
        _load(BARE_PORT, "/", bare[:warm])
        _load(PORT, ballots, product[:warm])
        _analyze()
        for r in range(ROUNDS):  # alternate, so a neighbour's load on the shared machine hits all alike
            figures = []
            for proc, port, path, batch in ((procs[0], PORT, "/bench/bare", bare_rounds[r]),
                                            (procs[0], PORT, ballots, prod_rounds[r]),
                                            (procs[1], BARE_PORT, "/", bare_rounds[r])):
                cpu0, pg0 = _cpu_of([proc.pid]), _cpu_of(_postgres_pids())
                seconds, statuses = _load(port, path, batch)
                cpu, pg = _cpu_of([proc.pid]) - cpu0, _cpu_of(_postgres_pids()) - pg0
                figures.append((len(batch) / seconds, 1000 * cpu / len(batch), 1000 * pg / len(batch), statuses))
            rows.append(figures)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
    print(f"{'':>5} {'bare, same server':^24} {'product (ballots)':^24} {'':>6} {'raw WSGI bare':^24}")
    print(f"{'round':>5} {'req/s':>8} {'ms cpu':>7} {'ms pg':>7} {'req/s':>8} {'ms cpu':>7} {'ms pg':>7} {'ratio':>6} "
          f"{'req/s':>8} {'ms cpu':>7} {'ms pg':>7} {'ratio':>6}   statuses")
    for r, ((b_rate, b_cpu, b_pg, b_st), (p_rate, p_cpu, p_pg, p_st), (w_rate, w_cpu, w_pg, w_st)) in enumerate(
            rows, start=1):
        print(f"{r:>5} {b_rate:>8.0f} {b_cpu:>7.2f} {b_pg:>7.2f} {p_rate:>8.0f} {p_cpu:>7.2f} {p_pg:>7.2f} "
              f"{p_rate / b_rate:>6.2f} {w_rate:>8.0f} {w_cpu:>7.2f} {w_pg:>7.2f} {p_rate / w_rate:>6.2f}   "
              f"bare {b_st} product {p_st} raw {w_st}")
    ratios = sorted(p[0] / b[0] for b, p, _w in rows)
    raw_ratios = sorted(p[0] / w[0] for _b, p, w in rows)
    rates = sorted(p[0] for _b, p, _w in rows)
    cpu_ratios = sorted(p[1] / w[1] for _b, p, w in rows if w[1])
    print(f"median: {rates[len(rates) // 2]:.0f} ballots/s (target >= 500), ratio to the same server's bare "
          f"endpoint {ratios[len(ratios) // 2]:.2f} (target >= 0.40); to the raw WSGI bare app "
          f"{raw_ratios[len(raw_ratios) // 2]:.2f} (target >= 0.45)")
    if cpu_ratios:
        print(f"workers' CPU per cast / raw WSGI app's per request: {cpu_ratios[len(cpu_ratios) // 2]:.2f} "
              f"(target <= 2.0); load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("'ms cpu' = gunicorn workers' CPU per request, 'ms pg' = PostgreSQL's")
    from govern import create_app
    from govern.ballots.models import Meeting
    from govern.core.ledger import verify_chain
    from govern.extensions import db
    from govern.meetings import services

    app = create_app({"GOVERN_SERVER_KEY": seed})
    with app.app_context():
        m = db.session.get(Meeting, mid)
        entries = services.ledger_entries(m)
        print(f"ledger             : {len(entries)} entries, chain problems: {len(verify_chain(entries))}")


if __name__ == "__main__":
    main()
