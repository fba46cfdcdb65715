"""Time the ``govern`` command line's start-up: ``--help``, ``verify`` on the demo record, ``tally``.

    .venv/bin/python bench/startup.py [--runs 7] [--rebuild]

The demo record is made once, as an operator would (``govern db upgrade``, ``govern demo``,
``govern export-record``, on a throw-away SQLite database), and cached under ``bench/.cache/``
(gitignored). Each command then runs ``--runs`` times as a fresh process (``.venv/bin/govern``);
the script prints the best and the median wall time against the targets of issue #17 item 3
(``--help`` < 0.5 s, ``verify`` on the demo record < 1 s), with the load average beside them,
and which heavy modules a ``--help`` process imported. No assertions: tests/test_cli_startup.py
holds the import rules.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
GOVERN = str(Path(sys.executable).parent / "govern")
DATA = ROOT / "tests" / "core" / "data"
DEMO_MEETING_TITLE = "2025年第一次业主大会会议"


def demo_record(rebuild: bool) -> Path:
    """The closed demo assembly's auditor record, exported once with the real commands."""
    out = CACHE / "demo-record.zip"
    if out.exists() and not rebuild:
        return out
    CACHE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3", "GOVERN_ENV": "development",
               "SECRET_KEY": "bench-startup", "REDIS_URL": ""}
        for args in (["db", "upgrade"], ["demo"]):
            subprocess.run([GOVERN, *args], env=env, check=True, capture_output=True, cwd=tmp)
        import sqlite3

        with sqlite3.connect(f"{tmp}/demo.sqlite3") as conn:
            (meeting_id,) = conn.execute("SELECT id FROM meetings WHERE title = ?", (DEMO_MEETING_TITLE,)).fetchone()
        subprocess.run([GOVERN, "export-record", str(meeting_id), str(out)], env=env, check=True,
                       capture_output=True, cwd=tmp)
    return out


def timed(args: list[str], runs: int) -> tuple[float, float, int]:
    walls = []
    status = 0
    for _ in range(runs):
        start = time.perf_counter()
        status = subprocess.run([GOVERN, *args], capture_output=True, cwd=ROOT).returncode
        walls.append(time.perf_counter() - start)
    return min(walls), statistics.median(walls), status


def heavy_modules_of_help() -> str:
    probe = ("import sys\nfrom govern.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print(','.join(m for m in ('flask', 'sqlalchemy', 'weasyprint') if m in sys.modules) or 'none',"
             " file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT).stderr.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="Export the demo record again.")
    opts = parser.parse_args()
    record = demo_record(opts.rebuild)
    print(f"demo record: {record} ({record.stat().st_size} bytes); load average {os.getloadavg()[0]:.2f}")
    rows = [
        ("govern --help", ["--help"], 0.5),
        ("govern verify <demo record>", ["verify", str(record)], 1.0),
        ("govern tally (test garden, 1 motion)",
         ["tally", "--register", str(DATA / "test_garden_register.csv"), "--ballots", str(DATA / "v1_ballots.csv")],
         None),
        ("govern tick --help (creates the app)", ["tick", "--help"], None),
    ]
    for label, args, target in rows:
        best, median, status = timed(args, opts.runs)
        goal = f"target < {target:.1f} s: {'met' if median < target else 'MISSED'}" if target else "no target"
        print(f"{label:42s} best {best:5.2f} s  median {median:5.2f} s  exit {status}  ({goal})")
    print(f"heavy modules imported by govern --help: {heavy_modules_of_help()}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
