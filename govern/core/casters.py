"""Who may cast for a roll person (R4c, R6): the frozen roll's casters, changed in ledger order.

The roll (persons, units, areas) stays frozen when the notice is published. Who may cast for a person
is a separate list that starts as the roll's ``casters`` and changes through ``caster_change`` ledger
entries, each carrying a signed ``govern.caster_change.v1`` object::

    {"type": "govern.caster_change.v1", "community": "<id>", "meeting": "<id>",
     "voter": "<roll person>", "account": "<account id>", "action": "add" | "remove",
     "reason": "<reason>", "issued_at": "<RFC 3339 UTC>", "nonce": "<22 b64url>"}

A caster change casts no ballot and changes no count. Own ballots of a person must moreover all come
from one account: the first caster whose ballot was accepted is the person's caster for the meeting
(co-owners with nobody designated, vector L1); a ballot from another account is ``not_designated``.

Pure: :class:`CasterList` is replayed by the app (nothing) and by ``govern verify`` over the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from govern.core.signed import is_nonce, is_time, parse_time

__all__ = [
    "ACTIONS",
    "CASTER_CHANGE_TYPE",
    "REASONS",
    "CasterList",
    "caster_change_object",
    "caster_change_problems",
    "validate_caster_change_shape",
]

CASTER_CHANGE_TYPE = "govern.caster_change.v1"
ADD, REMOVE = "add", "remove"
ACTIONS = (ADD, REMOVE)
#: Why a caster was added or removed (docs/meetings.md, "Who casts for a person").
REASONS = frozenset({
    "owner_confirmed",  # an owner of a unit on the roll confirmed their account after the freeze
    "owner_left",  # the account no longer owns any of the person's units (a registered sale) or was unlinked
    "buyer",  # bought a unit of the person after the freeze, and the person had not voted (R6, vector L4)
    "designated",  # the co-owners designated another account (R4c)
    "developer_representative",  # granted or revoked the developer's representative role (R4a)
})
_FIELDS = frozenset({"type", "community", "meeting", "voter", "account", "action", "reason", "issued_at", "nonce"})


def caster_change_object(*, community: str, meeting: str, voter: str, account: str, action: str, reason: str,
                         issued_at: str, nonce: str) -> dict[str, Any]:
    """The ``govern.caster_change.v1`` object (unsigned)."""
    return {"type": CASTER_CHANGE_TYPE, "community": community, "meeting": meeting, "voter": voter,
            "account": account, "action": action, "reason": reason, "issued_at": issued_at, "nonce": nonce}


def validate_caster_change_shape(obj: Any) -> list[str]:
    """Problems with the shape of a caster change (empty when well formed)."""
    if not isinstance(obj, dict):
        return ["not_an_object"]
    if set(obj) != _FIELDS:
        return ["bad_keys"]
    out = []
    if obj["type"] != CASTER_CHANGE_TYPE:
        out.append("bad_type")
    if not all(isinstance(obj[k], str) and obj[k] for k in ("community", "meeting", "voter", "account")):
        out.append("bad_ids")
    if obj["action"] not in ACTIONS:
        out.append("bad_action")
    if obj["reason"] not in REASONS:
        out.append("bad_reason")
    if not is_time(obj["issued_at"]):
        out.append("bad_issued_at")
    if not is_nonce(obj["nonce"]):
        out.append("bad_nonce")
    return out


class CasterList:
    """Who may cast for each person: the frozen roll's casters, then every change in ledger order."""

    def __init__(self, roll_casters: Mapping[str, Iterable[str]], *, meeting: Mapping[str, Any] | None = None,
                 keys: Any = None, server_key: str | None = None, is_person: Any = None) -> None:
        """``roll_casters``: person → the roll's casters. For :meth:`replay`, the record's ``meeting.json``,
        its ``KeyBook``, its server key and ``is_person(voter)`` (the voter is on the roll)."""
        self._casters = {person: set(accounts) for person, accounts in roll_casters.items()}
        self._first: dict[str, str] = {}
        #: Persons with an own electronic ballot, and with a paper ballot, so far in the ledger.
        self._electronic: set[str] = set()
        self._paper: set[str] = set()
        self._meeting, self._keys, self._server_key, self._is_person = meeting, keys, server_key, is_person

    def casters(self, person: str) -> frozenset[str]:
        """The accounts that may cast for ``person`` now."""
        return frozenset(self._casters.get(person, ()))

    def apply(self, change: Mapping[str, Any]) -> None:
        """Apply a well-formed caster change (``add`` is idempotent, so is ``remove``)."""
        accounts = self._casters.setdefault(change["voter"], set())
        if change["action"] == ADD:
            accounts.add(change["account"])
        else:
            accounts.discard(change["account"])

    def claim(self, person: str, account: str | None) -> list[tuple[str, str]]:
        """Note an own ballot of ``account`` (a caster now) for ``person``; ``not_designated`` when another
        account's ballot for the person came first (that account is the person's caster for the meeting), or
        when several accounts may cast for the person and a paper ballot for it came first (:meth:`claim_paper`)."""
        shared_paper = person in self._paper and len(self._casters.get(person, ())) > 1
        self._electronic.add(person)
        if account is None or account not in self._casters.get(person, ()):
            return []
        if self._first.setdefault(person, account) != account:
            return [("not_designated", f"account {self._first[person]}'s ballot for this person came first")]
        if shared_paper:
            return [("not_designated", "a paper ballot for this person, whose co-owners designated nobody, came first")]
        return []

    def claim_paper(self, person: str) -> list[tuple[str, str]]:
        """Note a paper ballot for ``person``. A paper ballot does not say which co-owner signed it, so when
        several accounts may cast for the person (co-owners with nobody designated) and one of them already cast
        an own electronic ballot, that account is the caster and the paper ballot is ``not_designated``."""
        self._paper.add(person)
        if person in self._electronic and len(self._casters.get(person, ())) > 1:
            return [("not_designated", "an electronic ballot of a co-owner came first: that co-owner casts for "
                                       "this person, and a paper ballot cannot show the same co-owner signed it")]
        return []

    def replay(self, entry: Any, seen_nonces: dict[str, int]) -> list[tuple[str, str]]:
        """Check a ``caster_change`` ledger entry (:func:`caster_change_problems`) and, when valid, apply it;
        the problems as ``(code, message)``."""
        try:
            at = parse_time(entry.received_at)
        except ValueError:
            return [("bad_entry", "received_at is not an RFC 3339 UTC time")]
        found = caster_change_problems(entry, at, meeting=self._meeting, is_person=self._is_person, keys=self._keys,
                                       server_key=self._server_key, seen_nonces=seen_nonces)
        if not found:
            self.apply(entry.ballot)
        return found

    def shared_accounts(self) -> dict[str, list[str]]:
        """Accounts that may cast for more than one person now (SPC art. 9: a flag for the committee)."""
        by_account: dict[str, list[str]] = {}
        for person, accounts in sorted(self._casters.items()):
            for account in accounts:
                by_account.setdefault(account, []).append(person)
        return {a: persons for a, persons in sorted(by_account.items()) if len(persons) > 1}


def caster_change_problems(entry: Any, at: Any, *, meeting: Mapping[str, Any], is_person: Any, keys: Any,
                           server_key: str | None, seen_nonces: dict[str, int]) -> list[tuple[str, str]]:
    """What is wrong with a ``caster_change`` ledger entry, as ``(code, message)`` pairs (empty when valid).

    ``entry``: a ``core.ledger.LedgerEntry`` received at ``at``; ``is_person(voter)``: the voter is on the
    roll; ``keys``: the record's ``KeyBook``; ``server_key``: the record's server key. The change must be
    for this meeting and a person on the roll, carry no delegation or attestation, and be signed by the
    server key (changes the server makes from the register) or by a key that a member of the convening
    body held at ``at``. ``seen_nonces``: nonce → position of the ledger so far (a replay is named; the
    entry's nonce is added).
    """
    obj = entry.ballot
    shape = validate_caster_change_shape(obj)
    if shape:
        return [("bad_caster_change", "malformed caster change: " + ", ".join(shape))]
    out = []
    if obj["nonce"] in seen_nonces:
        out.append(("replay", f"the same nonce was already recorded at position {seen_nonces[obj['nonce']]}"))
    seen_nonces.setdefault(obj["nonce"], entry.position)
    if entry.delegation is not None or entry.attestation is not None:
        out.append(("bad_caster_change", "a caster change carries no delegation or attestation"))
    if obj["community"] != meeting["community"] or obj["meeting"] != meeting["meeting"]:
        out.append(("wrong_meeting", "the caster change is for another community or meeting"))
    if not is_person(obj["voter"]):
        out.append(("not_eligible", f"voter {obj['voter']} is not on the roll"))
    if server_key is None or entry.key_id != server_key:
        account, why = keys.holder(entry.key_id, at)
        if account is None:
            out.append((why, "the caster change's signing key was not active when it was made"))
        elif not member_at(meeting, account, at, keys.committee):
            out.append(("caster_change_not_committee", f"the caster change is signed by account {account}, not the "
                                                       "server or a member of the convening body at that time"))
    return out


def member_at(meeting: Mapping[str, Any], account: str, at: datetime, committee: Any) -> bool:
    """``account`` was a member of the convening body at ``at``: ``meeting.json``'s ``convening_body.members``, each
    with the dates it held the role (``from`` inclusive, ``until`` exclusive or null); a record without that list:
    any committee account of ``keys.json``."""
    body = meeting.get("convening_body")
    members = body.get("members") if isinstance(body, Mapping) else None
    if not isinstance(members, list):
        return account in committee
    for member in members:
        if not isinstance(member, Mapping) or member.get("account") != account:
            continue
        try:
            start = parse_time(member["from"])
            end = None if member.get("until") is None else parse_time(member["until"])
        except (KeyError, TypeError, ValueError):
            continue
        if start <= at and (end is None or at < end):
            return True
    return False
