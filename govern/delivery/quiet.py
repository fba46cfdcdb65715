"""Quiet hours: no reminder goes out between, by default, 22:00 and 08:00 Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from govern.delivery.settings import setting
from govern.formats import LOCAL_TZ


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """"22:00-08:00" → (22:00, 08:00); an empty value or "off" means no quiet hours."""
    if not value or value == "off":
        return None
    start, _, end = value.partition("-")
    h1, m1 = (int(x) for x in start.strip().split(":"))
    h2, m2 = (int(x) for x in end.strip().split(":"))
    return time(h1, m1), time(h2, m2)


def in_quiet_hours(moment: datetime, window: tuple[time, time] | None) -> bool:
    if window is None:
        return False
    start, end = window
    t = moment.astimezone(LOCAL_TZ).time()
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end  # wraps past midnight


def postpone(moment: datetime, window: tuple[time, time] | None) -> datetime:
    """``moment`` itself when outside quiet hours, else the end of the quiet period it falls in (UTC)."""
    if not in_quiet_hours(moment, window):
        return moment
    _start, end = window
    local = moment.astimezone(LOCAL_TZ)
    candidate = datetime.combine(local.date(), end, tzinfo=LOCAL_TZ)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=LOCAL_TZ)
    return candidate.astimezone(UTC)


def community_window(community) -> tuple[time, time] | None:
    return parse_quiet_hours(setting(community, "quiet_hours"))
