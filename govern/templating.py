"""Jinja filters and globals shared by every page."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Flask, request, url_for
from flask_babel import format_date, get_locale, lazy_gettext

from govern import enums, formats
from govern.config import is_loopback_url
from govern.formats import format_area

ROLE_LABELS = {
    "owner": lazy_gettext("Owner"),
    "committee_member": lazy_gettext("Committee member"),
    "committee_chair": lazy_gettext("Committee chair"),
    "property_staff": lazy_gettext("Property staff"),
    "auditor": lazy_gettext("Street-office auditor"),
    "observer": lazy_gettext("Residents' committee observer"),
    "admin": lazy_gettext("Platform admin"),
    "developer_rep": lazy_gettext("Developer's representative"),
    "preparatory_member": lazy_gettext("Preparatory group member"),
}

STATUS_LABELS = {
    "delivered": lazy_gettext("Delivered"),
    "unsold": lazy_gettext("Unsold (developer)"),
    "sold_undelivered": lazy_gettext("Sold, not delivered (developer)"),
    # meetings
    "draft": lazy_gettext("Draft"),
    "announced": lazy_gettext("Announced"),
    "open": lazy_gettext("Voting open"),
    "closed": lazy_gettext("Closed"),
    # background runs (record verification, PDF builds)
    "pending": lazy_gettext("Waiting to run"),
    "running": lazy_gettext("Running"),
    "done": lazy_gettext("Finished"),
    "failed": lazy_gettext("Failed"),
}


#: The one date format of the pages (Beijing time); ISO 8601 only in machine files (JSON, CSV, records).
DAY_PATTERNS = {"zh": "y年M月d日", "en": "d MMM y"}


def _pattern(patterns: dict[str, str]) -> str:
    locale = get_locale()
    return patterns["zh" if locale is None or locale.language == "zh" else "en"]


def format_moment(value: datetime | str | None) -> str:
    """A UTC datetime (or an RFC 3339 string) as pages show it: :func:`govern.formats.format_moment` in the
    request's language ("2026年12月6日 22:43")."""
    locale = get_locale()
    return formats.format_moment(value, english=locale is not None and locale.language != "zh")


def format_day(value) -> str:
    """A date (or the Beijing date of a datetime) as pages show it."""
    return format_date(value, _pattern(DAY_PATTERNS)) if value else ""


def init_app(app: Flask) -> None:
    enums.init_app(app)

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str | None = None) -> str:
        """A UTC datetime in Beijing time, one format everywhere (``fmt`` is accepted and ignored)."""
        return format_moment(value)

    @app.template_filter("d")
    def _d(value) -> str:
        return format_day(value)

    @app.template_filter("json_text")
    def _json_text(value) -> str:
        """JSON for people to read: Chinese as Chinese (no \\u escapes), keys sorted; autoescaped by Jinja."""
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)

    @app.template_filter("area")
    def _area(hundredths: int | None) -> str:
        return "" if hundredths is None else format_area(hundredths)

    @app.template_filter("role_label")
    def _role_label(role) -> str:
        return str(ROLE_LABELS.get(getattr(role, "value", role), role))

    @app.template_filter("status_label")
    def _status_label(status) -> str:
        return str(STATUS_LABELS.get(getattr(status, "value", status), status))

    @app.template_global()
    def public_address() -> str:
        """GOVERN_BASE_URL: the address printed on notices, QR codes and messages."""
        return app.config["PUBLIC_BASE_URL"]

    @app.template_global()
    def public_address_is_loopback() -> bool:
        """True when printed QR codes and links would point at this machine only (the committee is warned)."""
        return is_loopback_url(app.config["PUBLIC_BASE_URL"])

    @app.template_global()
    def url_with_lang(lang: str) -> str:
        args = dict(request.args)
        args["lang"] = lang
        return url_for(request.endpoint or "home.index", **(request.view_args or {}), **args)
