"""Who may cast for a frozen roll person (R4a, R4c, R6): from the register at the freeze, then changed through
``caster_change`` ledger entries; and the refusals at cast time (``not_designated``).

The roll's ``casters`` (hashed with the roll) never change. ``RollCaster`` rows are the list *now*: the
freeze writes the roll's casters there, and every caster change adds or deletes one row together with its
ledger entry (:func:`append_caster_change`), so the casting path reads one table. The rules are in
docs/meetings.md, "Who casts for a person"; the verifier replays the same list (``govern.core.casters``).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, func, or_, select

from govern.accounts.models import Role, RoleGrant
from govern.ballots.ledger import lock_meeting
from govern.ballots.models import BallotEntry, Meeting, RollCaster, RollPerson, RollUnit
from govern.core.ballot import format_time, new_nonce
from govern.core.canonical import GENESIS_HASH
from govern.core.casters import caster_change_object
from govern.core.keys import public_key_b64, sign
from govern.core.ledger import CASTER_CHANGE, ELECTRONIC, PAPER, append_entry
from govern.core.register import DEVELOPER_ID
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Owner, Ownership, Unit


def unit_casters(community_id: int) -> dict[str, set[int]]:
    """Unit number → the accounts that may cast for its owners now: the designated co-owner's confirmed
    account when one is designated (R4c), else every confirmed owner's account."""
    rows = db.session.execute(
        select(Unit.number, Owner.user_id, Ownership.is_designated_voter)
        .join(Ownership, Ownership.unit_id == Unit.id).join(Owner, Owner.id == Ownership.owner_id)
        .where(Unit.community_id == community_id)
    ).all()
    designated: dict[str, set[int]] = defaultdict(set)
    everyone: dict[str, set[int]] = defaultdict(set)
    confirmed = set(db.session.scalars(select(Owner.user_id).where(
        Owner.community_id == community_id, Owner.user_id.is_not(None), Owner.confirmed_at.is_not(None))))
    has_designation: set[str] = set()
    for number, user_id, is_designated in rows:
        if is_designated:
            has_designation.add(number)
        if user_id is None or user_id not in confirmed:
            continue
        everyone[number].add(user_id)
        if is_designated:
            designated[number].add(user_id)
    return {n: set(designated[n] if n in has_designation else everyone[n]) for n in everyone | designated}


def developer_representatives(community_id: int) -> set[int]:
    """The accounts holding the developer's representative role in the community now (R4a)."""
    return set(db.session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.community_id == community_id, RoleGrant.role == Role.DEVELOPER_REP,
        RoleGrant.revoked_at.is_(None))))


def accounts_for(units: Iterable[str], is_developer: bool, by_unit: dict[str, set[int]], reps: set[int]) -> set[int]:
    """The accounts that may cast for a person with ``units``: the developer's representatives for the
    developer person, else the accounts of :func:`unit_casters` of its units."""
    if is_developer:
        return set(reps)
    out: set[int] = set()
    for unit in units:
        out |= by_unit.get(unit, set())
    return out


def append_caster_change(meeting: Meeting, person: RollPerson, account: int, action: str, reason: str, *,
                         signer: Ed25519PrivateKey, moment: datetime) -> BallotEntry:
    """Sign a ``govern.caster_change.v1``, append it to the ledger (the caller holds the meeting's lock) and
    add or delete the ``RollCaster`` row. The entry's ``voter`` column stays empty: it casts no ballot, so no
    query for who voted ever finds it (the person is in the signed object)."""
    obj = caster_change_object(community=str(meeting.community_id), meeting=str(meeting.id), voter=person.person,
                               account=str(account), action=action, reason=reason, issued_at=format_time(moment),
                               nonce=new_nonce(os.urandom))
    entry = append_entry(meeting.ledger_head, meeting.ledger_length + 1, ballot=obj, signature=sign(signer, obj),
                         key_id=public_key_b64(signer), received_at=moment, kind=CASTER_CHANGE,
                         chain=meeting.record_version)
    row = BallotEntry(community_id=meeting.community_id, meeting_id=meeting.id, position=entry.position,
                      kind=entry.kind, voter="", ballot=dict(entry.ballot), ballot_hash=entry.ballot_hash,
                      nonce=obj["nonce"], signature=entry.signature, key_id=entry.key_id, user_id=None,
                      received_at=entry.received_at, prev_hash=entry.prev_hash, chain_hash=entry.chain_hash)
    db.session.add(row)
    meeting.ledger_length, meeting.ledger_head = entry.position, entry.chain_hash
    if action == "add":
        db.session.add(RollCaster(community_id=meeting.community_id, meeting_id=meeting.id, user_id=account,
                                  roll_person_id=person.id))
    else:
        db.session.execute(delete(RollCaster).where(RollCaster.meeting_id == meeting.id,
                                                    RollCaster.roll_person_id == person.id,
                                                    RollCaster.user_id == account))
    db.session.flush()
    return row


def discard_caster_changes(meeting: Meeting) -> int:
    """A voided notice (R10, before voting opens) discards its roll, so the caster changes made against that
    roll leave the ledger with it (each is also in the audit log, ``meeting.caster_change``); the next
    publication starts a new ledger. A ledger that holds anything else is left as it is (the app voids a
    notice only before voting opens; the number discarded is then 0)."""
    kinds = set(db.session.scalars(select(BallotEntry.kind).where(BallotEntry.meeting_id == meeting.id).distinct()))
    if not kinds or kinds - {CASTER_CHANGE}:
        return 0
    n = db.session.execute(delete(BallotEntry).where(BallotEntry.meeting_id == meeting.id)).rowcount
    meeting.ledger_length, meeting.ledger_head = 0, GENESIS_HASH
    return n


def _has_own_ballot(meeting_id: int, person: str) -> bool:
    return bool(db.session.scalar(select(exists().where(
        BallotEntry.meeting_id == meeting_id, BallotEntry.voter == person, BallotEntry.delegation_hash.is_(None)))))


def _owner_refs(community_id: int, account: int) -> set[str]:
    return set(db.session.scalars(select(Owner.ref).where(Owner.community_id == community_id,
                                                          Owner.user_id == account)))


def _reason_added(meeting: Meeting, person: RollPerson, account: int) -> str | None:
    """Why ``account`` is added to ``person``'s casters, or ``None`` when it may not be (a buyer after the
    person voted: the seller's ballot stands, R6)."""
    if person.register_person == DEVELOPER_ID:
        return "developer_representative"
    if _owner_refs(meeting.community_id, account) & set(person.owners):
        return "owner_confirmed"
    return None if _has_own_ballot(meeting.id, person.person) else "buyer"


def _reason_removed(person: RollPerson, account: int, units: list[str], owners: dict[str, set[int]]) -> str:
    if person.register_person == DEVELOPER_ID:
        return "developer_representative"
    return "designated" if _owns_any(account, units, owners) else "owner_left"


def _owns_any(account: int, units: Iterable[str], owners: dict[str, set[int]]) -> bool:
    return any(account in owners.get(u, ()) for u in units)


def person_units(person: RollPerson) -> list[str]:
    """The unit numbers of a frozen roll person."""
    return list(db.session.scalars(select(RollUnit.unit).where(RollUnit.roll_person_id == person.id)
                                   .order_by(RollUnit.unit)))


def by_unit_all(community_id: int) -> dict[str, set[int]]:
    """Unit number → every confirmed owner's account (designated or not)."""
    out: dict[str, set[int]] = defaultdict(set)
    for number, user_id in db.session.execute(
        select(Unit.number, Owner.user_id).join(Ownership, Ownership.unit_id == Unit.id)
        .join(Owner, Owner.id == Ownership.owner_id)
        .where(Unit.community_id == community_id, Owner.user_id.is_not(None), Owner.confirmed_at.is_not(None))
    ):
        out[number].add(user_id)
    return out


def sync_casters(meeting_id: int, *, signer: Ed25519PrivateKey, moment: datetime) -> list[BallotEntry]:
    """Bring who may cast for each person of an open meeting in line with the register (docs/meetings.md,
    "Who casts for a person"): under the meeting's lock, removals first, then additions, each a signed
    caster change. Returns the entries appended (none when nothing changed)."""
    meeting = lock_meeting(meeting_id)
    if meeting is None or meeting.roll_hash is None or meeting.published_at is None or meeting.closes_at <= moment:
        return []
    by_unit = unit_casters(meeting.community_id)
    owners = by_unit_all(meeting.community_id)
    reps = developer_representatives(meeting.community_id)
    persons = list(db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id)
                                      .order_by(RollPerson.id)))
    units_of: dict[int, list[str]] = defaultdict(list)
    for person_id, unit in db.session.execute(select(RollUnit.roll_person_id, RollUnit.unit)
                                              .where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.unit)):
        units_of[person_id].append(unit)
    current: dict[int, set[int]] = defaultdict(set)
    for row in db.session.scalars(select(RollCaster).where(RollCaster.meeting_id == meeting.id)):
        current[row.roll_person_id].add(row.user_id)
    out = []
    for person in persons:
        units = units_of[person.id]
        wanted = accounts_for(units, person.register_person == DEVELOPER_ID, by_unit, reps)
        for account in sorted(current[person.id] - wanted):
            reason = _reason_removed(person, account, units, owners)
            out.append(append_caster_change(meeting, person, account, "remove", reason, signer=signer, moment=moment))
        for account in sorted(wanted - current[person.id]):
            reason = _reason_added(meeting, person, account)
            if reason is not None:
                out.append(append_caster_change(meeting, person, account, "add", reason, signer=signer,
                                                moment=moment))
    return out


def check_first_caster(meeting_id: int, voter: str, account: int) -> None:
    """Under the meeting's lock, for a person that several accounts may cast for (co-owners with nobody
    designated: the first to cast is the caster): refuse ``not_designated`` when another account's own
    electronic ballot for ``voter`` is already in the ledger, or a paper ballot for it (a paper ballot does not
    say which co-owner signed it, so it binds the person to paper: :func:`check_paper_caster`)."""
    other = db.session.scalar(select(exists().where(
        BallotEntry.meeting_id == meeting_id, BallotEntry.voter == voter, BallotEntry.delegation_hash.is_(None),
        or_(and_(BallotEntry.kind == ELECTRONIC, BallotEntry.user_id != account), BallotEntry.kind == PAPER))))
    if other:
        raise not_designated()


def check_paper_caster(meeting_id: int, voter: str) -> None:
    """The first-caster rule for paper ballots (vector L1 on paper): when several accounts may cast for
    ``voter`` now (co-owners with nobody designated) and one of them already cast an electronic ballot of its
    own, that account is the person's caster for the meeting, so a paper ballot for the person is refused
    ``not_designated`` (the paper cannot show that the same co-owner signed it). Called when a paper ballot is
    entered and again under the meeting's lock when it is attested; ``govern verify`` applies the same rule
    (:meth:`govern.core.casters.CasterList.claim_paper`)."""
    casters = db.session.scalar(select(func.count(RollCaster.id)).join(
        RollPerson, RollPerson.id == RollCaster.roll_person_id).where(
        RollCaster.meeting_id == meeting_id, RollPerson.meeting_id == meeting_id, RollPerson.person == voter))
    if (casters or 0) < 2:
        return
    if db.session.scalar(select(exists().where(
            BallotEntry.meeting_id == meeting_id, BallotEntry.voter == voter, BallotEntry.kind == ELECTRONIC,
            BallotEntry.delegation_hash.is_(None)))):
        raise not_designated()


def check_not_caster(meeting_id: int, voter: str, account: int) -> None:
    """For an account that is not a caster of ``voter``: ``not_designated`` when it was one of the person's
    owners at the freeze and still owns one of its units (a co-owner the co-owners did not designate); else
    nothing (the caller refuses ``not_eligible``: a seller, or a buyer after the seller voted)."""
    person = db.session.scalar(select(RollPerson).where(RollPerson.meeting_id == meeting_id,
                                                        RollPerson.person == voter))
    if person is None or person.register_person == DEVELOPER_ID:
        return
    co_owner = _owner_refs(person.community_id, account) & set(person.owners)  # an owner at the freeze ...
    if co_owner and _owns_any(account, person_units(person), by_unit_all(person.community_id)):  # ... and now
        raise not_designated()


def not_designated() -> DomainError:
    return DomainError("not_designated", _("Another co-owner casts for this unit in this meeting."), status=403)
