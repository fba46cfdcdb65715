"""gunicorn's settings, read by every ``gunicorn wsgi:app`` started in this directory (issue #15, item 6).

The application is built once in the master (``preload_app``): importing govern and its heavy libraries
(WeasyPrint, SQLAlchemy, Alembic) takes seconds, and a worker that is killed (``kill -9``, the OOM killer,
a timeout) is replaced by a fork of the master that already holds them, so it serves again within a
second instead of re-importing everything. ``tests/test_worker_restart.py`` kills a worker and measures.

A forked worker must not share the master's database connections: ``post_fork`` drops the inherited pool
(without closing the master's sockets), so each worker opens its own.
"""

preload_app = True


def post_fork(server, worker):
    from govern.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
