"""gunicorn settings for govern, read by every ``gunicorn wsgi:app`` started in this directory; the command line
and ``GUNICORN_CMD_ARGS`` override any setting here (docs/deployment.md, docs/performance.md).

Availability (issue #15, item 6): the application is built once in the master (``preload_app``). Importing
govern and its heavy libraries (WeasyPrint, SQLAlchemy, Alembic) takes seconds, and a worker that is killed
(``kill -9``, the OOM killer, a timeout) is replaced by a fork of the master that already holds them, so it
serves again within a second instead of re-importing everything. ``tests/test_worker_restart.py`` kills a
worker and measures. A forked worker must not share the master's database connections: ``post_fork`` drops the
inherited pool (without closing the master's sockets), so each worker opens its own.

Keep-alive (issue #17):
- On PostgreSQL: threaded workers (``gthread``) that keep an API client's connection open between requests
  (keep-alive), which sync workers cannot: measured with ``bench/cast.py``, the same server answers 1.5–2.5×
  the requests per second for the same CPU per request, because a client no longer opens a TCP connection
  per request and a worker waiting on PostgreSQL serves another request meanwhile.
- On SQLite (``make run``, tests): sync workers, one request at a time per process, as before.

``GOVERN_WORKERS`` (default two per core) and ``GOVERN_THREADS`` (default 4; 1 means sync workers) tune it.
Each thread holds at most one pooled database connection: workers × threads must stay below PostgreSQL's
``max_connections`` (and the SQLAlchemy pool, 5 + 10 overflow per worker, covers 4 threads).
"""

import os

_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql"))
_threads = int(os.environ.get("GOVERN_THREADS", "4")) if _postgres else 1

preload_app = True
workers = int(os.environ.get("GOVERN_WORKERS", str(2 * (os.cpu_count() or 1))))
worker_class = "gthread" if _threads > 1 else "sync"
threads = _threads
#: Seconds an idle keep-alive connection stays open (behind nginx: its upstream ``keepalive`` reuses it).
keepalive = 5
limit_request_line = 8190


def post_fork(server, worker):
    from govern.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
