"""A district on one database (issue #17, item 5): seed a district-sized data set, then measure under load.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govern_district .venv/bin/python bench/district.py --scale 0.01

Not run in CI. ``--scale 1`` is the district of the issue: 500 communities, 300,000 units, 200,000 accounts
(sharing one precomputed password hash), 2,000 meetings of which 50 open, 1,000,000 pre-signed ledger entries
(loaded with COPY), a year of notices and service requests. ``--scale S`` multiplies every count (at least one
community and one open meeting); units per community stay 600.

Seeding uses the product where the product has a bulk path (the register import, publishing a meeting, which
freezes its roll) and bulk inserts elsewhere (accounts, role grants, notices, service requests; the ledger with
COPY, its entries built and chained by ``core.ledger`` and signed by one key per community).

Then it measures, with ``--clients`` client processes (default 32) replaying owners' API reads with bearer
tokens for ``--seconds``: the 95th percentile of each answer (target < 100 ms); alone, while the load runs:
the district metrics page as an observer (target < 1 s) and the street office's list of meetings (target <
200 ms); and, before the load, the register import of 10,000 units into a new community (target < 1 s).
Prints figures; asserts nothing. Use a scratch database: it gets the schema (create_all).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "18461"))
#: The full district of the issue; --scale multiplies it.
FULL = {"communities": 500, "accounts": 200_000, "meetings": 2_000, "open": 50, "entries": 1_000_000,
        "notices": 50_000, "service_requests": 100_000}
UNITS_PER_COMMUNITY = 600


def _pg_dsn() -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", os.environ["DATABASE_URL"])


def _counts(scale: float) -> dict[str, int]:
    out = {k: max(1, round(v * scale)) for k, v in FULL.items()}
    out["meetings"] = max(out["meetings"], out["open"] + out["communities"])
    return out


def _register_csv(prefix: str, n: int) -> bytes:
    lines = ["unit,building,area,status,owners"] + [
        f"{prefix}-{i:05d},{1 + i % 12},{70 + i % 60}.{i % 100:02d},delivered,{prefix}O{i:05d}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def seed(scale: float, import_units: int = 10_000) -> dict:  # noqa: C901 - one linear script
    """Seed the district; returns what the load needs (tokens, ids, slugs) and the seeding timings."""
    import psycopg
    from sqlalchemy import insert, select, update

    from govern import clock, create_app
    from govern.accounts.auth import hash_password
    from govern.accounts.models import Role, RoleGrant, User
    from govern.accounts.services import issue_token
    from govern.ballots.models import BallotEntry, Meeting, RollPerson
    from govern.core.ballot import build_ballot, new_nonce
    from govern.core.canonical import GENESIS_HASH
    from govern.core.keys import generate_keypair, sign
    from govern.core.ledger import append_entry
    from govern.extensions import db
    from govern.meetings import services
    from govern.notices.models import Notice
    from govern.register.models import Community, Owner
    from govern.register.services import import_register
    from govern.service.models import ServiceRequest

    counts = _counts(scale)
    n_c = counts["communities"]
    stamp = int(time.time())
    timings: dict[str, float] = {}
    app = create_app({"RATELIMIT_ENABLED": False})
    out: dict = {"counts": counts, "tokens": [], "open_meetings": [], "slugs": []}
    with app.test_request_context():
        db.create_all()
        pw = hash_password("district-password")  # one hash for every account
        t0 = time.perf_counter()
        communities = [Community(slug=f"d{stamp}-{i:03d}", name=f"小区 {i:03d}", district=f"district-{stamp}")
                       for i in range(n_c)]
        db.session.add_all(communities)
        db.session.flush()
        for c in communities:
            import_register(c, _register_csv(f"{c.id}", UNITS_PER_COMMUNITY), actor=None, source="bench")
        db.session.commit()
        timings["register imports (600 units each)"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        per_c = max(1, counts["accounts"] // n_c)
        now = clock.now()
        for c in communities:
            owners = list(db.session.scalars(select(Owner).where(Owner.community_id == c.id).order_by(Owner.id)
                                             .limit(per_c)))
            ids = db.session.execute(insert(User).returning(User.id, sort_by_parameter_order=True), [
                {"username": f"{c.slug}-{i}", "password_hash": pw, "display_name": f"业主{i}"}
                for i in range(len(owners))]).scalars().all()
            db.session.execute(update(Owner), [{"id": o.id, "user_id": uid, "confirmed_at": now}
                                               for o, uid in zip(owners, ids, strict=True)])
            db.session.execute(insert(RoleGrant), [{"user_id": uid, "role": Role.OWNER, "community_id": c.id}
                                                   for uid in ids])
            out.setdefault("users", {})[c.id] = ids
        staff = User(username=f"office-{stamp}", password_hash=pw, display_name="街道办")
        db.session.add(staff)
        db.session.flush()
        db.session.add(RoleGrant(user_id=staff.id, role=Role.AUDITOR, community_id=None))
        db.session.commit()
        timings["accounts and role grants"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        meetings: list[Meeting] = []
        per_meeting_c = -(-counts["meetings"] // n_c)
        for i in range(counts["meetings"]):
            c = communities[i % n_c]
            is_open = i < counts["open"]
            m = services.create_meeting(c, services.MeetingData(
                title=f"业主大会 {i}", opens_at=now + timedelta(days=20), closes_at=now + timedelta(days=30),
                motions=[services.MotionData(title="选聘物业"), services.MotionData(title="使用维修资金")]),
                actor=None)
            services.publish_meeting(m, actor=None)
            if is_open:
                m.opens_at = now - timedelta(days=1)
            else:  # an earlier meeting of the year
                back = timedelta(days=30 + 300 * (i // n_c) // max(1, per_meeting_c))
                m.opens_at, m.closes_at = now - back - timedelta(days=10), now - back
            meetings.append(m)
        db.session.commit()
        out["open_meetings"] = [(m.id, m.community_id) for m in meetings[:counts["open"]]]
        timings["meetings created and published (rolls frozen)"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        keys = {c.id: generate_keypair() for c in communities}
        per_m = max(1, counts["entries"] // len(meetings))
        columns = ("community_id", "meeting_id", "position", "kind", "voter", "ballot", "ballot_hash", "nonce",
                   "signature", "key_id", "received_at", "prev_hash", "chain_hash")
        heads = []
        total = 0
        with psycopg.connect(_pg_dsn()) as conn, conn.cursor() as cur:
            with cur.copy(f"COPY ballot_entries ({', '.join(columns)}) FROM STDIN") as copy:
                for m in meetings:
                    private, public = keys[m.community_id]
                    persons = db.session.scalars(select(RollPerson.person).where(RollPerson.meeting_id == m.id)
                                                 .order_by(RollPerson.id).limit(per_m)).all()
                    motions = [str(x.id) for x in m.motions]
                    head, moment = m.ledger_head or GENESIS_HASH, m.opens_at + timedelta(hours=1)
                    for position, person in enumerate(persons, start=1):
                        ballot = build_ballot(community=str(m.community_id), meeting=str(m.id),
                                              roll_hash=m.roll_hash, voter=person,
                                              choices={x: "agree" for x in motions}, issued_at=moment,
                                              nonce=new_nonce(os.urandom), agenda_hash=m.agenda_hash)
                        entry = append_entry(head, position, ballot=ballot, signature=sign(private, ballot),
                                             key_id=public, received_at=moment, chain=m.record_version)
                        copy.write_row((m.community_id, m.id, position, entry.kind, entry.voter,
                                        json.dumps(dict(entry.ballot)), entry.ballot_hash, ballot["nonce"],
                                        entry.signature, entry.key_id, entry.received_at, entry.prev_hash,
                                        entry.chain_hash))
                        head = entry.chain_hash
                    heads.append((m.id, len(persons), head))
                    total += len(persons)
        db.session.execute(update(Meeting), [{"id": mid, "ledger_length": n, "ledger_head": h}
                                             for mid, n, h in heads if n])
        db.session.commit()
        timings[f"ledger: {total} signed entries built, chained and COPYed"] = time.perf_counter() - t0
        out["entries"] = total

        t0 = time.perf_counter()
        per_c_n, per_c_s = max(1, counts["notices"] // n_c), max(1, counts["service_requests"] // n_c)
        subs = [("repair", "plumbing"), ("repair", "elevator"), ("complaint", "noise"), ("suggestion", "greening")]
        for c in communities:
            ids = out["users"][c.id]
            db.session.execute(insert(Notice), [
                {"community_id": c.id, "author_id": staff.id, "issuer": "property", "title": f"通知 {k}",
                 "body": "停水检修，请您提前储水。", "published_at": now - timedelta(days=365 * k / per_c_n)}
                for k in range(per_c_n)])
            db.session.execute(insert(ServiceRequest), [
                {"community_id": c.id, "filed_by_id": ids[k % len(ids)], "category": subs[k % 4][0],
                 "subcategory": subs[k % 4][1], "description": "楼道灯不亮",
                 "status": "closed" if k % 5 else "submitted",
                 "created_at": now - timedelta(days=365 * k / per_c_s),
                 "respond_due_at": now - timedelta(days=365 * k / per_c_s) + timedelta(days=1),
                 "resolve_due_at": now - timedelta(days=365 * k / per_c_s) + timedelta(days=7)}
                for k in range(per_c_s)])
        db.session.commit()
        timings["notices and service requests"] = time.perf_counter() - t0

        # Tokens for the replayed owners: owners of the communities with an open meeting first.
        open_cs = [cid for _mid, cid in out["open_meetings"]]
        for cid in open_cs + [c.id for c in communities if c.id not in open_cs]:
            for uid in out["users"][cid][:8]:
                out["tokens"].append((issue_token(db.session.get(User, uid)).token, cid, uid))
            if len(out["tokens"]) >= 256:
                break
        out["staff_token"], out["staff_id"] = issue_token(staff).token, staff.id
        out["slug_of"] = {c.id: c.slug for c in communities}
        out["slugs"] = [c.slug for c in communities]
        db.session.commit()
        out["open_by_community"] = {cid: mid for mid, cid in out["open_meetings"]}

        # The register import of 10,000 units into a new community, as a committee uploads it (--import-units).
        c = Community(slug=f"d{stamp}-import", name="导入测试", district=f"other-{stamp}")
        db.session.add(c)
        db.session.commit()
        data = _register_csv(f"I{stamp}", import_units)
        t0 = time.perf_counter()
        import_register(c, data, actor=None, source="bench")
        db.session.commit()
        out["import_seconds"] = time.perf_counter() - t0
        out["entries_check"] = db.session.query(BallotEntry).count()
    out["timings"] = timings
    return out


def reuse() -> dict:
    """What the load needs, from the district seeded last into this database (its newest ``district-…``)."""
    from sqlalchemy import func, select

    from govern import clock, create_app
    from govern.accounts.models import Role, RoleGrant, User
    from govern.accounts.services import issue_token
    from govern.ballots.models import BallotEntry, Meeting
    from govern.extensions import db
    from govern.register.models import Community

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.test_request_context():
        district = db.session.scalar(select(Community.district).where(Community.district.like("district-%"))
                                     .order_by(Community.id.desc()).limit(1))
        communities = list(db.session.scalars(select(Community).where(Community.district == district)
                                              .order_by(Community.id)))
        ids = [c.id for c in communities]
        now = clock.now()
        open_by_community = {cid: mid for mid, cid in db.session.execute(select(Meeting.id, Meeting.community_id).where(
            Meeting.community_id.in_(ids), Meeting.opens_at <= now, Meeting.closes_at > now))}
        tokens = []
        for cid in sorted(ids, key=lambda c: c not in open_by_community):
            for uid in db.session.scalars(select(RoleGrant.user_id).where(
                    RoleGrant.community_id == cid, RoleGrant.role == Role.OWNER).order_by(RoleGrant.id).limit(8)):
                tokens.append((issue_token(db.session.get(User, uid)).token, cid, uid))
            if len(tokens) >= 256:
                break
        staff = db.session.scalar(select(User).where(User.username == f"office-{district.split('-', 1)[1]}"))
        out = {"counts": {"communities": len(ids)}, "tokens": tokens, "staff_id": staff.id,
               "staff_token": issue_token(staff).token, "slugs": [c.slug for c in communities],
               "slug_of": {c.id: c.slug for c in communities}, "open_by_community": open_by_community,
               "entries": db.session.scalar(select(func.count(BallotEntry.id)).where(
                   BallotEntry.community_id.in_(ids))), "timings": {}, "import_seconds": None}
        out["entries_check"] = out["entries"]
        db.session.commit()
    return out


# --------------------------------------------------------------------------- load


def _serve(env: dict) -> subprocess.Popen:
    from bench.cast import serve

    return serve("wsgi:app", PORT, env, ["-k", "sync"], tries=300)


def _paths(slug: str, open_mid: int | None) -> list[tuple[str, bool]]:
    """What an owner reads: ``(path, is_page)``; a page is read with the session cookie, the API with the token."""
    paths = [("/api/v1/me", False), ("/api/v1/meetings", False), ("/api/v1/notices", False),
             ("/api/v1/service-requests", False), (f"/c/{slug}/meetings", True), (f"/c/{slug}/notices/", True),
             (f"/c/{slug}/service/", True)]
    if open_mid is not None:
        paths += [(f"/api/v1/meetings/{open_mid}", False), (f"/api/v1/meetings/{open_mid}/me", False),
                  (f"/meetings/{open_mid}", True), (f"/meetings/{open_mid}/ballot", True)]
    return paths


def session_cookie(user_id: int) -> str:
    """A signed session cookie of ``user_id`` (generation 0), as the sign-in page would set (SECRET_KEY shared)."""
    from govern import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": f"{user_id}.0", "_fresh": True})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def _client(owners: list, open_by_community: dict, seconds: float, start, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    samples: dict[str, list[float]] = {}
    start.wait()
    end = time.perf_counter() + seconds
    k = 0
    while time.perf_counter() < end:
        token, cookie, slug, cid = owners[k % len(owners)]
        for path, is_page in _paths(slug, open_by_community.get(cid)):
            label = re.sub(r"/\d+", "/{id}", path.replace(slug, "<slug>"))
            t = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie} if is_page else {"Authorization": f"Bearer {token}"})
            resp = conn.getresponse()
            resp.read()
            samples.setdefault(f"{label} {resp.status}", []).append(time.perf_counter() - t)
        k += 1
    out.put(samples)


def _timed(path: str, headers: dict, runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        t = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        times.append(time.perf_counter() - t)
        assert resp.status == 200, (path, resp.status)
    return times


def cpu_per_answer(data: dict, runs: int = 5) -> list[tuple[str, float, float]]:
    """Each answer alone, in this process through Flask's test client: ``(label, CPU ms, wall ms)``, the medians
    of ``runs``. The app's CPU (not PostgreSQL's) is what a saturated machine does not inflate much, so it says which
    answers need work when the wall times under load say only that the machine is full."""
    from govern import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    token, cid, uid = data["tokens"][0]
    slug = data["slug_of"][cid]
    client = app.test_client()
    owner = [(path, {"Cookie": session_cookie(uid)} if page else {"Authorization": f"Bearer {token}"})
             for path, page in _paths(slug, data["open_by_community"].get(cid))]
    office = {"Cookie": session_cookie(data["staff_id"])}
    wanted = owner + [(f"/c/{slug}/metrics/district", office), (f"/c/{slug}/audit/meetings", office)]
    out = []
    for path, headers in wanted:
        cookie = headers.get("Cookie")
        if cookie:
            client.set_cookie(cookie.split("=", 1)[0], cookie.split("=", 1)[1])
        else:
            client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
        cpus, walls = [], []
        for _ in range(runs):
            c, w = time.process_time(), time.perf_counter()
            resp = client.get(path, headers={k: v for k, v in headers.items() if k != "Cookie"})
            cpus.append(time.process_time() - c)
            walls.append(time.perf_counter() - w)
            assert resp.status_code == 200, (path, resp.status_code)
        label = re.sub(r"/\d+", "/{id}", path.replace(slug, "<slug>"))
        out.append((label, 1000 * _pct(cpus, 0.5), 1000 * _pct(walls, 0.5)))
    return out


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's district (1 = full)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--import-units", type=int, default=10_000, help="units of the timed register import")
    parser.add_argument("--cpu", action="store_true",
                        help="also time each answer alone in-process: the app's CPU per answer (medians of 5)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again on the district seeded last time into this database (no seeding)")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", os.urandom(24).hex())  # the server and the bench's session cookies
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        print("bench/district.py: skipped — set DATABASE_URL to a scratch PostgreSQL database.")
        return
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    data = reuse() if args.reuse else seed(args.scale, args.import_units)
    what = "reused" if args.reuse else f"scale {args.scale}"
    print(f"{what}: {json.dumps(data['counts'])}; ledger entries {data['entries']} "
          f"(table holds {data['entries_check']}); seeded in {time.perf_counter() - t0:.0f} s")
    for what, seconds in data["timings"].items():
        print(f"  {what}: {seconds:.1f} s")
    if data["import_seconds"] is not None:
        print(f"register import of {args.import_units:,} units: {data['import_seconds']:.2f} s "
              f"(target for 10,000: < 1 s)")
    import psycopg

    with psycopg.connect(_pg_dsn(), autocommit=True) as conn:
        conn.execute("ANALYZE")
    if args.cpu:
        print(f"{'answer alone, in-process':<44} {'CPU ms':>8} {'wall ms':>8}  (load {os.getloadavg()[0]:.1f})")
        for label, cpu_ms, wall_ms in cpu_per_answer(data):
            print(f"{label:<44} {cpu_ms:>8.1f} {wall_ms:>8.1f}")
    env = {**os.environ, "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}
    server = _serve(env)
    slug = data["slugs"][0]
    office = {"Cookie": session_cookie(data["staff_id"])}
    singles = {"/c/<slug>/metrics/district (district metrics, target < 1 s)": f"/c/{slug}/metrics/district",
               "/c/<slug>/audit/meetings: the street office's list of meetings (target < 200 ms)":
                   f"/c/{slug}/audit/meetings"}
    try:
        ctx = multiprocessing.get_context("fork")
        start, out = ctx.Event(), ctx.Queue()
        tokens = [(token, session_cookie(uid), data["slug_of"][cid], cid) for token, cid, uid in data["tokens"]]
        procs = [ctx.Process(target=_client, args=(tokens[i::args.clients] or tokens, data["open_by_community"],
                                                   args.seconds, start, out)) for i in range(args.clients)]
        for p in procs:
            p.start()
        load_before = os.getloadavg()
        start.set()
        time.sleep(min(5, args.seconds / 4))
        alone = {name: _timed(path, office) for name, path in singles.items()}
        samples: dict[str, list[float]] = {}
        for _ in procs:
            for k, v in out.get().items():
                samples.setdefault(k, []).extend(v)
        for p in procs:
            p.join()
        load_after = os.getloadavg()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a worker still busy with a slow answer
            server.kill()
            server.wait(timeout=10)
    total = sum(len(v) for v in samples.values())
    print(f"load: {args.clients} client processes replaying owners' page views and API reads for {args.seconds:.0f} s, "
          f"{total} answers ({total / args.seconds:.0f}/s); gunicorn 2 sync workers; machine load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print(f"{'answer':<44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8}  target p95 < 100 ms")
    for label in sorted(samples):
        v = samples[label]
        p95 = 1000 * _pct(v, 0.95)
        print(f"{label:<44} {len(v):>6} {1000 * _pct(v, 0.5):>8.1f} {p95:>8.1f}  {'met' if p95 < 100 else 'MISSED'}")
    for name, times in alone.items():
        print(f"{name}: best {min(times) * 1000:.0f} ms, median {1000 * _pct(times, 0.5):.0f} ms (during the load)")


if __name__ == "__main__":
    main()
