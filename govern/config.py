"""Configuration: defaults that run with nothing installed, overridden by the environment.

Production sets ``DATABASE_URL``, ``REDIS_URL`` and ``SECRET_KEY``; nothing else is required.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """Read SECRET_KEY from the environment, else from instance/secret_key, generated once."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
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


def load_config(instance_path: Path) -> dict:
    """Build the configuration mapping from the environment."""
    env = os.environ.get("GOVERN_ENV", "development")
    redis_url = os.environ.get("REDIS_URL") or None
    production = env == "production"
    return {
        "GOVERN_ENV": env,
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        #: Per-address limit on registration (Flask-Limiter). Sign-in has its own throttle (AUTH_* below).
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
        #: Reverse proxies whose X-Forwarded-For is believed: "127.0.0.1, 10.0.0.0/8" (empty: none).
        "TRUSTED_PROXIES": os.environ.get("GOVERN_TRUSTED_PROXIES", ""),
        "API_TOKEN_DAYS": 30,
        #: Older switch: GOVERN_PROXY_FIX=1 trusts a proxy on this host (127.0.0.1, ::1) when
        #: GOVERN_TRUSTED_PROXIES is not set.
        "PROXY_FIX": os.environ.get("GOVERN_PROXY_FIX", "") in ("1", "true", "yes"),
        "PUBLIC_BASE_URL": os.environ.get("GOVERN_BASE_URL", "http://127.0.0.1:5000"),
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
