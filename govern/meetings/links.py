"""Links from a meeting's page to what other features offer for it (the printed notice, minutes, proxies,
paper ballots, the record, the street office's audit).

Those features sit above meetings (tests/test_layers.py), so the meeting page does not import them: each
registers a provider here when its views are imported, and the page asks them all, in ``rank`` order. A
provider shows a link by the same predicate its target view checks.
"""

from __future__ import annotations

from collections.abc import Callable

Link = tuple[str, str]  # (url, label)

_PROVIDERS: dict[str, tuple[int, Callable]] = {}


def provider(rank: int):
    """Register ``func(meeting, user) -> list[(url, label)]``; lower ranks are listed first."""

    def decorator(func):
        _PROVIDERS[f"{func.__module__}.{func.__qualname__}"] = (rank, func)
        return func

    return decorator


def related_links(meeting, user) -> list[Link]:
    """The links every registered feature offers ``user`` for ``meeting`` (none before the notice is published)."""
    if not meeting.is_published:
        return []
    out: list[Link] = []
    for _rank, func in sorted(_PROVIDERS.values(), key=lambda item: item[0]):
        out += func(meeting, user)
    return out
