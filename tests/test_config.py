"""Configuration from the environment."""

from __future__ import annotations

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
    cfg = load_config(tmp_path)
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
