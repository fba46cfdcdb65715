"""Key enrolments from a record's ``keys.json``: who held which key, from when, until when (the bindings
:mod:`govern.core.verify` checks every signature against)."""


from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from govern.core.archive import KEYS_TYPE
from govern.core.ballot import (
    parse_time,
)
from govern.core.ledger import Problem

# --------------------------------------------------------------------------- keys


class _Enrolment:
    __slots__ = ("account", "key", "enrolled_at", "revoked_at")

    def __init__(self, account: str, key: str, enrolled_at: datetime, revoked_at: datetime | None) -> None:
        self.account, self.key, self.enrolled_at, self.revoked_at = account, key, enrolled_at, revoked_at

    def active(self, at: datetime) -> bool:
        return self.enrolled_at <= at and (self.revoked_at is None or at < self.revoked_at)


class KeyBook:
    """Key enrolments from ``keys.json``: who held which key, from when, until when."""

    def __init__(self, enrolments: Iterable[_Enrolment], committee: Iterable[str], auditors: Iterable[str]) -> None:
        self.by_key: dict[str, list[_Enrolment]] = defaultdict(list)
        self.by_account: dict[str, list[_Enrolment]] = defaultdict(list)
        for e in enrolments:
            self.by_key[e.key].append(e)
            self.by_account[e.account].append(e)
        self.committee = frozenset(committee)
        self.auditors = frozenset(auditors)

    def holder(self, key: str, at: datetime) -> tuple[str | None, str]:
        """``(account, "")`` if ``key`` was active at ``at``; else ``(None, "key_revoked" | "key_not_enrolled")``."""
        enrolments = self.by_key.get(key, [])
        for e in enrolments:
            if e.active(at):
                return e.account, ""
        if any(e.enrolled_at <= at for e in enrolments):
            return None, "key_revoked"
        return None, "key_not_enrolled"

    def active_key(self, account: str, at: datetime) -> str | None:
        """The account's active key at ``at``."""
        for e in self.by_account.get(account, []):
            if e.active(at):
                return e.key
        return None


def parse_keys(obj: Any, problems: list[Problem]) -> KeyBook:
    file = "keys.json"
    enrolments: list[_Enrolment] = []
    if not isinstance(obj, dict) or obj.get("type") != KEYS_TYPE:
        problems.append(Problem(file, None, "bad_file", "keys.json is not a govern.keys.v1 object"))
        return KeyBook([], [], [])
    for i, item in enumerate(obj.get("enrolments") or []):
        try:
            enrolled = parse_time(item["enrolled_at"])
            revoked = None if item.get("revoked_at") is None else parse_time(item["revoked_at"])
            if not isinstance(item["account"], str) or not isinstance(item["public_key"], str):
                raise TypeError
            enrolments.append(_Enrolment(item["account"], item["public_key"], enrolled, revoked))
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(file, None, "bad_enrolment", f"enrolment #{i + 1} is malformed"))
    book = KeyBook(enrolments, obj.get("committee") or [], obj.get("auditors") or [])
    for key, items in book.by_key.items():
        if len({e.account for e in items}) > 1:
            problems.append(Problem(file, None, "key_shared", f"key {key} is enrolled to several accounts"))
    for account, items in book.by_account.items():
        spans = sorted(items, key=lambda e: e.enrolled_at)
        for a, b in zip(spans, spans[1:], strict=False):
            if a.revoked_at is None or a.revoked_at > b.enrolled_at:
                problems.append(
                    Problem(file, None, "key_overlap", f"account {account} has two active keys at {b.enrolled_at}")
                )
    return book
