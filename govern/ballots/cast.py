"""Casting a signed ballot: one request, a handful of prebuilt statements, the receipt after commit.

The caller's view commits once, before the receipt is built, so a receipt always names a committed entry.
Who may cast for whom is decided in :func:`caster_for`; what a ballot must be, in ``core.ballot``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, literal_column, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.session import make_transient_to_detached

from govern import clock
from govern.accounts.models import RoleGrant
from govern.ballots.access import visible_meeting
from govern.ballots.casters import check_first_caster, check_not_caster
from govern.ballots.common import check_election_choices, meeting_context, refuse
from govern.ballots.models import BallotEntry, Meeting, Motion, OwnerKey, RollCaster, RollPerson, record_version_of
from govern.ballots.owner_keys import check_key_holder
from govern.ballots.proxies import check_proxy_delegation, check_proxy_state, delegation_for_cast, proxy_cap
from govern.core.ballot import MeetingContext, check_ballot, check_ballot_state
from govern.core.ledger import LedgerEntry, append_entry
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Community

# The casting path runs statements built once at import (bound parameters, no ORM work per cast): building a
# SQLAlchemy statement anew and computing its cache key costs more than running it.
_meetings, _entries = Meeting.__table__, BallotEntry.__table__
_keys, _casters, _persons = OwnerKey.__table__, RollCaster.__table__, RollPerson.__table__
_grants = RoleGrant.__table__
#: The meeting columns a ballot is checked against.
_CONTEXT_COLUMNS = tuple(_meetings.c[name] for name in (
    "community_id", "published_at", "roll_hash", "agenda_hash", "opens_at", "closes_at", "revision_policy"))
#: ... and, under the row lock, the ledger head.
_HEAD_COLUMNS = _CONTEXT_COLUMNS + (_meetings.c.ledger_length, _meetings.c.ledger_head, _meetings.c.agenda_hash)

#: Before the lock, in one statement: the meeting, the signing key's owner and revocation, whether the caller
#: is a caster of the ballot's voter on the frozen roll, and whether the caller holds a role in the community
#: (the fast answer to "may the caller see this meeting"; anything else takes the full access check).
_CAST_CONTEXT = select(
    *_CONTEXT_COLUMNS, _keys.c.user_id, _keys.c.revoked_at,
    select(_casters.c.id).join(_persons, _casters.c.roll_person_id == _persons.c.id).where(
        _casters.c.meeting_id == _meetings.c.id, _casters.c.user_id == bindparam("user_id"),
        _persons.c.meeting_id == _meetings.c.id, _persons.c.person == bindparam("voter"),
    ).exists().label("on_roll"),
    # another account may cast for the same person too (co-owners): the first-caster check runs under the lock
    select(_casters.c.id).join(_persons, _casters.c.roll_person_id == _persons.c.id).where(
        _casters.c.meeting_id == _meetings.c.id, _casters.c.user_id != bindparam("user_id"),
        _persons.c.meeting_id == _meetings.c.id, _persons.c.person == bindparam("voter"),
    ).exists().label("shared"),
    select(_grants.c.id).where(
        _grants.c.user_id == bindparam("user_id"), _grants.c.revoked_at.is_(None),
        (_grants.c.community_id == _meetings.c.community_id) | _grants.c.community_id.is_(None),
    ).exists().label("member"),
).select_from(
    _meetings.outerjoin(_keys, _keys.c.public_key == bindparam("key_id"))
).where(_meetings.c.id == bindparam("meeting_id"))

_LOCK_HEAD = select(*_HEAD_COLUMNS).where(_meetings.c.id == bindparam("meeting_id"))
_LOCK_HEAD_PG = _LOCK_HEAD.with_for_update()
#: SQLite has no row locks: an UPDATE first takes the database write lock at once.
_TAKE_WRITE_LOCK = update(_meetings).where(_meetings.c.id == bindparam("meeting_id")).values(
    ledger_length=_meetings.c.ledger_length)

#: Is the nonce or the hash already in the ledger, and which ballots has the voter cast (own or as a proxy's)?
#: Three lookups, each on the whole key of an index (with statistics, PostgreSQL uses those indexes; without
#: any, as on a database autovacuum has never visited, it may look up by the meeting alone and scan).
_CONFLICTS = union_all(*(
    select(_entries.c.nonce, _entries.c.ballot_hash, _entries.c.voter, _entries.c.delegation_hash.is_(None))
    .where(_entries.c.meeting_id == bindparam("meeting_id"), _entries.c[column] == bindparam(column))
    for column in ("nonce", "ballot_hash", "voter")
))

_ENTRY_COLUMNS = ("community_id", "meeting_id", "position", "kind", "voter", "ballot", "ballot_hash", "nonce",
                  "signature", "key_id", "user_id", "received_at", "prev_hash", "chain_hash", "delegation",
                  "attestation", "delegation_hash", "proxy_user_id")
_INSERT_ENTRY = insert(_entries).values({c: bindparam(f"e_{c}", type_=_entries.c[c].type) for c in _ENTRY_COLUMNS})
_MOVE_HEAD = update(_meetings).where(_meetings.c.id == bindparam("e_meeting_id")).values(
    ledger_length=bindparam("e_position"), ledger_head=bindparam("e_chain_hash"))
#: PostgreSQL: the entry and the new head in one statement (a data-modifying CTE).
_APPEND_PG = _MOVE_HEAD.add_cte(_INSERT_ENTRY.returning(_entries.c.id).cte("new_entry")).returning(
    literal_column("(SELECT id FROM new_entry)"))
_INSERT_ENTRY_RETURNING = _INSERT_ENTRY.returning(_entries.c.id)


def _run(statement, params: dict):
    """Run a prebuilt Core statement on the session's connection (in its transaction), past the ORM layer."""
    return db.session.connection().execute(statement, params)


def _postgres() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def _lock_head(meeting_id: int):
    """Lock the meeting row (as :func:`lock_meeting`) and return its :data:`_HEAD_COLUMNS`.

    On PostgreSQL a ``SELECT … FOR UPDATE`` that waited for another caster returns the row as that
    caster committed it, so the head read here is the current one and appends never fork.
    """
    params = {"meeting_id": meeting_id}
    if _postgres():
        return _run(_LOCK_HEAD_PG, params).one_or_none()
    _run(_TAKE_WRITE_LOCK, params)
    return _run(_LOCK_HEAD, params).one_or_none()


def _motion_ids(meeting_id: int, roll_hash: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The meeting's motion ids and its election motions' ids (:func:`_motions`)."""
    ids, elections = _motions(meeting_id, roll_hash)
    return ids, frozenset(elections)


def _motions(meeting_id: int, roll_hash: str | None) -> tuple[frozenset[str], dict]:
    """The meeting's motion ids and its election motions' ``election`` (#14), cached per process by
    ``(meeting, roll hash)``.

    Motions are locked from publication; an edit voids the notice, which discards the roll and a
    new publication freezes a roll with a new hash, so a stale entry is never looked up again.
    Drafts (no roll hash) are not cached.
    """
    cache = current_app.extensions.setdefault("govern_cast_motions", {})
    key = (meeting_id, roll_hash)
    found = cache.get(key)
    if found is None:
        rows = db.session.execute(select(Motion.id, Motion.election).where(Motion.meeting_id == meeting_id)).all()
        found = (frozenset(str(i) for i, _ in rows), {str(i): e for i, e in rows if e is not None})
        if roll_hash:
            if len(cache) >= 1024:
                cache.clear()
            cache[key] = found
    return found


def _context(meeting_id: int, row) -> MeetingContext:
    """What ``check_ballot`` checks a ballot against, from the meeting's :data:`_CONTEXT_COLUMNS` (or the row)."""
    return meeting_context(meeting_id, row, *_motion_ids(meeting_id, row.roll_hash))


def _conflicts(meeting_id: int, nonce: str, ballot_hash: str, voter: str, *, proxy: bool = False
               ) -> tuple[set, set, bool]:
    """In one indexed query: is the nonce or the hash already in the ledger, and has the voter cast?

    Own ballots and proxy ballots are counted apart (R15: the owner's own ballot, before or after,
    supersedes the proxy's), so ``proxy`` says which kind of earlier ballot makes this one a second cast.
    """
    rows = _run(_CONFLICTS, {"meeting_id": meeting_id, "nonce": nonce, "ballot_hash": ballot_hash,
                                           "voter": voter}).all()
    return {r[0] for r in rows}, {r[1] for r in rows}, any(r[2] == voter and bool(r[3]) != proxy for r in rows)


def _append(values: dict) -> int:
    """Store the entry and move the meeting's head; the entry's id. One statement on PostgreSQL, two on SQLite."""
    params = {f"e_{c}": values[c] for c in _ENTRY_COLUMNS}
    if _postgres():
        return _run(_APPEND_PG, params).scalar_one()
    entry_id = _run(_INSERT_ENTRY_RETURNING, params).scalar_one()
    _run(_MOVE_HEAD, params)
    return entry_id




@dataclass(frozen=True)
class Caster:
    """Who signs a cast and whether they may cast for the ballot's voter: what ``check_ballot`` needs from the DB."""

    #: The key that must have signed the ballot (the caller's active key).
    public_key: str
    #: The caller is a caster of ``ballot.voter`` on the meeting's frozen roll (or their accepted proxy).
    is_eligible: bool
    #: For a proxy's cast: the accepted delegation (``govern.ballots.models.Delegation``) it is cast under.
    delegation: Any = None


def caster_for(meeting_id: int, actor, key_id: str, voter: Any, row) -> Caster:
    """Decide the signing key and the voter's eligibility for a cast from the :data:`_CAST_CONTEXT` row.

    The key must be enrolled to ``actor`` (``unknown_key``) and not revoked (``revoked_key``);
    ``actor`` must be a caster of ``voter`` on the frozen roll, or the voter's accepted proxy (R15).
    This is the one place where who may cast for whom is decided.
    """
    check_key_holder(row.user_id, row.revoked_at, actor)
    if not row.on_roll:  # not on the roll for this voter: the caller may be the voter's accepted proxy
        delegation = delegation_for_cast(meeting_id, actor.id, voter)
        if delegation is not None:
            return Caster(public_key=key_id, is_eligible=True, delegation=delegation)
        check_not_caster(meeting_id, voter if isinstance(voter, str) else "", actor.id)  # a co-owner: not_designated
    return Caster(public_key=key_id, is_eligible=bool(row.on_roll))


@dataclass(frozen=True)
class Cast:
    """A stored cast: the ledger entry and its row id (the receipt is built from it after commit)."""

    entry: LedgerEntry
    id: int
    values: dict


def cast_ballot(meeting: Meeting, data: Any, *, actor) -> BallotEntry:
    """Check a signed ballot and append it to ``meeting``'s ledger (see :func:`cast`); the stored row.

    For callers that already hold the meeting (and checked that ``actor`` may see it): the demo, tests.
    """
    done = cast(meeting.id, data, actor=actor, meeting=meeting)
    # The session's objects say what the database now holds, without another statement.
    row = BallotEntry(id=done.id, **done.values)
    make_transient_to_detached(row)
    db.session.add(row)
    set_committed_value(meeting, "ledger_length", done.entry.position)
    set_committed_value(meeting, "ledger_head", done.entry.chain_hash)
    return row


def cast(meeting_id: int, data: Any, *, actor, meeting: Meeting | None = None) -> Cast:
    """Check a signed ballot with ``core.ballot.check_ballot`` and append it to the meeting's ledger.

    ``data``: ``{"ballot": {...}, "signature": "<b64url>", "key_id": "<b64url public key>"}``. The key
    must be the caller's active key (``unknown_key``, ``revoked_key``); the caller must be a caster of
    ``ballot.voter`` on the frozen roll or the voter's accepted proxy (``not_eligible``); both are
    decided by :func:`caster_for`. Without ``meeting``, a meeting the caller may not see is
    ``not_found``. The ballot is checked in full outside the lock (shape, roll, eligibility,
    signature, window, and a proxy's delegation with its signature and instructions: bad requests
    never queue), then under the meeting's row lock (:func:`_lock_head`) against the ledger as
    committed (replay, single-cast; a proxy's revoked, lapsed and cap) and the clock; in full again
    only if the meeting changed in between. Nothing is stored on rejection. The caller
    commits, then builds the receipt.

    Statements: the context (1), the motion ids (first cast of a roll per process only), the lock
    and head (1), the conflicts (1), the append (1 on PostgreSQL; 2 on SQLite, plus the UPDATE that
    takes the write lock). With the bearer token's query, five per ballot on PostgreSQL.
    """
    well_formed = isinstance(data, dict) and set(data) == {"ballot", "signature", "key_id"} and isinstance(
        data["key_id"], str) and isinstance(data["signature"], str) and isinstance(data["ballot"], dict)
    ballot, signature, key_id = (data["ballot"], data["signature"], data["key_id"]) if well_formed else ({}, "", "")
    voter = ballot.get("voter")
    row = _run(_CAST_CONTEXT, {"meeting_id": meeting_id, "user_id": actor.id, "key_id": key_id,
                                             "voter": voter if isinstance(voter, str) else ""}).one_or_none()
    if meeting is None and (row is None or not row.member or row.published_at is None):
        meeting = meeting_for(meeting_id, actor)  # the full access check, for the uncommon cases
    if row is None:
        raise DomainError("not_found", _("There is no such meeting."), status=404)
    if not well_formed:
        raise refuse("bad_request", _("The body must be {\"ballot\", \"signature\", \"key_id\"}."))
    if row.published_at is None:
        raise refuse("window_not_open", _("Voting has not opened yet."))
    caster = caster_for(meeting_id, actor, key_id, voter, row)
    context = _context(meeting_id, row)
    result = check_ballot(
        ballot, signature, context=context, public_key=caster.public_key, is_eligible=caster.is_eligible,
        seen_nonces=(), seen_hashes=(), has_voted=False, now=clock.now(),
    )
    if not result.ok:
        raise refuse(str(result.code), result.message)
    check_election_choices(_motions(meeting_id, row.roll_hash)[1], ballot["choices"])
    delegation = caster.delegation
    if delegation is not None:  # a proxy's ballot: the delegation and the instructions, before the lock
        check_proxy_delegation(delegation, ballot, context=context, actor=actor, now=clock.now())
        cap = proxy_cap(db.session.get(Community, row.community_id))
    head = _lock_head(meeting_id)
    if head is None or head.published_at is None:
        raise refuse("window_not_open", _("Voting has not opened yet."))
    moment = clock.now()
    if delegation is None and row.shared:  # co-owners with nobody designated: the first to cast is the caster
        check_first_caster(meeting_id, voter, actor.id)
    if delegation is not None:  # a proxy's ballot: revoked, lapsed and the cap, under the lock
        check_proxy_state(meeting_id, delegation, actor=actor, cap=cap)
    # Under the lock, against the ledger as committed: replay and single-cast (the meeting as it is now).
    nonces, hashes, voted = _conflicts(meeting_id, ballot["nonce"], result.object_hash or "", voter,
                                       proxy=delegation is not None)
    locked_context = _context(meeting_id, head)
    if locked_context == context:
        result = check_ballot_state(ballot, result.object_hash or "", context=context, seen_nonces=nonces,
                                    seen_hashes=hashes, has_voted=voted, now=moment)
    else:  # the notice changed since the first pass: check everything again
        result = check_ballot(
            ballot, signature, context=locked_context, public_key=caster.public_key,
            is_eligible=caster.is_eligible, seen_nonces=nonces, seen_hashes=hashes, has_voted=voted, now=moment,
        )
    if not result.ok:
        raise refuse(str(result.code), result.message)
    entry = append_entry(head.ledger_head, head.ledger_length + 1, ballot=ballot, signature=signature,
                         key_id=caster.public_key, received_at=moment,
                         delegation=None if delegation is None else delegation.envelope,
                         known_ballot_hash=result.object_hash, chain=record_version_of(head.agenda_hash))
    values = dict(
        community_id=head.community_id, meeting_id=meeting_id, position=entry.position, kind=entry.kind,
        voter=entry.voter, ballot=dict(entry.ballot), ballot_hash=entry.ballot_hash, nonce=ballot["nonce"],
        signature=entry.signature, key_id=entry.key_id, user_id=actor.id, received_at=entry.received_at,
        prev_hash=entry.prev_hash, chain_hash=entry.chain_hash,
        delegation=None if entry.delegation is None else dict(entry.delegation), attestation=None,
        delegation_hash=None if delegation is None else delegation.delegation_hash,
        proxy_user_id=None if delegation is None else actor.id,
    )
    return Cast(entry=entry, id=_append(values), values=values)


def meeting_for(meeting_id: int, user) -> Meeting:
    """The meeting ``user`` may see (:func:`govern.ballots.access.visible_meeting`), else ``not_found`` (404)."""
    meeting = visible_meeting(meeting_id, user)
    if meeting is None:
        raise DomainError("not_found", _("There is no such meeting."), status=404)
    return meeting
