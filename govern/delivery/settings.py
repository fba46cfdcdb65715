"""Community settings for communication, declared with their defaults and parsers (``govern.settings``)."""

from __future__ import annotations

import re

from govern import settings

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_SLA_DEFAULT = {"repair": (24, 72), "complaint": (24, 72), "suggestion": (72, 240)}


def _quiet_hours(value) -> str:
    text = str(value).replace(" ", "")
    if text in ("", "off") or _HHMM.match(text):
        return text
    raise ValueError("quiet hours are HH:MM-HH:MM, or off")


def _sla(value) -> dict[str, tuple[int, int]]:
    if not isinstance(value, dict):
        raise TypeError("a table of category: [response hours, resolution hours] is required")
    table = dict(_SLA_DEFAULT)
    for category, pair in value.items():
        if category not in _SLA_DEFAULT:
            raise ValueError(f"unknown service category {category!r}")
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"{category}: two numbers of hours are required")
        table[category] = (settings.positive_int(pair[0]), settings.positive_int(pair[1]))
    return table


settings.declare("delivery", "quiet_hours", "22:00-08:00", parse=_quiet_hours,
                 doc="Quiet hours in Asia/Shanghai, HH:MM-HH:MM (or off); reminders due inside wait for the end.")
settings.declare("delivery", "service_sla", _SLA_DEFAULT, parse=_sla,
                 doc="Service clocks per category, in hours: [first response, resolution].")
settings.declare("delivery", "notice_reminder_hours", 48, parse=settings.positive_int,
                 doc="An important notice not acknowledged after this many hours gets an automatic reminder.")
settings.declare("delivery", "service_target_days", 3, parse=settings.positive_int,
                 doc="The processing-time benchmark the dashboard compares against, in days.")

setting = settings.get


def sla_hours(community, category: str) -> tuple[int, int]:
    """(first-response hours, resolution hours) for a service-request category."""
    return setting(community, "service_sla")[category]
