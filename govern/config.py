"""Configuration: defaults that run with nothing installed, overridden by the environment.

Production sets ``DATABASE_URL``, ``REDIS_URL`` and ``SECRET_KEY``; nothing else is required.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

#: What `make run` serves; GOVERN_BASE_URL overrides it (the Makefile passes its PORT through).
DEFAULT_BASE_URL = "http://127.0.0.1:5000"

#: The server key's file in the instance folder when GOVERN_SERVER_KEY is unset (govern.meetings.serverkey).
SERVER_KEY_FILE = "server_ed25519.key"


class ConfigurationError(RuntimeError):
    """The environment cannot run the app as asked (e.g. production without its shared keys)."""


def _secret_key(instance_path: Path, production: bool) -> str:
    """Read SECRET_KEY from the environment, else from instance/secret_key, generated once (not in production).

    In production a key generated here would be this machine's alone: a second app node would make its own,
    and each node would refuse the other's session cookies and CSRF tokens. So production refuses to start
    without SECRET_KEY (or an instance/secret_key file put there by the operator) — docs/deployment.md.
    """
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    if production:
        raise ConfigurationError(
            "GOVERN_ENV=production: set SECRET_KEY (the same value on every app node); see docs/deployment.md")
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Create with 0600 so other local users cannot read it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (a second gunicorn worker) created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'govern.sqlite3'}"
    # Accept the common "postgres://" and "postgresql://" spellings and use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _check_server_key(instance_path: Path, production: bool) -> None:
    """In production the server key (it signs receipts, results and records) must be given, not generated.

    ``govern.meetings.serverkey`` generates instance/server_ed25519.key on first use when GOVERN_SERVER_KEY is
    unset; on two app nodes that would be two keys, and a receipt from one node would not match the key the
    other publishes. Production therefore needs GOVERN_SERVER_KEY (or the file, put there by the operator).
    """
    if not production or os.environ.get("GOVERN_SERVER_KEY"):
        return
    if not (instance_path / SERVER_KEY_FILE).exists():
        raise ConfigurationError(
            "GOVERN_ENV=production: set GOVERN_SERVER_KEY (base64url of a 32-byte Ed25519 seed, the same on every "
            "app node); see docs/deployment.md")


def _engine_options(url: str) -> dict:
    """Connection pool options. PostgreSQL: no ping on every checkout (a round trip per request); connections
    are recycled after GOVERN_DB_POOL_RECYCLE seconds instead, and a connection found dead when used is
    invalidated with the rest of the pool (SQLAlchemy's disconnect handling), so a restarted database costs
    each worker one failed request. GOVERN_DB_PRE_PING=1 turns the ping back on (e.g. behind a pooler that
    drops idle connections silently)."""
    if url.startswith("sqlite"):
        return {}
    return {
        "pool_pre_ping": os.environ.get("GOVERN_DB_PRE_PING", "") in ("1", "true", "yes"),
        "pool_recycle": int(os.environ.get("GOVERN_DB_POOL_RECYCLE") or 1800),
    }


def load_config(instance_path: Path) -> dict:
    """Build the configuration mapping from the environment."""
    env = os.environ.get("GOVERN_ENV", "development")
    redis_url = os.environ.get("REDIS_URL") or None
    production = env == "production"
    _check_server_key(instance_path, production)
    database_url = _database_url(instance_path)
    return {
        "GOVERN_ENV": env,
        "SECRET_KEY": _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        # Jobs run inline (after commit) when there is no Redis or when testing.
        "JOBS_INLINE": redis_url is None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("GOVERN_MAX_UPLOAD", 10 * 1024 * 1024)),
        "REGISTER_MAX_BYTES": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ("zh_CN", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        #: Redis when REDIS_URL is set, so every app node counts against the same limits; without it each
        #: worker process counts alone (docs/deployment.md). Should Redis go down, the limits fall back to
        #: per-process memory rather than failing the sign-in (the account lock is in the database anyway).
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": redis_url is not None,
        "RATELIMIT_HEADERS_ENABLED": True,
        #: Per-address limit on registration, counted in the database (throttle.per_subject; RATELIMIT_ENABLED
        #: switches it). Sign-in has its own throttle (AUTH_* below).
        "LOGIN_RATE_LIMIT": os.environ.get("GOVERN_LOGIN_RATE_LIMIT", "10 per minute"),
        #: The sign-in throttle (govern/accounts/throttle.py; figures explained in docs/security.md).
        "AUTH_THROTTLE_ENABLED": True,
        "AUTH_PAIR_FREE_FAILURES": 3,
        "AUTH_PAIR_BASE_WAIT": 5,
        "AUTH_PAIR_MAX_WAIT": 900,
        "AUTH_ACCOUNT_WINDOW": 900,
        "AUTH_ACCOUNT_BURST": 20,
        "AUTH_ADDRESS_PER_MINUTE": int(os.environ.get("GOVERN_AUTH_ADDRESS_PER_MINUTE") or 300),
        "AUTH_ADDRESS_FAILURES_PER_HOUR": int(os.environ.get("GOVERN_AUTH_ADDRESS_FAILURES_PER_HOUR") or 500),
        #: One-time codes: validity, tries, and requests per phone / e-mail and per address.
        "OTP_VALID_MINUTES": 10,
        "OTP_MAX_TRIES": 5,
        "OTP_RESEND_SECONDS": 60,
        "OTP_PER_TARGET_PER_HOUR": 5,
        "OTP_PER_ADDRESS_PER_HOUR": int(os.environ.get("GOVERN_OTP_PER_ADDRESS_PER_HOUR") or 200),
        #: Privileged accounts must enrol TOTP before anything else (govern/accounts/totp_policy.py).
        "REQUIRE_TOTP": os.environ.get("GOVERN_REQUIRE_TOTP", "1" if production else "0") in ("1", "true", "yes"),
        #: Record archives built per account (govern/record/downloads.py; the limits syntax).
        "RECORD_DOWNLOADS_PER_USER": os.environ.get("GOVERN_RECORD_DOWNLOADS_PER_USER", "30 per hour"),
        #: Reverse proxies whose X-Forwarded-For is believed: "127.0.0.1, 10.0.0.0/8" (empty: none).
        "TRUSTED_PROXIES": os.environ.get("GOVERN_TRUSTED_PROXIES", ""),
        "API_TOKEN_DAYS": 30,
        #: Older switch: GOVERN_PROXY_FIX=1 trusts a proxy on this host (127.0.0.1, ::1) when
        #: GOVERN_TRUSTED_PROXIES is not set.
        "PROXY_FIX": os.environ.get("GOVERN_PROXY_FIX", "") in ("1", "true", "yes"),
        #: The one public address: every absolute link, QR code and message is built on it (public_url).
        "PUBLIC_BASE_URL": (os.environ.get("GOVERN_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
        #: E-mail (govern.delivery): without GOVERN_SMTP_HOST, e-mails are recorded as "not configured".
        "GOVERN_SMTP_HOST": os.environ.get("GOVERN_SMTP_HOST", ""),
        "GOVERN_SMTP_PORT": int(os.environ.get("GOVERN_SMTP_PORT") or 587),
        "GOVERN_SMTP_USER": os.environ.get("GOVERN_SMTP_USER", ""),
        "GOVERN_SMTP_PASSWORD": os.environ.get("GOVERN_SMTP_PASSWORD", ""),
        #: starttls (default), ssl, or none.
        "GOVERN_SMTP_TLS": os.environ.get("GOVERN_SMTP_TLS", "starttls"),
        "GOVERN_SMTP_SENDER": os.environ.get("GOVERN_SMTP_SENDER", "govern@localhost"),
        #: "outbox" (messages written to the sms_outbox table) or "package.module:Class" for a gateway.
        "GOVERN_SMS_PROVIDER": os.environ.get("GOVERN_SMS_PROVIDER", "outbox"),
    }


def public_url(path: str = "/") -> str:
    """An absolute address on this site, built on GOVERN_BASE_URL: for QR codes, printed links and messages."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def is_loopback_url(url: str) -> bool:
    """True when ``url`` names this machine only (localhost, 127.0.0.0/8, ::1): no phone can open it."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
