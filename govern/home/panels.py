"""The community home page shows three panels: upcoming meetings, open proposals, latest notices.

Features fill them: a feature registers ``provider(slot)`` returning a list of items
``{"title", "url", "meta"}`` for a community and user. A slot with no items shows its honest
empty state. This keeps the home blueprint free of imports from every feature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

SLOTS: tuple[tuple[str, object, object], ...] = (
    ("meetings", _l("Owners' assemblies"), _l("No owners' assembly has been announced.")),
    ("proposals", _l("Open proposals"), _l("No proposal is open for co-signing or review.")),
    ("notices", _l("Latest notices"), _l("No notice has been published.")),
)

_PROVIDERS: dict[str, Callable] = {}


@dataclass
class Panel:
    slot: str
    title: str
    empty: str
    items: list


def provider(slot: str):
    """Register the function that fills ``slot``: ``func(community, user) -> list[dict]``."""
    if slot not in {s for s, _, _ in SLOTS}:
        raise ValueError(f"unknown home slot {slot!r}")

    def decorator(func):
        _PROVIDERS[slot] = func
        return func

    return decorator


def collect(community, user) -> list[Panel]:
    panels = []
    for slot, title, empty in SLOTS:
        func = _PROVIDERS.get(slot)
        items = func(community, user) if func else []
        panels.append(Panel(slot, str(title), str(empty), items))
    return panels
