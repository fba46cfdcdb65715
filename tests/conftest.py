"""Shared fixtures: an app on a fresh database per test (SQLite, or PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, settings

from govern import create_app
from govern.extensions import db

#: Hypothesis judges properties, not speed: on a shared 2-core machine (xdist workers, CI beside other
#: load) input generation and examples are slower than its timing checks assume, so those checks are off.
settings.register_profile("govern", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("govern")

#: Under pytest-xdist each worker ("gw0", "gw1", …) gets a database and a Redis db of its own.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres", "postgresql"))


def _per_worker_urls() -> tuple[str, str]:
    """The PostgreSQL and Redis URLs of this xdist worker: ``<db>_gwN`` (created when missing) and Redis db − N."""
    if not XDIST_WORKER:
        return PG_URL, REDIS_URL
    n = int(XDIST_WORKER.removeprefix("gw") or 0)
    pg, redis_url = PG_URL, REDIS_URL
    if ON_POSTGRES:
        import psycopg

        base, _, name = PG_URL.rpartition("/")
        name, _, query = name.partition("?")
        worker_db = f"{name}_{XDIST_WORKER}"
        plain = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", f"{base}/postgres")
        with psycopg.connect(plain, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (worker_db,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{worker_db}"')
        pg = f"{base}/{worker_db}" + (f"?{query}" if query else "")
    if REDIS_URL:
        base, _, index = REDIS_URL.rpartition("/")
        redis_url = f"{base}/{max(int(index or 0) - n, 0)}" if index.isdigit() else REDIS_URL
    return pg, redis_url


PG_URL, REDIS_URL = _per_worker_urls()

TEST_PASSWORD = "correct-horse-battery"


def _base_config(tmp_path, **extra) -> dict:
    cfg = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "JOBS_INLINE": True,
        "SERVER_NAME": None,
    }
    cfg.update(extra)
    return cfg


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """Create the schema once: a SQLite file copied for every test, or PostgreSQL tables truncated between tests."""
    if ON_POSTGRES:
        app = create_app(_base_config(tmp_path_factory.mktemp("pg"), SQLALCHEMY_DATABASE_URI=_pg_url()))
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.engine.dispose()
        return None
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    app = create_app(_base_config(path.parent, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


def _pg_url() -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", PG_URL)


@pytest.fixture
def make_app(_template_db, tmp_path):
    """Build an app on a fresh database; keyword arguments override the configuration."""
    apps = []

    def factory(**config):
        if ON_POSTGRES:
            uri = _pg_url()
        else:
            dbfile = tmp_path / f"test{len(apps)}.sqlite3"
            shutil.copy(_template_db, dbfile)
            uri = f"sqlite:///{dbfile}"
        config.setdefault("SQLALCHEMY_DATABASE_URI", uri)
        app = create_app(_base_config(tmp_path, **config))
        if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not any(
            a.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") for a in apps
        ):
            with app.app_context():
                tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = TEST_PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def factory(app):
    """Factories for rows: ``factory.user("ann", role="owner", community=c)`` etc. Each commits."""
    from tests.factories import Factory

    return Factory(app)


#: .ci/run's second pass (against PostgreSQL and Redis) sets GOVERN_CI_PASS=postgres. Tests that touch no database
#: (the Flask-free core, the code scanners) and the browser tests already ran in the first pass of the same run;
#: they are skipped here, with the reason, unless their module talks to PostgreSQL or Redis itself.
_DB_FIXTURES = {"app", "make_app", "_template_db"}
_SERVICE_WORDS = re.compile(r"\b(ON_POSTGRES|PG_URL|DATABASE_URL|REDIS_URL)\b")


def _talks_to_services(module) -> bool:
    try:
        with open(module.__file__, encoding="utf-8") as fh:
            return bool(_SERVICE_WORDS.search(fh.read()))
    except (AttributeError, OSError, TypeError):
        return True


def pytest_collection_modifyitems(config, items):
    if os.environ.get("GOVERN_CI_PASS") != "postgres":
        return
    once = pytest.mark.skip(reason="ran in this CI run's SQLite pass: touches no database, or drives the browser")
    seen: dict[str, bool] = {}
    for item in items:
        path = str(getattr(item, "path", item.nodeid))
        if path not in seen:
            seen[path] = _talks_to_services(getattr(item, "module", None))
        if seen[path]:
            continue
        fixtures = set(getattr(item, "fixturenames", ()))
        browser = item.get_closest_marker("browser") or "page" in fixtures or "/tests/browser/" in path
        if browser or not (_DB_FIXTURES & fixtures):
            item.add_marker(once)
