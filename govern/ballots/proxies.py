"""Proxies (R15): a signed delegation for one meeting, accepted by the proxy, revocable before the proxy
votes, lapsing when the owner votes in person, capped per proxy (community setting ``proxy_cap``).

The shapes are the core's (``govern.delegation.v1``, ``govern.delegation_revocation.v1``) and so are
the checks (``core.ballot.check_delegation`` / ``check_revocation``). The cast path asks
:func:`delegation_for_cast`, :func:`check_proxy_delegation` and (under the meeting lock)
:func:`check_proxy_state` when the caller is not a caster of the voter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm.attributes import set_committed_value

from govern import clock
from govern.accounts.access import can_view_community
from govern.accounts.models import User
from govern.audit.services import log_action
from govern.ballots.common import check_election_choices, context, elections_of, envelope_parts, is_caster, refuse
from govern.ballots.ledger import has_voted, lock_meeting
from govern.ballots.models import BallotEntry, Delegation, Meeting, RollPerson, RollUnit
from govern.ballots.owner_keys import own_active_key
from govern.ballots.voter import ballot_context
from govern.core.ballot import (
    MeetingContext,
    check_delegation,
    check_delegation_state,
    check_revocation,
    parse_time,
)
from govern.core.register import format_area
from govern.extensions import db


def proxy_cap(community) -> int | None:
    """Principals per proxy (R15): the community setting ``proxy_cap`` (default 3); 0 or less means no cap."""
    value = community.setting("proxy_cap")
    if value is None:
        return 3
    value = int(value)
    return value if value > 0 else None


def live_delegations(meeting_id: int, **where) -> list[Delegation]:
    query = select(Delegation).where(Delegation.meeting_id == meeting_id, Delegation.revoked_at.is_(None),
                                     Delegation.lapsed_at.is_(None))
    for name, value in where.items():
        query = query.where(getattr(Delegation, name) == value)
    return list(db.session.scalars(query.order_by(Delegation.id)))


def _own_ballot_times(meeting_id: int, principals) -> dict[str, datetime]:
    """When each of ``principals`` first cast a ballot of their own (not a proxy's) in the meeting, if they did."""
    principals = sorted(set(principals))
    if not principals:
        return {}
    out: dict[str, datetime] = {}
    for voter, received_at in db.session.execute(
            select(BallotEntry.voter, BallotEntry.received_at).where(
                BallotEntry.meeting_id == meeting_id, BallotEntry.voter.in_(principals),
                BallotEntry.delegation_hash.is_(None)).order_by(BallotEntry.position)):
        out.setdefault(voter, parse_time(received_at))
    return out


def derive_lapses(meeting: Meeting, rows: list[Delegation]) -> list[Delegation]:
    """Show each live delegation among ``rows`` whose principal has voted in person as lapsed (R15), at the
    time of that ballot, without writing anything: the value is set on the object as if it had been loaded,
    so no flush stores it. ``govern tick`` stores it (:func:`sync_lapses`). Returns the lapsed ones."""
    live = [d for d in rows if d.is_live]
    times = _own_ballot_times(meeting.id, [d.principal for d in live])
    lapsed = [d for d in live if d.principal in times]
    for d in lapsed:
        set_committed_value(d, "lapsed_at", times[d.principal])
    return lapsed


def sync_lapses(meeting: Meeting) -> int:
    """Store the lapse of live delegations whose principal has voted in person (R15), with the time of that
    ballot, and audit it. Returns how many. Run by ``govern tick`` and by the POSTs that act on a delegation."""
    rows = live_delegations(meeting.id)
    times = _own_ballot_times(meeting.id, [d.principal for d in rows])
    lapsed = [d for d in rows if d.principal in times]
    for d in lapsed:
        d.lapsed_at = times[d.principal]
        log_action("delegation.lapse", actor=None, community=d.community_id, obj=d,
               data={"meeting": meeting.id, "principal": d.principal, "delegation_hash": d.delegation_hash})
    if lapsed:
        db.session.flush()
    return len(lapsed)


def sync_all_lapses(moment=None) -> int:
    """:func:`sync_lapses` for every meeting with a live delegation whose principal has voted (``govern tick``)."""
    own = select(BallotEntry.id).where(BallotEntry.meeting_id == Delegation.meeting_id,
                                       BallotEntry.voter == Delegation.principal,
                                       BallotEntry.delegation_hash.is_(None)).exists()
    meeting_ids = sorted(set(db.session.scalars(select(Delegation.meeting_id).where(
        Delegation.revoked_at.is_(None), Delegation.lapsed_at.is_(None), own))))
    return sum(sync_lapses(db.session.get(Meeting, mid)) for mid in meeting_ids)


def _proxy_voted(d: Delegation) -> bool:
    return db.session.scalar(select(BallotEntry.id).where(
        BallotEntry.meeting_id == d.meeting_id, BallotEntry.delegation_hash == d.delegation_hash).limit(1)) is not None


def create_delegation(meeting: Meeting, data: Any, *, actor) -> Delegation:
    """Register a delegation signed by an owner who may cast for its principal.

    ``data``: ``{"delegation": {govern.delegation.v1}, "signature", "key_id"}``. Refused when the
    principal already has a live delegation (revoke it first), has voted (``delegation_lapsed``), the
    proxy is unknown or not a member of the community (``bad_proxy``), or already holds ``proxy_cap``
    principals (``proxy_cap_exceeded``). The signature is verified before anything is stored.
    """
    obj, signature, key_id = envelope_parts(data, "delegation")
    if not meeting.is_published:
        raise refuse("not_published", _("The notice is not published: there is no roll yet."))
    key = own_active_key(actor, key_id)
    principal = obj.get("principal")
    proxy = None
    if isinstance(obj.get("proxy"), str) and obj["proxy"].isdigit():
        proxy = db.session.get(User, int(obj["proxy"]))
    if proxy is None or not proxy.is_active_account or proxy.id == actor.id or not can_view_community(
            proxy, meeting.community):
        raise refuse("bad_proxy", _("The proxy must be another member of this community."))
    if is_caster(meeting.id, proxy.id, principal):
        raise refuse("bad_proxy", _("The proxy may already vote for this home: no delegation is needed."))
    eligible = is_caster(meeting.id, actor.id, principal)
    if eligible and live_delegations(meeting.id, principal=principal):
        raise refuse("already_delegated", _("This home already has a proxy for this meeting: revoke it first."))
    held = {d.principal for d in live_delegations(meeting.id, proxy_user_id=proxy.id)}
    nonces = set(db.session.scalars(select(Delegation.nonce).where(Delegation.meeting_id == meeting.id)))
    result = check_delegation(
        obj, signature, context=context(meeting), principal_key=key.public_key, principal_eligible=eligible,
        proxy_principals=held, proxy_cap=proxy_cap(meeting.community), revoked_hashes=(),
        principal_has_voted=eligible and has_voted(meeting.id, principal), seen_nonces=nonces,
        now=clock.now(),
    )
    if not result.ok:
        raise refuse(str(result.code), result.message)
    check_election_choices(elections_of(meeting), obj.get("instructions"))
    row = Delegation(community_id=meeting.community_id, meeting_id=meeting.id, principal=principal,
                     principal_user_id=actor.id, proxy_user_id=proxy.id,
                     envelope={"object": obj, "signature": signature, "key_id": key.public_key},
                     delegation_hash=result.object_hash, nonce=obj["nonce"], received_at=clock.now())
    db.session.add(row)
    db.session.flush()
    log_action("delegation.create", actor=actor, community=meeting.community_id, obj=row,
           data={"meeting": meeting.id, "principal": principal, "proxy": proxy.id,
                 "delegation_hash": row.delegation_hash, "instructions": obj.get("instructions") or {}})
    return row


def accept_delegation(delegation: Delegation, *, actor) -> Delegation:
    """The proxy accepts to act for the principal (until revoked or lapsed)."""
    if actor.id != delegation.proxy_user_id:
        raise refuse("forbidden", _("Only the named proxy may accept this delegation."))
    meeting = db.session.get(Meeting, delegation.meeting_id)
    sync_lapses(meeting)
    if delegation.revoked_at is not None:
        raise refuse("delegation_revoked", _("The owner revoked this delegation."))
    if delegation.lapsed_at is not None:
        raise refuse("delegation_lapsed", _("The owner has voted: the delegation lapsed."))
    if delegation.accepted_at is not None:
        raise refuse("already_accepted", _("You have already accepted this delegation."))
    if clock.now() >= meeting.closes_at:
        raise refuse("window_closed", _("Voting has closed."))
    delegation.accepted_at = clock.now()
    db.session.flush()
    log_action("delegation.accept", actor=actor, community=delegation.community_id, obj=delegation,
           data={"meeting": meeting.id, "principal": delegation.principal,
                 "delegation_hash": delegation.delegation_hash})
    return delegation


def revoke_delegation(delegation: Delegation, data: Any, *, actor) -> Delegation:
    """The principal revokes with a signed ``govern.delegation_revocation.v1``, before the proxy has voted."""
    if not is_caster(delegation.meeting_id, actor.id, delegation.principal):
        raise refuse("forbidden", _("Only the owner who may vote for this home may revoke its delegation."))
    obj, signature, key_id = envelope_parts(data, "revocation")
    key = own_active_key(actor, key_id)
    # The proxy's cast checks revocation under the meeting's lock (check_proxy_state): take it, so that the
    # proxy's ballot and the revocation are one after the other, and read the delegation as now committed.
    meeting = lock_meeting(delegation.meeting_id)
    db.session.refresh(delegation)
    if delegation.revoked_at is not None:
        raise refuse("delegation_revoked", _("This delegation is already revoked."))
    result = check_revocation(obj, signature, context=context(meeting), delegation=delegation.obj,
                              principal_key=key.public_key, proxy_has_voted=_proxy_voted(delegation))
    if not result.ok:
        raise refuse(str(result.code), result.message)
    delegation.revocation = {"object": obj, "signature": signature, "key_id": key.public_key}
    delegation.revoked_at = clock.now()
    db.session.flush()
    log_action("delegation.revoke", actor=actor, community=delegation.community_id, obj=delegation,
           data={"meeting": meeting.id, "principal": delegation.principal,
                 "delegation_hash": delegation.delegation_hash})
    return delegation


# --------------------------------------------------------------------------- the cast path


def delegation_for_cast(meeting_id: int, actor_id: int, voter: Any) -> Delegation | None:
    """The accepted, unrevoked delegation under which ``actor_id`` may cast for ``voter``, if any."""
    if not isinstance(voter, str):
        return None
    return db.session.scalar(
        select(Delegation).where(Delegation.meeting_id == meeting_id, Delegation.principal == voter,
                                 Delegation.proxy_user_id == actor_id, Delegation.accepted_at.is_not(None),
                                 Delegation.revoked_at.is_(None)).order_by(Delegation.id.desc()).limit(1)
    )


def check_proxy_delegation(delegation: Delegation, ballot: Any, *, context: MeetingContext, actor, now) -> None:
    """A proxy's cast, before the meeting lock: the delegation as signed (shape, meeting, agenda, the
    principal's signature, window) and the ballot against it (voter, caster, instructions). Raises the
    core's rejection code. What depends on the state (:func:`check_proxy_state`) is checked under the lock."""
    result = check_delegation(
        delegation.obj, delegation.envelope["signature"], context=context,
        principal_key=delegation.envelope["key_id"], principal_eligible=True, proxy_principals=(),
        proxy_cap=None, revoked_hashes=(), principal_has_voted=False, seen_nonces=(), now=now,
        ballot=ballot, proxy_account=str(actor.id),
    )
    if not result.ok:
        raise refuse(str(result.code), result.message)


#: Under the lock, for a proxy's cast: is the delegation revoked now, and has its principal cast a ballot of
#: their own (it lapsed)? Both on an index (the delegation's key; ``ix_ballot_entries_meeting_voter``).
_PROXY_STATE = select(
    select(Delegation.revoked_at).where(Delegation.id == bindparam("delegation_id")).scalar_subquery()
    .label("revoked_at"),
    exists().where(BallotEntry.meeting_id == bindparam("meeting_id"), BallotEntry.voter == bindparam("principal"),
                   BallotEntry.delegation_hash.is_(None)).label("lapsed"),
)
#: ... and the principals the proxy has cast for in the meeting (the cap), from ``ix_ballot_entries_meeting_proxy``
#: alone: constant in the size of the ledger.
_PROXY_PRINCIPALS = select(BallotEntry.voter).where(
    BallotEntry.meeting_id == bindparam("meeting_id"), BallotEntry.proxy_user_id == bindparam("proxy_user_id"),
).distinct()


def check_proxy_state(meeting_id: int, delegation: Delegation, *, actor, cap: int | None) -> None:
    """A proxy's cast, under the meeting lock: revoked, lapsed (the principal voted), the cap (R15; ``cap``:
    :func:`proxy_cap`). Two indexed lookups whatever the size of the ledger. Raises the core's rejection code."""
    state = db.session.execute(_PROXY_STATE, {"delegation_id": delegation.id, "meeting_id": meeting_id,
                                              "principal": delegation.principal}).one()
    voted_for = set(db.session.scalars(_PROXY_PRINCIPALS, {"meeting_id": meeting_id, "proxy_user_id": actor.id}))
    result = check_delegation_state(
        delegation.obj, delegation.delegation_hash, proxy_principals=voted_for, proxy_cap=cap,
        revoked_hashes={delegation.delegation_hash} if state.revoked_at is not None else (),
        principal_has_voted=bool(state.lapsed),
    )
    if not result.ok:
        raise refuse(str(result.code), result.message)


def lapse_after_own_ballot(meeting_id: int, voter: str, moment) -> None:
    """The owner voted in person: their live delegations lapse (R15). One UPDATE, no ORM load."""
    db.session.execute(update(Delegation).where(
        Delegation.meeting_id == meeting_id, Delegation.principal == voter, Delegation.revoked_at.is_(None),
        Delegation.lapsed_at.is_(None)).values(lapsed_at=moment))


# --------------------------------------------------------------------------- the ballot page


def _proxy_entry(meeting_id: int, delegation_hash: str) -> BallotEntry | None:
    """The latest ledger entry cast under the delegation (the proxy's ballot), if any."""
    return db.session.scalar(select(BallotEntry).where(
        BallotEntry.meeting_id == meeting_id, BallotEntry.delegation_hash == delegation_hash)
        .order_by(BallotEntry.position.desc()).limit(1))


def _homes(meeting_id: int, person: str) -> tuple[list[str], str]:
    """The units of roll person ``person`` and its area as "123.45" (m²)."""
    row = db.session.scalar(select(RollPerson).where(RollPerson.meeting_id == meeting_id, RollPerson.person == person))
    if row is None:
        return [], ""
    units = list(db.session.scalars(select(RollUnit.unit).where(RollUnit.roll_person_id == row.id)
                                    .order_by(RollUnit.unit)))
    return units, format_area(row.area)


def held_for_ballot(meeting: Meeting, user, *, can_vote: bool) -> tuple[list[dict], list[Delegation]]:
    """What the ballot page shows ``user`` as a proxy: ``(principals, pending)``.

    One item per principal whose latest delegation naming ``user`` was accepted: the delegation, the
    principal's name, homes and area, the proxy's latest ballot under it, the ballot context the
    browser signs (``voter`` = the principal, plus the delegation hash and instructions, which the
    server checks), and whether a ballot may be cast now (``can_vote``: voting is open; the delegation
    is live; not already cast under single-cast). ``pending``: live delegations still to be accepted.
    A shown delegation whose principal has voted in person is shown lapsed (R15, :func:`derive_lapses`).
    """
    latest: dict[str, Delegation] = {}
    for d in db.session.scalars(select(Delegation).where(Delegation.meeting_id == meeting.id,
                                                         Delegation.proxy_user_id == user.id)
                                .order_by(Delegation.id.desc())):
        latest.setdefault(d.principal, d)
    derive_lapses(meeting, list(latest.values()))
    single_cast = meeting.revision_policy != "revisable-until-close"
    principals, pending = [], []
    for d in sorted(latest.values(), key=lambda d: d.id):
        if d.accepted_at is None:
            if d.is_live:
                pending.append(d)
            continue
        entry = _proxy_entry(meeting.id, d.delegation_hash)
        units, area = _homes(meeting.id, d.principal)
        principals.append({
            "delegation": d, "name": d.principal_user.name, "units": units, "area": area, "entry": entry,
            "instructions": d.instructions, "prefix": f"proxy-{d.id}-",
            "can_vote": can_vote and d.is_live and not (entry is not None and single_cast),
            "context": {**ballot_context(meeting, d.principal), "delegation_hash": d.delegation_hash,
                        "instructions": d.instructions},
        })
    return principals, pending


def given_for_ballot(meeting: Meeting, person: str) -> dict | None:
    """For the principal's own ballot: their live delegation (the proxy's name, and the proxy's ballot if cast).

    None when it has lapsed (R15: the principal has voted in person, :func:`derive_lapses`)."""
    d = db.session.scalar(select(Delegation).where(
        Delegation.meeting_id == meeting.id, Delegation.principal == person, Delegation.revoked_at.is_(None),
        Delegation.lapsed_at.is_(None)).order_by(Delegation.id.desc()).limit(1))
    if d is None or derive_lapses(meeting, [d]):
        return None
    return {"delegation": d, "proxy": d.proxy_user.name, "entry": _proxy_entry(meeting.id, d.delegation_hash)}
