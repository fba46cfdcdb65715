"""Community settings for communication, with their defaults (stored in ``Community.settings_json``)."""

from __future__ import annotations

DEFAULTS: dict = {
    #: Quiet hours in Asia/Shanghai, "HH:MM-HH:MM"; reminders due inside are postponed to the end.
    "quiet_hours": "22:00-08:00",
    #: Service clocks per category, in hours: [first response, resolution].
    "service_sla": {"repair": [24, 72], "complaint": [24, 72], "suggestion": [72, 240]},
    #: An important notice not acknowledged after this many hours gets an automatic reminder.
    "notice_reminder_hours": 48,
    #: The processing-time benchmark the dashboard compares against, in days.
    "service_target_days": 3,
}


def setting(community, key: str):
    """The community's value for ``key``, else the default above."""
    value = (getattr(community, "settings_json", None) or {}).get(key)
    return DEFAULTS[key] if value is None else value


def sla_hours(community, category: str) -> tuple[int, int]:
    """(first-response hours, resolution hours) for a service-request category."""
    table = setting(community, "service_sla")
    pair = table.get(category) or DEFAULTS["service_sla"].get(category) or [24, 72]
    return int(pair[0]), int(pair[1])
