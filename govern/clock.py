"""The one clock of the application, so that tests can move time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: The communities' time zone: notice periods count calendar days there (R9), pages show times in it.
SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_date(moment: datetime) -> date:
    """The calendar day of ``moment`` in Asia/Shanghai (R9 counts calendar days there)."""
    return moment.astimezone(SHANGHAI).date()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Within the block, :func:`now` answers ``moment`` (the demo loader backdates what it builds).

    Only code that reads ``govern.clock.now`` at call time sees it (not a default bound at import).
    """
    global now
    real = now
    now = lambda: moment  # noqa: E731
    try:
        yield
    finally:
        now = real
