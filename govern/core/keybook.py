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
from govern.core.keyproof import PROOF_MAX_SKEW, key_proof_problem
from govern.core.ledger import Problem

# --------------------------------------------------------------------------- keys


class _Enrolment:
    __slots__ = ("account", "key", "enrolled_at", "revoked_at", "honoured_until")

    def __init__(self, account: str, key: str, enrolled_at: datetime, revoked_at: datetime | None,
                 honoured_until: datetime | None = None) -> None:
        self.account, self.key, self.enrolled_at, self.revoked_at = account, key, enrolled_at, revoked_at
        self.honoured_until = honoured_until

    def active(self, at: datetime) -> bool:
        """The key's validity ``[enrolled_at, revoked_at)`` contains ``at``."""
        return self.enrolled_at <= at and (self.revoked_at is None or at < self.revoked_at)

    def signs(self, at: datetime) -> bool:
        """A signature made at ``at`` counts: the key was valid, or it is a key the repair of overlapping
        keys ended retroactively and ``at`` is before ``honoured_until`` (docs/record-format.md, "Keys")."""
        return self.active(at) or (self.honoured_until is not None and self.enrolled_at <= at < self.honoured_until)


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
            if e.signs(at):
                return e.account, ""
        if any(e.enrolled_at <= at for e in enrolments):
            return None, "key_revoked"
        return None, "key_not_enrolled"

    def signing_keys(self, account: str, at: datetime) -> set[str]:
        """Every key whose signature made at ``at`` counts for ``account``: its active key and, where the
        repair of overlapping keys ended one retroactively, that key while it was still honoured."""
        return {e.key for e in self.by_account.get(account, []) if e.signs(at)}

    def roll_keys_match(self, casters: Iterable[str], keys: Iterable[str], frozen: datetime) -> bool:
        """The keys a roll froze for one person are one key for each caster that had one at ``frozen``
        (its active key, or a repaired key then still honoured: :meth:`signing_keys`), and no other."""
        options = [held for a in casters if (held := self.signing_keys(a, frozen))]
        keys = list(keys)
        if len(keys) != len(options) or len(set(keys)) != len(keys):
            return False
        return all(len(held & set(keys)) == 1 for held in options) and set(keys) <= set().union(*options)


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
            honoured = None if item.get("honoured_until") is None else parse_time(item["honoured_until"])
            if not isinstance(item["account"], str) or not isinstance(item["public_key"], str):
                raise TypeError
            enrolments.append(_Enrolment(item["account"], item["public_key"], enrolled, revoked, honoured))
        except (KeyError, TypeError, ValueError, AttributeError):
            problems.append(Problem(file, None, "bad_enrolment", f"enrolment #{i + 1} is malformed"))
            continue
        check_proof(item, enrolled, problems)
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


def check_proof(item: dict, enrolled: datetime, problems: list[Problem]) -> None:
    """An enrolment that carries a proof of possession (``issued_at`` and ``proof``) must have a valid one,
    made within ten minutes of ``enrolled_at``; enrolments from before proofs were required carry
    neither (both null or absent) and are accepted as they are."""
    proof, issued = item.get("proof"), item.get("issued_at")
    if proof is None and issued is None:
        return
    where = f"key {item['public_key']} of account {item['account']}"
    why = key_proof_problem(item["account"], item["public_key"], issued, proof)
    if why is not None:
        problems.append(Problem("keys.json", None, "bad_key_proof", f"{where}: the proof of possession is {why}"))
    elif abs(parse_time(issued) - enrolled) > PROOF_MAX_SKEW:
        problems.append(Problem("keys.json", None, "stale_key_proof",
                                f"{where}: the proof was issued more than 10 minutes from the enrolment"))
