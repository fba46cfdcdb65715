"""gunicorn settings for govern (issue #17; docs/deployment.md, docs/performance.md).

gunicorn reads this file from its working directory (``gunicorn wsgi:app`` in the checkout); the command line
and ``GUNICORN_CMD_ARGS`` override any setting here.

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

workers = int(os.environ.get("GOVERN_WORKERS", str(2 * (os.cpu_count() or 1))))
worker_class = "gthread" if _threads > 1 else "sync"
threads = _threads
#: Seconds an idle keep-alive connection stays open (behind nginx: its upstream ``keepalive`` reuses it).
keepalive = 5
limit_request_line = 8190
