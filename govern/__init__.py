"""govern: participatory governance and verifiable e-voting for residential communities."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask is imported by create_app, not by ``import govern`` (govern verify/tally stay light)
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Application factory: configuration, extensions, jobs, blueprints, CLI. Nothing runs at import.

    Every first-party import below is inside a function on purpose: ``import govern`` (which ``govern
    verify`` and ``govern tally`` do) must not import Flask, SQLAlchemy or any feature.
    """
    from govern.web import GovernFlask  # commits once per request (see govern/web.py)

    app = GovernFlask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    import os

    from govern.config import load_config

    instance = Path(app.instance_path)
    # GOVERN_INSTANCE_PATH: keys and uploads on storage every app node shares (docs/deployment.md).
    override = (config or {}).get("INSTANCE_PATH") or os.environ.get("GOVERN_INSTANCE_PATH")
    if override:
        instance = Path(override)
        app.instance_path = str(instance)
    app.config.update(load_config(instance))
    if config:
        app.config.update(config)
    if app.config.get("TESTING"):
        app.config.setdefault("JOBS_INLINE", True)
        app.config["JOBS_INLINE"] = config.get("JOBS_INLINE", True) if config else True

    proxies = app.config.get("TRUSTED_PROXIES") or ("127.0.0.1, ::1" if app.config.get("PROXY_FIX") else "")
    if proxies:
        # X-Forwarded-For/-Proto are believed from the named proxies only (docs/security.md).
        from govern.accounts.proxies import TrustedProxies, parse_networks  # only when proxies are trusted

        app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(proxies))

    from govern.api import ApiSessionInterface

    app.session_interface = ApiSessionInterface()  # bearer API calls skip the cookie session
    _init_extensions(app)
    from govern import inputs

    inputs.init_app(app)  # <id:…>, JSON limits, the input check
    _register_blueprints(app)
    _init_templates(app)
    _init_security_headers(app)
    from govern.pdf.fonts import check_fonts

    check_fonts(app)  # logs a missing CJK font package

    from govern import errors

    errors.init_app(app)

    from govern.app_cli import register_commands

    register_commands(app)
    return app


def translation_directories() -> list[str]:
    """Each feature keeps its own catalog in ``govern/<feature>/translations``; Flask-Babel merges them."""
    dirs = sorted(str(p) for p in (ROOT / "govern").glob("*/translations") if p.is_dir())
    return dirs or [str(ROOT / "govern" / "translations")]


def _select_locale() -> str:
    from flask import current_app, has_request_context, request, session
    from flask_login import current_user

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in languages:
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _init_extensions(app: Flask) -> None:
    from govern.extensions import babel, csrf, db, limiter, login_manager, migrate  # (see create_app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to see this page.")

    from govern.accounts import auth  # (see create_app)

    auth.init_login(login_manager)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_conn, _record):
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=5000")
                cur.close()


#: Every blueprint, explicitly, as "module:attribute". A feature adds its line here.
BLUEPRINTS = (
    "govern.home.views:bp",
    "govern.accounts.views:bp",
    "govern.accounts.api:bp",
    "govern.admin.register_views:bp",  # the register pages (blueprint "register"); see docs/architecture.md
    "govern.admin.audit_views:bp",  # the audit log page (blueprint "audit")
    "govern.admin.views:bp",
    "govern.agenda.views:bp",
    "govern.agenda.api:bp",
    "govern.meetings.views:bp",
    "govern.meetings.api:bp",
    "govern.pdf.views:bp",
    "govern.elections.views:bp",  # before minutes: its demo step publishes before the minutes' step enrols keys
    "govern.minutes.views:bp",
    "govern.minutes.api:bp",
    "govern.notices.views:bp",
    "govern.notices.api:bp",
    "govern.delivery.views:bp",
    "govern.service.views:bp",
    "govern.service.api:bp",
    "govern.service.api_photos:bp",
    "govern.surveys.views:bp",
    "govern.surveys.api:bp",
    "govern.metrics.views:bp",
    "govern.metrics.api:bp",
    "govern.record.views:bp",
    "govern.record.api:bp",
    "govern.record.api_paper:bp",
)


def _register_blueprints(app: Flask) -> None:
    import importlib

    for spec in BLUEPRINTS:
        module, _, attr = spec.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module), attr))


def _init_templates(app: Flask) -> None:
    from flask import g, request, session
    from flask_babel import get_locale

    from govern import templating  # (see create_app)

    templating.init_app(app)

    @app.before_request
    def _remember_lang():
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["lang"] = lang

    from flask_login import current_user

    from govern.accounts.access import is_admin  # (see create_app)

    @app.context_processor
    def _globals():
        return {
            "current_locale": str(get_locale()),
            "community": g.get("community"),
            "is_platform_admin": lambda: is_admin(current_user),
        }


def _init_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        if app.config["GOVERN_ENV"] == "production":
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
