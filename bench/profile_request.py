"""Where an API request with a bearer token spends its time: cProfile over a loop of test-client requests.

    .venv/bin/python bench/profile_request.py            # SQLite in a temporary directory
    DATABASE_URL=postgresql://… .venv/bin/python bench/profile_request.py   # a scratch PostgreSQL database

Builds an app, one community with one owner and a bearer token, then requests ``GET /api/v1/me``
(authentication, one small query, JSON) BENCH_REQUESTS times through Flask's test client under
cProfile (timing CPU, not wall: on a shared machine the wall time is mostly waiting), and prints the
time per request and the functions with the most cumulative time, grouped the way docs/performance.md
reports them. Prints figures; asserts nothing.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
PATH = os.environ.get("BENCH_PATH", "/api/v1/me")


def _app(tmp: Path):
    from govern import create_app
    from govern.extensions import db

    url = os.environ.get("DATABASE_URL", "")
    config = {"INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "profile", "RATELIMIT_ENABLED": True,
              "RATELIMIT_STORAGE_URI": "memory://", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    if url.startswith("postgres"):
        from govern.config import _database_url

        config["SQLALCHEMY_DATABASE_URI"] = _database_url(tmp)
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'profile.sqlite3'}"
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


def _seed(app) -> str:
    from govern.accounts.auth import hash_password
    from govern.accounts.models import Role, RoleGrant, User
    from govern.accounts.services import issue_token
    from govern.extensions import db
    from govern.register.models import Community

    with app.test_request_context():
        n = int(time.time() * 1000)
        community = Community(slug=f"profile-{n}", name="剖析花园")
        user = User(username=f"profile{n}", password_hash=hash_password("profile-password"))
        db.session.add_all([community, user])
        db.session.flush()
        db.session.add(RoleGrant(user_id=user.id, role=Role.OWNER, community_id=community.id))
        token = issue_token(user).token
        db.session.commit()
        return token


def main() -> None:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        token = _seed(app)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(50):  # warm: imports, compiled statements, the pool
            assert client.get(PATH, headers=headers).status_code == 200
        profiler = cProfile.Profile(time.process_time)  # CPU: the wall time here is mostly waiting for a shared core
        t0 = time.perf_counter()
        profiler.enable()
        for _ in range(REQUESTS):
            client.get(PATH, headers=headers)
        profiler.disable()
        elapsed = time.perf_counter() - t0
        cpu0 = time.process_time()
        t1 = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(PATH, headers=headers)
        plain, plain_cpu = time.perf_counter() - t1, time.process_time() - cpu0
        print(f"{REQUESTS} x GET {PATH} with a bearer token on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: "
              f"{1000 * plain / REQUESTS:.2f} ms per request without the profiler "
              f"({1000 * plain_cpu / REQUESTS:.2f} ms CPU), {1000 * elapsed / REQUESTS:.2f} ms wall under it; "
              f"load average {os.getloadavg()[0]:.1f}")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(45)
        print(out.getvalue())
        total = stats.total_tt  # type: ignore[attr-defined]
        print("cumulative share of the profiled CPU time, by step (CPU per request):")
        for label, needle in STEPS:
            cum = sum(v[3] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                      if needle[0] in k[0] and k[2] == needle[1])
            print(f"  {label:<48} {100 * cum / total:5.1f} %  {1e6 * cum / REQUESTS:7.0f} µs")


#: (label, (file fragment, function name)) of the steps docs/performance.md reports.
STEPS = (
    ("the whole WSGI call", ("flask/app.py", "wsgi_app")),
    ("session: open", ("flask/sessions.py", "open_session")),
    ("after-request: session save, hooks, headers", ("flask/app.py", "process_response")),
    ("limiter: before_request check", ("flask_limiter", "_check_request_limit")),
    ("Flask-Login: load the user (token query)", ("flask_login/login_manager.py", "_load_user")),
    ("the view", ("flask/app.py", "dispatch_request")),
    ("commit at the end of the request", ("govern/jobs.py", "commit")),
    ("locale selection", ("govern/__init__.py", "_select_locale")),
    ("security headers", ("govern/__init__.py", "_headers")),
    ("pool checkout", ("sqlalchemy/pool/base.py", "_checkout")),
    ("teardown (session remove)", ("flask/app.py", "do_teardown_appcontext")),
)


if __name__ == "__main__":
    main()
