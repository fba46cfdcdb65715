"""The one clock of the application, so that tests can move time (the time zone and local days: govern.formats)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


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
