"""Configuration from the environment."""

from __future__ import annotations

import pytest

from govern.config import load_config


def test_secret_key_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    assert len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_config(tmp_path)["SECRET_KEY"] == first


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert load_config(tmp_path)["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_database_url_postgres_uses_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_redis_url_unset_means_inline_jobs(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    cfg = load_config(tmp_path)
    assert cfg["JOBS_INLINE"] is True and cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    cfg = load_config(tmp_path)
    assert cfg["JOBS_INLINE"] is False and cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_production_turns_on_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("GOVERN_SERVER_KEY", "A" * 43)
    cfg = load_config(tmp_path)
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "GOVERN_SERVER_KEY"])
def test_production_refuses_to_generate_a_key_of_its_own(tmp_path, monkeypatch, missing):
    """Two app nodes must share both keys: production never generates one per machine (docs/deployment.md)."""
    from govern.config import ConfigurationError

    monkeypatch.setenv("GOVERN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("GOVERN_SERVER_KEY", "A" * 43)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        load_config(tmp_path)
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "server_ed25519.key").exists()
    # An operator-provided file under the (shared) instance folder is accepted.
    (tmp_path / ("secret_key" if missing == "SECRET_KEY" else "server_ed25519.key")).write_text("A" * 43)
    assert load_config(tmp_path)["GOVERN_ENV"] == "production"


def test_postgresql_pool_recycles_instead_of_pinging(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/govern")
    monkeypatch.delenv("GOVERN_DB_PRE_PING", raising=False)
    cfg = load_config(tmp_path)
    assert cfg["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": False, "pool_recycle": 1800}
    monkeypatch.setenv("GOVERN_DB_PRE_PING", "1")
    assert load_config(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
