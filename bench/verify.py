"""Time ``verify_record`` on a 100,000-ballot record beside a bare one-core loop over the same signatures.

    .venv/bin/python bench/verify.py [--ballots 100000] [--workers 2] [--rebuild]

The record (100,000 voters, each with their own seeded key, one ballot each, signed results)
takes a while to generate, so it is cached under ``bench/.cache/`` (gitignored). The bare
loop verifies exactly the ballot signatures of that record, one after another, on one core:
raw public key -> ``Ed25519PublicKey`` -> ``verify(signature, canonical bytes)``, with the
canonical bytes prepared before the clock starts. Prints the figures and the ratio
``verify_record / bare loop`` (issue #17: <= 1.1 with 2 workers) and the CPU per ballot against the
bare loop's (<= 1.5). No assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

from govern.core.agenda import agenda_hash, build_agenda  # noqa: E402
from govern.core.archive import build_record, read_record
from govern.core.ballot import build_ballot, format_time  # noqa: E402
from govern.core.canonical import GENESIS_HASH, canonical_bytes  # noqa: E402
from govern.core.keys import b64url_decode, b64url_encode, private_key_from_bytes, public_key_b64, sign  # noqa: E402
from govern.core.ledger import CHAIN_V2, append_entry  # noqa: E402
from govern.core.results import sign_results
from govern.core.roll import RollPerson, RollUnit, build_roll, roll_hash  # noqa: E402
from govern.core.verify import verify_record  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
OPENS = datetime(2025, 3, 20, tzinfo=UTC)
CLOSES = datetime(2025, 3, 27, tzinfo=UTC)


def seeded_key(i: int):
    return private_key_from_bytes(hashlib.sha256(b"govern-bench:%d" % i).digest())


def generate(n: int) -> bytes:
    """A final record with ``n`` voters and ``n`` electronic ballots."""
    t0 = time.perf_counter()
    privs = [seeded_key(i) for i in range(n)]
    pubs = [public_key_b64(k) for k in privs]
    server = seeded_key(-1)
    enrol_at = format_time(datetime(2025, 2, 1, tzinfo=UTC))
    persons = [
        RollPerson(person=f"p-{i:06d}", area=8000 + i % 5000, casters=(f"{i}",), keys=(pubs[i],),
                   buildings=(str(i // 1000),), owners=(f"o{i}",),
                   units=(RollUnit(f"{i // 1000}-{i % 1000}", str(i // 1000), 8000 + i % 5000),),
                   salt=b64url_encode(i.to_bytes(16, "big")))
        for i in range(n)
    ]
    roll = build_roll(community="1", meeting="1", frozen_at="2025-03-01T00:00:00Z", persons=persons)
    meeting = {
        "type": "govern.meeting.v1", "community": "1", "meeting": "1", "title": "bench", "roll_hash": roll_hash(roll),
        "opens_at": format_time(OPENS), "closes_at": format_time(CLOSES), "revision_policy": "single-cast",
        "invalid_policy": "as-abstain", "clock_tolerance_seconds": 600, "proxy_cap": 3, "deemed_consent": None,
        "motions": [{"id": "1", "title": "ordinary", "matter": "ordinary"},
                    {"id": "2", "title": "major", "matter": "major"}],
    }
    # a govern.record.v2: the notice bound an agenda, and every ballot names its hash
    meeting["agenda"] = build_agenda(community="1", meeting="1", motions=meeting["motions"],
                                     revision_policy="single-cast", invalid_policy="as-abstain")
    meeting["agenda_hash"] = agenda_hash(meeting["agenda"])
    meeting["paper"] = {"entry_grace_seconds": 86400, "sealed_box": None}  # as the export writes it (no paper)
    keys = {"type": "govern.keys.v1",
            "enrolments": [{"account": f"{i}", "public_key": pubs[i], "enrolled_at": enrol_at, "revoked_at": None}
                           for i in range(n)],
            "committee": [], "auditors": []}
    print(f"  keys and roll: {time.perf_counter() - t0:.1f} s", flush=True)
    entries = []
    prev = GENESIS_HASH
    step = (CLOSES - OPENS - timedelta(hours=1)) / n
    choices = ("agree", "oppose", "abstain", "agree")
    for i in range(n):
        at = OPENS + step * i
        b = build_ballot(community="1", meeting="1", roll_hash=meeting["roll_hash"], voter=f"p-{i:06d}",
                         choices={"1": choices[i % 4], "2": choices[(i // 4) % 4]}, issued_at=at,
                         nonce=b64url_encode(i.to_bytes(16, "big")), agenda_hash=meeting["agenda_hash"])
        e = append_entry(prev, i + 1, ballot=b, signature=sign(privs[i], b), key_id=pubs[i], received_at=at,
                         chain=CHAIN_V2)  # the notice bound an agenda: a v2 record chains the digest form
        entries.append(e)
        prev = e.chain_hash
    print(f"  ledger: {time.perf_counter() - t0:.1f} s", flush=True)
    results = sign_results(meeting=meeting, roll=roll, entries=entries, server_private=server)
    data = build_record(meeting=meeting, roll=roll, keys=keys, delegations=[], ledger=entries, results=results,
                        server_private=server, created_at=CLOSES + timedelta(days=1), stage="preliminary")
    print(f"  record built: {time.perf_counter() - t0:.1f} s, {len(data) / 1e6:.1f} MB", flush=True)
    return data


def bare_inputs(data: bytes) -> list[tuple[bytes, bytes, bytes]]:
    out = []
    for line in read_record(data)["ledger.jsonl"].splitlines():
        e = json.loads(line)
        out.append((b64url_decode(e["key_id"]), b64url_decode(e["signature"]), canonical_bytes(e["ballot"])))
    return out


def cpu() -> float:
    """CPU seconds of this process and its finished children (the worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def bare_loop(items: list[tuple[bytes, bytes, bytes]]) -> tuple[float, float]:
    t, c = time.perf_counter(), cpu()
    for raw, sig, msg in items:
        Ed25519PublicKey.from_public_bytes(raw).verify(sig, msg)
    return time.perf_counter() - t, cpu() - c


def timed_verify(path: Path, workers: int):
    t, c = time.perf_counter(), cpu()
    report = verify_record(path, workers=workers)
    return report, time.perf_counter() - t, cpu() - c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="alternate runs; the best of each is compared")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"record-v2-{args.ballots}.zip"
    if args.rebuild or not path.exists():
        print(f"generating a {args.ballots}-ballot record (cached at {path}) ...", flush=True)
        path.write_bytes(generate(args.ballots))
    data = path.read_bytes()
    print(f"record: {path} ({len(data) / 1e6:.1f} MB), cores: {os.cpu_count()}")

    items = bare_inputs(data)
    bares, fulls, cpus = [], [], []
    for run in range(1, args.repeat + 1):
        load = os.getloadavg()[0]
        bare, bare_cpu = bare_loop(items)
        report, full, full_cpu = timed_verify(path, args.workers)
        bares.append(bare)
        fulls.append(full)
        cpus.append((bare_cpu, full_cpu))
        print(f"run {run} (load {load:.2f}): bare loop 1 core wall {bare:6.2f} s cpu {bare_cpu:6.2f} s | "
              f"verify_record {args.workers} workers wall {full:6.2f} s cpu {full_cpu:6.2f} s "
              f"valid={report.valid} problems={len(report.problems)}", flush=True)
    _, single, single_cpu = timed_verify(path, 1)
    print(f"verify_record, 1 worker: wall {single:6.2f} s cpu {single_cpu:6.2f} s")
    bare, full = min(bares), min(fulls)
    print(f"best bare loop: {bare:.2f} s ({len(items) / bare:,.0f} verifies/s); "
          f"best verify_record: {full:.2f} s ({len(items) / full:,.0f} ballots/s)")
    print(f"ratio verify_record({args.workers} workers) / bare loop, best walls: {full / bare:.2f}  (target <= 1.1)")
    bare_cpu, full_cpu = min(c[0] for c in cpus), min(c[1] for c in cpus)
    print(f"CPU per ballot: bare loop {1e6 * bare_cpu / len(items):.0f} us, "
          f"verify_record {1e6 * full_cpu / len(items):.0f} us, ratio {full_cpu / bare_cpu:.2f} (target <= 1.5); "
          f"1 worker: {single_cpu / bare_cpu:.2f}")
    print("(the machine is shared: compare CPU seconds too; an idle 2-core machine gives wall ~ cpu / 2)")


if __name__ == "__main__":
    main()
