"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, lazy_gettext

from govern import enums
from govern.formats import format_area

ROLE_LABELS = {
    "owner": lazy_gettext("Owner"),
    "committee_member": lazy_gettext("Committee member"),
    "committee_chair": lazy_gettext("Committee chair"),
    "property_staff": lazy_gettext("Property staff"),
    "auditor": lazy_gettext("Street-office auditor"),
    "observer": lazy_gettext("Residents' committee observer"),
    "admin": lazy_gettext("Platform admin"),
}

STATUS_LABELS = {
    "delivered": lazy_gettext("Delivered"),
    "unsold": lazy_gettext("Unsold (developer)"),
    "sold_undelivered": lazy_gettext("Sold, not delivered (developer)"),
}


def init_app(app: Flask) -> None:
    enums.init_app(app)

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str = "medium") -> str:
        """A UTC datetime shown in Asia/Shanghai (the Babel default timezone)."""
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("d")
    def _d(value) -> str:
        return format_date(value, "medium") if value else ""

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
    def url_with_lang(lang: str) -> str:
        args = dict(request.args)
        args["lang"] = lang
        return url_for(request.endpoint or "home.index", **(request.view_args or {}), **args)
