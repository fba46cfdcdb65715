"""Two app nodes on one PostgreSQL and one Redis (issue #17, item 6; docs/deployment.md).

Two gunicorn servers (one sync worker each, each with an instance folder of its own, so nothing is
shared through a local disk either) serve one database prepared with ``govern db upgrade``. Owners cast
concurrently into one meeting through both; the same owner casting through both at once gets one
receipt and one 409. The ledger is one chain, its record exports and ``govern verify`` passes. The
session secret, the CSRF token and the sign-in rate limit hold across the nodes (Redis).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from govern.accounts.throttle import DEFAULTS as THROTTLE_DEFAULTS
from tests.conftest import ON_POSTGRES, PG_URL, REDIS_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not (ON_POSTGRES and REDIS_URL),
                       reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL: two nodes share one database and Redis"),
]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OWNERS = 30  #: owners who cast once, alternating between the nodes
DOUBLES = 6  #: of them, owners who also cast a second ballot through the other node at the same moment


def _plain(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        hdrs = {"Content-Type": "application/json"} if isinstance(body, dict) else {}
        conn.request(method, path, body=data, headers={**hdrs, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _register(n: int) -> str:
    lines = ["unit,building,area,status,owners"]
    lines += [f"{100 + i},{1 + i % 3},{80 + i % 7}.50,delivered,O{i:02d}" for i in range(n)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A fresh database (``govern db upgrade``), a seeded open meeting, and two running app nodes (stopped at the
    end, whatever happens)."""
    tmp_path = tmp_path_factory.mktemp("two-nodes")
    base, _, name = _plain(PG_URL).rpartition("/")
    name = name.partition("?")[0] + "_two_nodes"
    url = f"{base}/{name}"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    from govern.core.keys import b64url_encode

    seed = b64url_encode(os.urandom(32))
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "SECRET_KEY": secrets.token_urlsafe(32),
           "GOVERN_SERVER_KEY": seed,
           "PYTHONPATH": str(ROOT), "GOVERN_INSTANCE_PATH": str(tmp_path / "migrate")}
    subprocess.run([str(BIN / "govern"), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=120)
    prefix = f"two-nodes-{secrets.token_hex(4)}"  # this run's limiter counters, whatever an earlier run left
    procs, ports, world = [], [], {}
    try:
        logs = tmp_path / "nodes.log"
        for node in ("a", "b"):
            port = _free_port()
            node_env = {**env, "GOVERN_INSTANCE_PATH": str(tmp_path / f"node-{node}")}
            procs.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", "1", "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                 "--graceful-timeout", "3",
                 "--chdir", str(ROOT), f"govern:create_app({{'RATELIMIT_KEY_PREFIX': '{prefix}'}})"],
                env=node_env, stdout=subprocess.DEVNULL, stderr=logs.open("ab")))  # a file: a pipe could fill up
            ports.append(port)
        world = _seed(tmp_path, url, seed)  # while the nodes start
        deadline = time.monotonic() + 60
        for proc, port in zip(procs, ports, strict=True):
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"node on {port} exited: {logs.read_text()[-2000:]}")
                try:
                    if _request(port, "GET", "/api/v1/server-key")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"node on {port} did not start")
                time.sleep(0.2)
        world.update(ports=ports, url=url, env=env)
        yield world
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if world:
            world["app_dispose"]()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(tmp_path, url: str, seed: str) -> dict:
    """The community, its owners (accounts, keys, tokens) and an open meeting, through the test factories and
    the meeting services, as tests/meetings/helpers.py builds them."""
    from govern import clock, create_app
    from govern.accounts.models import User
    from govern.accounts.services import issue_token
    from govern.core.keys import generate_keypair
    from govern.extensions import db
    from govern.meetings import services
    from govern.register.models import Community
    from tests.conftest import TEST_PASSWORD
    from tests.factories import Factory

    app = create_app({"TESTING": True, "SECRET_KEY": "seed", "INSTANCE_PATH": str(tmp_path / "seed"),
                      "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "GOVERN_SERVER_KEY": seed, "REDIS_URL": None, "JOBS_INLINE": True,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False})
    factory = Factory(app)
    cid = factory.community(register=_register(OWNERS))
    owners = [factory.user(f"o{i:02d}", community=cid, owner_ref=f"O{i:02d}") for i in range(OWNERS)]
    world: dict = {"owners": [], "password": TEST_PASSWORD, "app": app}
    moment = clock.now()
    with app.test_request_context():
        for uid in owners:
            user = db.session.get(User, uid)
            private, public = generate_keypair()
            services.enroll_key(user, {"public_key": public}, actor=user, check_pw=False)
            world["owners"].append({"user": uid, "username": user.username, "token": issue_token(user).token,
                                    "private": private, "public": public})
        data = services.MeetingData(title="2026 owners' assembly", opens_at=moment + timedelta(days=20),
                                    closes_at=moment + timedelta(days=30),
                                    motions=[services.MotionData(title="Repaint the walls", text="Text"),
                                             services.MotionData(title="Hire a gardener", text="Text")])
        meeting = services.create_meeting(db.session.get(Community, cid), data, actor=None)
        services.publish_meeting(meeting, actor=None)
        meeting.opens_at = moment - timedelta(hours=1)  # open it now, as if the notice period had passed
        db.session.flush()
        for o in world["owners"]:
            o["voter"] = services.persons_for(meeting, db.session.get(User, o["user"]))[0].person
        world.update(meeting=meeting.id, community=cid, roll_hash=meeting.roll_hash, agenda_hash=meeting.agenda_hash,
                     motions=[str(m.id) for m in meeting.motions])
        db.session.commit()

    def dispose():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    world["app_dispose"] = dispose
    return world


def _ballot(world: dict, owner: dict, choice: str) -> dict:
    from govern import clock
    from govern.core.ballot import build_ballot, new_nonce
    from govern.core.keys import sign

    ballot = build_ballot(community=str(world["community"]), meeting=str(world["meeting"]),
                          roll_hash=world["roll_hash"], voter=owner["voter"],
                          choices={m: choice for m in world["motions"]}, issued_at=clock.now(),
                          nonce=new_nonce(os.urandom), agenda_hash=world.get("agenda_hash"))
    return {"ballot": ballot, "signature": sign(owner["private"], ballot), "key_id": owner["public"]}


def test_two_nodes_cast_into_one_ledger(cluster):
    from govern.ballots.models import Meeting
    from govern.core.ledger import verify_chain, verify_receipt
    from govern.extensions import db
    from govern.meetings.services import ledger_entries
    from govern.record.export import export_record

    ports, mid = cluster["ports"], cluster["meeting"]
    keys = {json.loads(_request(p, "GET", "/api/v1/server-key")[2])["public_key"] for p in ports}
    assert len(keys) == 1, "both nodes publish the same server key"
    server_key = keys.pop()

    # (port, owner index, body, pair barrier or None); a double voter's two ballots leave together.
    sends = []
    for i, owner in enumerate(cluster["owners"]):
        if i < DOUBLES:
            pair = threading.Barrier(2)
            sends.append((ports[0], i, _ballot(cluster, owner, "agree"), pair))
            sends.append((ports[1], i, _ballot(cluster, owner, "oppose"), pair))
        else:
            sends.append((ports[i % 2], i, _ballot(cluster, owner, "agree"), None))
    start = threading.Event()
    results: list[tuple[int, int, int, bytes]] = []
    lock = threading.Lock()

    def send(port, i, body, pair):
        start.wait()
        if pair is not None:
            pair.wait(timeout=30)
        token = cluster["owners"][i]["token"]
        status, _h, raw = _request(port, "POST", f"/api/v1/meetings/{mid}/ballots", body,
                                   {"Authorization": f"Bearer {token}"})
        with lock:
            results.append((i, port, status, raw))

    threads = [threading.Thread(target=send, args=s) for s in sends]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == len(sends)

    by_owner: dict[int, list[tuple[int, int, bytes]]] = {}
    for i, port, status, raw in results:
        by_owner.setdefault(i, []).append((port, status, raw))
    receipts = []
    for i, answers in sorted(by_owner.items()):
        statuses = sorted(s for _p, s, _r in answers)
        if i < DOUBLES:
            assert statuses == [201, 409], f"owner {i} through both nodes at once: {answers}"
            refused = next(json.loads(r) for _p, s, r in answers if s == 409)
            assert refused["error"]["code"] == "already_voted"
        else:
            assert statuses == [201], f"owner {i}: {answers}"
        receipt = next(json.loads(r) for _p, s, r in answers if s == 201)
        assert verify_receipt(server_key, receipt, str(mid))
        receipts.append(receipt)
    assert sorted(r["position"] for r in receipts) == list(range(1, OWNERS + 1)), "one chain, no gap, no fork"
    # Each receipt names the same entry through either node.
    for r in receipts[:4]:
        for p in ports:
            status, _h, raw = _request(p, "GET", f"/api/v1/meetings/{mid}/receipts/{r['ballot_hash']}")
            assert status == 200 and json.loads(raw)["chain_hash"] == r["chain_hash"]

    app = cluster["app"]
    with app.test_request_context():
        meeting = db.session.get(Meeting, mid)
        entries = ledger_entries(meeting)
        assert len(entries) == OWNERS, "one ledger entry per owner: no double vote"
        assert len({e.ballot_hash for e in entries}) == OWNERS
        assert verify_chain(entries) == []
        assert {r["ballot_hash"] for r in receipts} == {e.ballot_hash for e in entries}
        record = export_record(meeting)
        db.session.commit()
    path = cluster["env"]["GOVERN_INSTANCE_PATH"] + "-record.zip"
    Path(path).write_bytes(record)
    done = subprocess.run([str(BIN / "govern"), "verify", path, "--server-key", server_key], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_nodes_share_sessions_csrf_and_rate_limits(cluster):
    a, b = cluster["ports"]
    owner = cluster["owners"][0]
    # The login form from node A, posted to node B: B accepts A's CSRF token and session (one SECRET_KEY) ...
    status, headers, page = _request(a, "GET", "/login")
    assert status == 200
    cookie = headers["set-cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', page)
    form = f"username={owner['username']}&password={cluster['password']}&csrf_token={token.group(1).decode()}"
    status, headers, _ = _request(b, "POST", "/login", form.encode(),
                                  {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, "node B takes node A's CSRF token"
    session = headers["set-cookie"].split(";", 1)[0]
    # ... and node A knows the caller that node B signed in.
    status, _h, raw = _request(a, "GET", "/api/v1/me", headers={"Cookie": session})
    assert status == 200 and json.loads(raw)["username"] == owner["username"]

    # The sign-in throttle counts in the database: failures through both nodes add up to one count. The
    # (account, address) pair has AUTH_PAIR_FREE_FAILURES free failures; the next one starts a wait, and
    # the attempt after it is answered 429 at once, whichever node it reaches.
    free = THROTTLE_DEFAULTS["AUTH_PAIR_FREE_FAILURES"]
    answers = [_request((a, b)[n % 2], "POST", "/api/v1/tokens",
                        {"username": owner["username"], "password": "wrong"})[0] for n in range(free + 2)]
    assert answers == [401] * (free + 1) + [429], answers
