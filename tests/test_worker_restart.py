"""Availability after a crash (issue #15, item 6): a gunicorn worker killed with SIGKILL is replaced by a fork
of the preloaded master (``gunicorn.conf.py``) and the service answers again in under 3 seconds."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_WITHIN = 3.0  #: seconds, the issue's figure


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/api/v1/server-key")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(what)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads worker pids from /proc")
def test_killed_worker_serves_again_within_three_seconds(tmp_path):
    from govern.core.keys import b64url_encode

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'govern.sqlite3'}",
           "SECRET_KEY": secrets.token_urlsafe(32),
           "GOVERN_SERVER_KEY": b64url_encode(os.urandom(32)), "GOVERN_INSTANCE_PATH": str(tmp_path / "instance"),
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    subprocess.run([str(BIN / "govern"), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=180)
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("ab")
    master = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        _wait(lambda: _up(port), 90, "gunicorn did not start")
        for _round in range(2):
            [worker] = _children(master.pid)
            os.kill(worker, signal.SIGKILL)
            killed = time.monotonic()
            _wait(lambda w=worker: _children(master.pid) not in ([], [w]), READY_WITHIN, "no new worker")
            _wait(lambda: _up(port), READY_WITHIN, f"not serving {READY_WITHIN} s after the worker was killed")
            assert time.monotonic() - killed < READY_WITHIN
    finally:
        master.terminate()
        try:
            master.wait(timeout=15)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()
        log.close()
