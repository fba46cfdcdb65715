"""Checks of the law in the record that ``govern verify`` runs beside its own (issue #13 items 1 and 3):

- **The voting window's bounds (R12).** ``meeting.json`` carries ``"window_bounds": {"min_days", "max_days"}``,
  the community's bounds fixed when the notice was published (records of meetings published before carry none and
  are not held to any). The window as published (opening to the first close: the first extension's
  ``previous_closes_at``, else ``closes_at``) and after every extension (opening to its ``closes_at``) lasts from
  ``min_days`` to ``max_days`` days inclusive, exactly as the app refuses publishing and extending
  (``window_out_of_bounds``).
- **Who may sign for a person, in time (R4c, R6, R15).** A delegation or its revocation is signed by an account
  that may cast for the principal *when it was received*: the frozen roll's casters changed by every
  ``caster_change`` ledger entry received by then (:class:`CasterTimeline`), so a buyer added after the freeze may
  delegate and a seller removed may no longer.

Pure: no Flask, no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from govern.core.casters import ADD, validate_caster_change_shape
from govern.core.ledger import CASTER_CHANGE, LedgerEntry
from govern.core.signed import parse_time

__all__ = ["WINDOW_PROBLEM", "CasterTimeline", "window_bounds_problems"]

#: The problem code of a window outside the bounds (the app's refusal has the same code).
WINDOW_PROBLEM = "window_out_of_bounds"


def window_bounds_problems(meeting: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(code, message)`` for each window of ``meeting.json`` outside its ``window_bounds`` (none without them)."""
    bounds = meeting.get("window_bounds")
    if bounds is None:
        return []
    if not isinstance(bounds, dict) or set(bounds) != {"min_days", "max_days"} or not all(
            type(bounds[k]) is int and bounds[k] > 0 for k in bounds) or bounds["min_days"] > bounds["max_days"]:
        return [(WINDOW_PROBLEM, "window_bounds must be {min_days, max_days}: positive integers, min <= max")]
    try:
        opens = parse_time(meeting["opens_at"])
        closes = [parse_time(meeting["closes_at"])]
        items = meeting.get("extensions") or []
        if isinstance(items, list) and items and isinstance(items[0], dict):
            first = items[0].get("extension") or {}
            closes = [parse_time(first["previous_closes_at"])] + [
                parse_time(item["extension"]["closes_at"]) for item in items]
    except (KeyError, TypeError, ValueError, AttributeError):
        return []  # malformed times or extensions are reported by the meeting and extension checks
    low, high = timedelta(days=bounds["min_days"]), timedelta(days=bounds["max_days"])
    out = []
    for n, close in enumerate(closes):
        if not low <= close - opens <= high:
            what = "the published window" if n == 0 else f"the window after extension {n}"
            out.append((WINDOW_PROBLEM, f"{what} lasts {close - opens}, outside the bounds of "
                                        f"{bounds['min_days']} to {bounds['max_days']} days"))
    return out


class CasterTimeline:
    """Who may cast for each person at a given time: the frozen roll's casters, then the ledger's caster changes
    received by then (in ledger order). Changes that are malformed are left out (the ledger check names them)."""

    def __init__(self, roll_casters: Mapping[str, Iterable[str]], lines: Iterable[bytes], chain: int) -> None:
        self._frozen = {person: frozenset(accounts) for person, accounts in roll_casters.items()}
        self._changes: list[tuple[datetime, Mapping[str, Any]]] = []
        for line in lines:
            if b'"caster_change"' not in line:
                continue
            try:
                entry = LedgerEntry.from_json(json.loads(line), chain)
                if entry.kind != CASTER_CHANGE or validate_caster_change_shape(entry.ballot):
                    continue
                self._changes.append((parse_time(entry.received_at), entry.ballot))
            except (ValueError, TypeError, KeyError):
                continue

    def casters_at(self, person: str, at: datetime) -> frozenset[str]:
        """The accounts that could cast for ``person`` at ``at``."""
        accounts = set(self._frozen.get(person, ()))
        for received, change in self._changes:
            if received <= at and change["voter"] == person:
                (accounts.add if change["action"] == ADD else accounts.discard)(change["account"])
        return frozenset(accounts)
