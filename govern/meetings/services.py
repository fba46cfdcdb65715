"""Meeting use cases: owner keys, drafting and publishing a meeting (freezing the roll), casting, participation.

Every rule that decides an outcome lives in ``govern.core``; these functions load rows, call
the core, store and log. They flush and never commit: the view commits once (for a cast, before
the receipt is built, so a receipt always names a committed entry).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, exists, insert, literal_column, select, union_all, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.session import make_transient_to_detached

from govern import clock
from govern.accounts.models import RoleGrant
from govern.accounts.services import verify_password
from govern.audit.services import record
from govern.core.ballot import MeetingContext, RevisionPolicy, check_ballot, check_ballot_state, format_time
from govern.core.keys import is_public_key, key_fingerprint
from govern.core.ledger import LedgerEntry, append_entry, counting_ballots
from govern.core.persons import build_persons
from govern.core.procedure import NoticeReading, notice_period
from govern.core.register import UnitRecord
from govern.core.register import UnitStatus as CoreUnitStatus
from govern.core.roll import Roll, build_roll, new_salt, person_pseudonym, roll_hash
from govern.core.roll import RollPerson as CoreRollPerson
from govern.core.roll import RollUnit as CoreRollUnit
from govern.core.rules import Count, InvalidPolicy, Matter, quorum_legs
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings.models import (
    BallotEntry,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Motion,
    OwnerKey,
    RollCaster,
    RollPerson,
    RollUnit,
)
from govern.register.models import Building, Community, Owner, Ownership, Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Statuses of cast rejections (the code names come from ``govern.core.ballot.Rejection``).
REJECTION_STATUS = {
    "bad_request": 400,
    "bad_signature": 400,
    "wrong_meeting": 400,
    "wrong_roll": 400,
    "unknown_motion": 400,
    "stale_ballot": 400,
    "unknown_key": 400,
    "not_eligible": 403,
    "revoked_key": 403,
    "window_not_open": 409,
    "window_closed": 409,
    "already_voted": 409,
    "replay": 409,
}


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in Asia/Shanghai (R9 counts calendar days there)."""
    return moment.astimezone(SHANGHAI).date()


# --------------------------------------------------------------------------- owner keys


def active_key(user) -> OwnerKey | None:
    """The account's active (unrevoked) key, if any."""
    return db.session.scalar(
        select(OwnerKey).where(OwnerKey.user_id == user.id, OwnerKey.revoked_at.is_(None)).order_by(OwnerKey.id.desc())
    )


def key_history(user) -> list[OwnerKey]:
    """Every key ever enrolled to the account, newest first."""
    return list(db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == user.id).order_by(OwnerKey.id.desc())))


def enroll_key(user, data: dict, *, actor, is_demo: bool = False, check_pw: bool = True) -> OwnerKey:
    """Enrol an Ed25519 public key to ``user``; the previous active key is revoked. Both are logged.

    ``data``: ``{"public_key": <b64url raw 32 bytes>, "password": <the account password>}``.
    Codes: ``unauthorized`` (401, wrong password), ``bad_key`` (400).
    """
    if check_pw:
        password = data.get("password")
        if not isinstance(password, str) or not verify_password(user, password):  # the sign-in throttle
            raise DomainError("unauthorized", _("The password is wrong."), status=401)
    public = data.get("public_key")
    if not is_public_key(public):
        raise DomainError("bad_key", _("This is not an Ed25519 public key (base64url of 32 bytes)."), status=400)
    if db.session.scalar(select(OwnerKey.id).where(OwnerKey.public_key == public)) is not None:
        raise DomainError("bad_key", _("This key has already been enrolled. Make a new key on your device."),
                          status=400)
    moment = clock.now()
    for old in db.session.scalars(select(OwnerKey).where(OwnerKey.user_id == user.id, OwnerKey.revoked_at.is_(None))):
        old.revoked_at = moment
        old.revoked_reason = "replaced"
        record("key.revoke", actor=actor, obj=old, data={"user": user.id, "key_id": old.public_key,
                                                          "fingerprint": old.fingerprint, "reason": "replaced"})
    key = OwnerKey(user_id=user.id, public_key=public, fingerprint=key_fingerprint(public), is_demo=is_demo,
                   created_at=moment)
    db.session.add(key)
    db.session.flush()
    record("key.enroll", actor=actor, obj=key, data={"user": user.id, "key_id": public,
                                                     "fingerprint": key.fingerprint, "demo": is_demo})
    return key


# --------------------------------------------------------------------------- drafting


@dataclass
class MotionData:
    title: str
    text: str = ""
    matter: str = Matter.ORDINARY.value
    proposal_id: int | None = None


@dataclass
class MeetingData:
    title: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    description: str = ""
    kind: str = MeetingKind.REGULAR.value
    scope_buildings: list[str] | None = None
    revision_policy: str = RevisionPolicy.SINGLE_CAST.value
    invalid_policy: str = InvalidPolicy.AS_ABSTAIN.value
    motions: list[MotionData] = field(default_factory=list)


def _validate(community: Community, data: MeetingData) -> None:
    problems = {}
    if not data.title.strip():
        problems["title"] = _("A title is required.")
    for name in ("opens_at", "closes_at"):
        value = getattr(data, name)
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise DomainError("bad_request", _("The voting window needs aware times."))
    if data.closes_at <= data.opens_at:
        problems["closes_at"] = _("Voting must close after it opens.")
    if data.kind not in {k.value for k in MeetingKind}:
        problems["kind"] = _("Unknown meeting kind.")
    if data.revision_policy not in {p.value for p in RevisionPolicy}:
        problems["revision_policy"] = _("Unknown revision policy.")
    if data.invalid_policy not in {p.value for p in InvalidPolicy}:
        problems["invalid_policy"] = _("Unknown invalid-ballot policy.")
    if data.scope_buildings is not None:
        codes = set(db.session.scalars(select(Building.code).where(Building.community_id == community.id)))
        unknown = sorted(set(data.scope_buildings) - codes)
        if not data.scope_buildings or unknown:
            problems["scope"] = _("Unknown building(s): %(codes)s", codes=", ".join(unknown) or "-")
    for i, m in enumerate(data.motions, start=1):
        if not m.title.strip():
            problems[f"motion{i}"] = _("Motion %(n)d needs a title.", n=i)
        if m.matter not in {x.value for x in Matter}:
            problems[f"motion{i}"] = _("Motion %(n)d has an unknown matter class.", n=i)
    if problems:
        raise DomainError("invalid", " ".join(str(v) for v in problems.values()), status=400, details=problems)


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.title = data.title.strip()
    meeting.description = data.description.strip()
    meeting.kind = data.kind
    meeting.scope_buildings = sorted(set(data.scope_buildings)) if data.scope_buildings else None
    meeting.opens_at = data.opens_at
    meeting.closes_at = data.closes_at
    meeting.revision_policy = data.revision_policy
    meeting.invalid_policy = data.invalid_policy
    meeting.updated_at = clock.now()
    meeting.motions.clear()
    db.session.flush()
    for i, m in enumerate(data.motions, start=1):
        meeting.motions.append(Motion(community_id=meeting.community_id, position=i, title=m.title.strip(),
                                      text=m.text.strip(), matter=m.matter, proposal_id=m.proposal_id))


def _snapshot(meeting: Meeting) -> dict:
    return {
        "title": meeting.title, "kind": meeting.kind, "scope": meeting.scope_buildings,
        "opens_at": format_time(meeting.opens_at), "closes_at": format_time(meeting.closes_at),
        "revision_policy": meeting.revision_policy, "invalid_policy": meeting.invalid_policy,
        "motions": [{"title": m.title, "matter": m.matter, "proposal_id": m.proposal_id} for m in meeting.motions],
    }


def create_meeting(community: Community, data: MeetingData, *, actor, convener: str = "committee") -> Meeting:
    """Draft a meeting with its motions (R11: ``convener`` "street_office" when the auditor convenes)."""
    _validate(community, data)
    meeting = Meeting(community_id=community.id, created_by_id=actor.id if actor else None, convener=convener,
                      title="", opens_at=data.opens_at, closes_at=data.closes_at, created_at=clock.now())
    db.session.add(meeting)
    _apply(meeting, data)
    db.session.flush()
    record("meeting.create", actor=actor, community=community, obj=meeting, data=_snapshot(meeting))
    return meeting


def update_meeting(meeting: Meeting, data: MeetingData, *, actor) -> Meeting:
    """Edit a draft or an announced meeting. Editing a published notice voids it (R10): back to draft,
    roll discarded, logged; a new publication restarts the notice period. Refused once voting opened."""
    if meeting.status in (MeetingStatus.OPEN, MeetingStatus.CLOSED):
        raise DomainError("locked", _("Voting has opened: the meeting can no longer be edited."), status=409)
    _validate(meeting.community, data)
    if meeting.is_published:
        void_notice(meeting, actor=actor, reason="edited")
    _apply(meeting, data)
    db.session.flush()
    record("meeting.update", actor=actor, community=meeting.community_id, obj=meeting, data=_snapshot(meeting))
    return meeting


def void_notice(meeting: Meeting, *, actor, reason: str) -> None:
    """R10: the published notice is void; the meeting is a draft again and its frozen roll is discarded."""
    old_hash = meeting.roll_hash
    for model in (RollCaster, RollUnit, RollPerson):
        db.session.execute(delete(model).where(model.meeting_id == meeting.id))
    meeting.published_at = None
    meeting.notice_date = None
    meeting.roll_hash = None
    meeting.roll_frozen_at = None
    meeting.total_area = 0
    meeting.total_persons = 0
    meeting.void_count += 1
    db.session.flush()
    record("meeting.notice_void", actor=actor, community=meeting.community_id, obj=meeting,
           data={"reason": reason, "roll_hash": old_hash})


def publish_meeting(meeting: Meeting, *, actor) -> Meeting:
    """Publish the notice: check R9, lock the motion texts, freeze the roll (R6) and record its hash."""
    if meeting.is_published:
        raise DomainError("already_published", _("The notice is already published."), status=409)
    if not meeting.motions:
        raise DomainError("no_motions", _("Add at least one motion before publishing."), status=400)
    moment = clock.now()
    community = meeting.community
    reading = NoticeReading(community.setting("notice_rule") or "conservative")
    notice_days = int(community.setting("notice_days") or 15)
    if meeting.kind == MeetingKind.INTERIM and community.setting("interim_notice_days"):
        notice_days = int(community.setting("interim_notice_days"))
    check = notice_period(notice_date=local_date(moment), opens=local_date(meeting.opens_at), reading=reading,
                          notice_days=notice_days)
    if not check.ok:
        raise DomainError(
            "notice_too_short",
            _("The notice period is too short (%(reason)s): %(days)d days between the notice and the opening, "
              "%(required)d required under the %(reading)s reading. Voting may open on %(earliest)s at the earliest.",
              reason=check.reason, days=check.days, required=check.required_days, reading=reading.value,
              earliest=check.earliest_opening.isoformat()),
            status=400,
            details={"reason": check.reason, "days": check.days, "required_days": check.required_days,
                     "earliest_opening": check.earliest_opening.isoformat()},
        )
    meeting.published_at = moment
    meeting.published_by_id = actor.id if actor else None
    meeting.notice_date = local_date(moment)
    meeting.notice_rule = reading.value
    roll = freeze_roll(meeting, moment)
    record("meeting.publish", actor=actor, community=community, obj=meeting,
           data={**_snapshot(meeting), "roll_hash": meeting.roll_hash, "total_area": roll.total_area,
                 "total_persons": roll.total_persons, "notice_date": meeting.notice_date.isoformat(),
                 "notice_rule": reading.value,
                 "motion_texts": {str(m.id): m.text for m in meeting.motions}})
    return meeting


def _unit_records(community_id: int) -> tuple[list[UnitRecord], dict[str, Unit]]:
    units = list(db.session.scalars(
        select(Unit).where(Unit.community_id == community_id)
        .options(selectinload(Unit.building), selectinload(Unit.ownerships).selectinload(Ownership.owner))
    ))
    records = [
        UnitRecord(unit=u.number, building=u.building.code, area=u.area, status=CoreUnitStatus(u.status.value),
                   owners=tuple(sorted(o.owner.ref for o in u.ownerships)), area_source=u.area_source,
                   counts=u.counts_for_voting)
        for u in units
    ]
    return records, {u.number: u for u in units}


def freeze_roll(meeting: Meeting, moment: dt.datetime) -> Roll:
    """Freeze the eligibility roll into the snapshot tables and set ``meeting.roll_hash`` (R4–R6, R14).

    Casters of a person are the confirmed owner accounts of its owners; their active keys are
    recorded as enrolled at freeze time.
    """
    records, _units = _unit_records(meeting.community_id)
    persons = build_persons(records, buildings=meeting.scope_buildings)
    if not persons.persons:
        raise DomainError("empty_roll", _("Nobody in this scope can vote: check the scope and the register."),
                          status=400)
    by_unit = {r.unit: r for r in records}
    owners = {
        o.ref: o for o in db.session.scalars(select(Owner).where(Owner.community_id == meeting.community_id))
    }
    keys: dict[int, str] = {
        k.user_id: k.public_key for k in db.session.scalars(select(OwnerKey).where(OwnerKey.revoked_at.is_(None)))
    }
    secret = secrets.token_bytes(32)
    meeting.roll_secret = secret.hex()
    core_persons = []
    for p in persons.persons:
        casters = sorted(
            {str(owners[ref].user_id) for ref in p.owners
             if ref in owners and owners[ref].user_id is not None and owners[ref].confirmed_at is not None},
            key=int,
        )
        units = tuple(CoreRollUnit(u, by_unit[u].building, by_unit[u].area, by_unit[u].area_source) for u in p.units)
        core_persons.append(CoreRollPerson(
            person=person_pseudonym(secret, str(meeting.id), p.id),
            area=p.area,
            casters=tuple(casters),
            keys=tuple(keys[int(c)] for c in casters if int(c) in keys),
            buildings=tuple(sorted(p.building_set)),
            owners=p.owners,
            units=units,
            salt=new_salt(os.urandom),
        ))
    register_ids = {cp.person: p.id for cp, p in zip(core_persons, persons.persons, strict=True)}
    roll = build_roll(community=str(meeting.community_id), meeting=str(meeting.id), frozen_at=format_time(moment),
                      persons=core_persons, buildings=meeting.scope_buildings)
    for cp in roll.persons:
        row = RollPerson(community_id=meeting.community_id, meeting_id=meeting.id, person=cp.person,
                         register_person=register_ids[cp.person], area=cp.area, weight=cp.weight,
                         buildings=list(cp.buildings), owners=list(cp.owners), casters=list(cp.casters),
                         keys=list(cp.keys), salt=cp.salt)
        db.session.add(row)
        db.session.flush()
        for u in cp.units:
            db.session.add(RollUnit(community_id=meeting.community_id, meeting_id=meeting.id, roll_person_id=row.id,
                                    unit=u.unit, building=u.building, area=u.area, area_source=u.area_source))
        for c in cp.casters:
            db.session.add(RollCaster(community_id=meeting.community_id, meeting_id=meeting.id, user_id=int(c),
                                      roll_person_id=row.id))
    meeting.roll_hash = roll_hash(roll)
    meeting.roll_frozen_at = moment
    meeting.total_area = roll.total_area
    meeting.total_persons = roll.total_persons
    db.session.flush()
    return roll


def load_roll(meeting: Meeting) -> Roll:
    """The frozen roll of ``meeting`` rebuilt from the snapshot tables (its hash equals ``meeting.roll_hash``)."""
    persons = list(db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id)))
    units: dict[int, list[RollUnit]] = defaultdict(list)
    for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.id)):
        units[u.roll_person_id].append(u)
    core = [
        CoreRollPerson(person=p.person, area=p.area, casters=tuple(p.casters), keys=tuple(p.keys),
                       buildings=tuple(p.buildings), weight=p.weight, owners=tuple(p.owners), salt=p.salt,
                       units=tuple(CoreRollUnit(u.unit, u.building, u.area, u.area_source) for u in units[p.id]))
        for p in persons
    ]
    return build_roll(community=str(meeting.community_id), meeting=str(meeting.id),
                      frozen_at=format_time(meeting.roll_frozen_at), persons=core, buildings=meeting.scope_buildings)


# --------------------------------------------------------------------------- the voter


def persons_for(meeting: Meeting, user) -> list[RollPerson]:
    """The roll persons ``user`` may cast for in ``meeting`` (usually one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(RollPerson).join(RollCaster, RollCaster.roll_person_id == RollPerson.id)
        .where(RollCaster.meeting_id == meeting.id, RollCaster.user_id == user.id).order_by(RollPerson.id)
    ))


def has_voted(meeting_id: int, person: str, *, by_proxy: bool = False) -> bool:
    """The person cast a ballot themselves (electronic or paper); with ``by_proxy``, a proxy cast one for them.

    A proxy's ballot does not stop the owner from voting: their own ballot then counts instead (R15).
    """
    kind = BallotEntry.delegation_hash.is_not(None) if by_proxy else BallotEntry.delegation_hash.is_(None)
    return db.session.scalar(
        select(exists().where(BallotEntry.meeting_id == meeting_id, BallotEntry.voter == person, kind))
    )


def voter_summary(meeting: Meeting, user) -> dict[str, Any] | None:
    """The dict of ``GET /api/v1/meetings/{id}/me``; ``None`` when the caller is not on the roll."""
    persons = persons_for(meeting, user)
    if not persons:
        return None
    person = persons[0]
    units = db.session.scalars(select(RollUnit).where(RollUnit.roll_person_id == person.id).order_by(RollUnit.unit))
    out: dict[str, Any] = {
        "voter": person.person,
        "area": person.area,
        "area_display": f"{person.area // 100}.{person.area % 100:02d}",
        "persons": person.weight,
        "units": [{"unit": u.unit, "building": u.building, "area": u.area, "area_source": u.area_source}
                  for u in units],
        "has_voted": has_voted(meeting.id, person.person),
        "voted_by_proxy": has_voted(meeting.id, person.person, by_proxy=True),
    }
    key = active_key(user)
    if key is not None:
        out["key_id"] = key.key_id
    return out


def ballot_context(meeting: Meeting, voter: str) -> dict[str, Any]:
    """What the browser needs to build a ``govern.ballot.v1``: ids as the ballot must carry them."""
    return {
        "community": str(meeting.community_id),
        "meeting": str(meeting.id),
        "roll_hash": meeting.roll_hash or "",
        "voter": voter,
        "motions": [str(m.id) for m in meeting.motions],
    }


# --------------------------------------------------------------------------- casting


def lock_meeting(meeting_id: int) -> Meeting | None:
    """Lock the meeting row for the rest of the transaction: ``SELECT … FOR UPDATE`` on PostgreSQL.

    SQLite has no row locks; an UPDATE first takes its database write lock at once, so the
    reads that follow see the last committed ledger head and no other writer can interleave.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Meeting).where(Meeting.id == meeting_id).values(ledger_length=Meeting.ledger_length))
        meeting = db.session.get(Meeting, meeting_id, populate_existing=True)
    else:
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.id == meeting_id).with_for_update().execution_options(populate_existing=True)
        )
    return meeting


# The casting path runs statements built once at import (bound parameters, no ORM work per cast): building a
# SQLAlchemy statement anew and computing its cache key costs more than running it.
_meetings, _entries = Meeting.__table__, BallotEntry.__table__
_keys, _casters, _persons = OwnerKey.__table__, RollCaster.__table__, RollPerson.__table__
_grants = RoleGrant.__table__
#: The meeting columns a ballot is checked against.
_CONTEXT_COLUMNS = tuple(_meetings.c[name] for name in (
    "community_id", "published_at", "roll_hash", "opens_at", "closes_at", "revision_policy"))
#: ... and, under the row lock, the ledger head.
_HEAD_COLUMNS = _CONTEXT_COLUMNS + (_meetings.c.ledger_length, _meetings.c.ledger_head)

#: Before the lock, in one statement: the meeting, the signing key's owner and revocation, whether the caller
#: is a caster of the ballot's voter on the frozen roll, and whether the caller holds a role in the community
#: (the fast answer to "may the caller see this meeting"; anything else takes the full access check).
_CAST_CONTEXT = select(
    *_CONTEXT_COLUMNS, _keys.c.user_id, _keys.c.revoked_at,
    select(_casters.c.id).join(_persons, _casters.c.roll_person_id == _persons.c.id).where(
        _casters.c.meeting_id == _meetings.c.id, _casters.c.user_id == bindparam("user_id"),
        _persons.c.meeting_id == _meetings.c.id, _persons.c.person == bindparam("voter"),
    ).exists().label("on_roll"),
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
                  "attestation", "delegation_hash")
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


def _motion_ids(meeting_id: int, roll_hash: str | None) -> frozenset[str]:
    """The meeting's motion ids, cached per process by ``(meeting, roll hash)``.

    Motions are locked from publication; an edit voids the notice, which discards the roll and a
    new publication freezes a roll with a new hash, so a stale entry is never looked up again.
    Drafts (no roll hash) are not cached.
    """
    cache = current_app.extensions.setdefault("govern_cast_motions", {})
    key = (meeting_id, roll_hash)
    ids = cache.get(key)
    if ids is None:
        ids = frozenset(str(i) for i in db.session.scalars(select(Motion.id).where(Motion.meeting_id == meeting_id)))
        if roll_hash:
            if len(cache) >= 1024:
                cache.clear()
            cache[key] = ids
    return ids


def _context(meeting_id: int, row) -> MeetingContext:
    """What ``check_ballot`` checks a ballot against, from the meeting's :data:`_CONTEXT_COLUMNS` (or the row)."""
    return MeetingContext(
        community=str(row.community_id), meeting=str(meeting_id), roll_hash=row.roll_hash or "",
        motion_ids=_motion_ids(meeting_id, row.roll_hash), opens_at=row.opens_at, closes_at=row.closes_at,
        policy=RevisionPolicy(row.revision_policy),
    )


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


def _reject(code: str, message: str) -> DomainError:
    return DomainError(code, message, status=REJECTION_STATUS.get(code, 400))


@dataclass(frozen=True)
class Caster:
    """Who signs a cast and whether they may cast for the ballot's voter: what ``check_ballot`` needs from the DB."""

    #: The key that must have signed the ballot (the caller's active key).
    public_key: str
    #: The caller is a caster of ``ballot.voter`` on the meeting's frozen roll (or their accepted proxy).
    is_eligible: bool
    #: For a proxy's cast: the accepted delegation (``govern.record.models.Delegation``) it is cast under.
    delegation: Any = None


def caster_for(meeting_id: int, actor, key_id: str, voter: Any, row) -> Caster:
    """Decide the signing key and the voter's eligibility for a cast from the :data:`_CAST_CONTEXT` row.

    The key must be enrolled to ``actor`` (``unknown_key``) and not revoked (``revoked_key``);
    ``actor`` must be a caster of ``voter`` on the frozen roll, or the voter's accepted proxy (R15).
    This is the one place where who may cast for whom is decided.
    """
    if row.user_id is None or row.user_id != actor.id:
        raise _reject("unknown_key", _("This key is not enrolled to your account."))
    if row.revoked_at is not None:
        raise _reject("revoked_key", _("This key was revoked. Use your current key."))
    if not row.on_roll:  # not on the roll for this voter: the caller may be the voter's accepted proxy
        from govern.record.proxies import delegation_for_cast

        delegation = delegation_for_cast(meeting_id, actor.id, voter)
        if delegation is not None:
            return Caster(public_key=key_id, is_eligible=True, delegation=delegation)
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
    signature, window: bad requests never queue), then under the meeting's row lock
    (:func:`_lock_head`) against the ledger as committed (replay, single-cast) and the clock; in
    full again only if the meeting changed in between. Nothing is stored on rejection. The caller
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
        raise _reject("bad_request", _("The body must be {\"ballot\", \"signature\", \"key_id\"}."))
    if row.published_at is None:
        raise _reject("window_not_open", _("Voting has not opened yet."))
    caster = caster_for(meeting_id, actor, key_id, voter, row)
    context = _context(meeting_id, row)
    result = check_ballot(
        ballot, signature, context=context, public_key=caster.public_key, is_eligible=caster.is_eligible,
        seen_nonces=(), seen_hashes=(), has_voted=False, now=clock.now(),
    )
    if not result.ok:
        raise _reject(str(result.code), result.message)
    head = _lock_head(meeting_id)
    if head is None or head.published_at is None:
        raise _reject("window_not_open", _("Voting has not opened yet."))
    moment = clock.now()
    delegation = caster.delegation
    if delegation is not None:  # a proxy's ballot: revoked, lapsed, cap and instructions, under the lock
        from govern.record.proxies import check_proxy_ballot

        check_proxy_ballot(meeting or db.session.get(Meeting, meeting_id), delegation, ballot, actor=actor,
                           now=moment)
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
        raise _reject(str(result.code), result.message)
    entry = append_entry(head.ledger_head, head.ledger_length + 1, ballot=ballot, signature=signature,
                         key_id=caster.public_key, received_at=moment,
                         delegation=None if delegation is None else delegation.envelope,
                         known_ballot_hash=result.object_hash)
    values = dict(
        community_id=head.community_id, meeting_id=meeting_id, position=entry.position, kind=entry.kind,
        voter=entry.voter, ballot=dict(entry.ballot), ballot_hash=entry.ballot_hash, nonce=ballot["nonce"],
        signature=entry.signature, key_id=entry.key_id, user_id=actor.id, received_at=entry.received_at,
        prev_hash=entry.prev_hash, chain_hash=entry.chain_hash,
        delegation=None if entry.delegation is None else dict(entry.delegation), attestation=None,
        delegation_hash=None if delegation is None else delegation.delegation_hash,
    )
    return Cast(entry=entry, id=_append(values), values=values)


def meeting_for(meeting_id: int, user) -> Meeting:
    """The meeting ``user`` may see (:func:`govern.meetings.access.visible_meeting`), else ``not_found`` (404)."""
    from govern.meetings.access import visible_meeting

    meeting = visible_meeting(meeting_id, user)
    if meeting is None:
        raise DomainError("not_found", _("There is no such meeting."), status=404)
    return meeting


def ledger_entries(meeting: Meeting) -> list[LedgerEntry]:
    """The meeting's ledger as core entries, in position order."""
    rows = db.session.scalars(select(BallotEntry).where(BallotEntry.meeting_id == meeting.id)
                              .order_by(BallotEntry.position))
    return [to_core_entry(r) for r in rows]


def to_core_entry(row: BallotEntry) -> LedgerEntry:
    return LedgerEntry(position=row.position, kind=row.kind, ballot=row.ballot, ballot_hash=row.ballot_hash,
                       signature=row.signature, key_id=row.key_id, received_at=row.received_at,
                       prev_hash=row.prev_hash, chain_hash=row.chain_hash, delegation=row.delegation,
                       attestation=row.attestation)


def counting(meeting: Meeting) -> dict[str, LedgerEntry]:
    """Which entry counts for each voter (``core.ledger.counting_ballots``)."""
    return counting_ballots(ledger_entries(meeting), meeting.revision_policy)


# --------------------------------------------------------------------------- participation


def floor_percent(part: int, total: int) -> int:
    """Integer percentage, floored (informative display only; never compared in a rule)."""
    return 0 if total <= 0 else (100 * part) // total


@dataclass
class Bar:
    label: str
    area: int
    total_area: int
    persons: int
    total_persons: int
    quorum_met: bool = False

    @property
    def area_pct(self) -> int:
        return floor_percent(self.area, self.total_area)

    @property
    def persons_pct(self) -> int:
        return floor_percent(self.persons, self.total_persons)


@dataclass
class Participation:
    overall: Bar
    buildings: list[Bar]
    #: Building code → list of (unit, area) not yet voted (door-to-door list).
    not_voted: dict[str, list[tuple[str, int]]]
    #: (unit, building, area) of participating homes.
    voted_homes: list[tuple[str, str, int]]


def participation(meeting: Meeting, voters: Iterable[str] | None = None) -> Participation:
    """Live participation by area and persons, overall (against the quorum, R18) and per building."""
    voted = set(voters) if voters is not None else set(
        db.session.scalars(select(BallotEntry.voter).where(BallotEntry.meeting_id == meeting.id).distinct())
    )
    persons = {p.id: p for p in db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == meeting.id))}
    p_area = sum(p.area for p in persons.values() if p.person in voted)
    p_count = sum(1 for p in persons.values() if p.person in voted)
    quorum = quorum_legs(Count(p_area, p_count), Count(meeting.total_area, meeting.total_persons)).holds \
        if meeting.total_persons else False
    overall = Bar("", p_area, meeting.total_area, p_count, meeting.total_persons, quorum)
    per: dict[str, dict] = defaultdict(lambda: {"area": 0, "t_area": 0, "persons": set(), "t_persons": set()})
    not_voted: dict[str, list[tuple[str, int]]] = defaultdict(list)
    homes = []
    for u in db.session.scalars(select(RollUnit).where(RollUnit.meeting_id == meeting.id).order_by(RollUnit.unit)):
        person = persons[u.roll_person_id]
        b = per[u.building]
        b["t_area"] += u.area
        b["t_persons"].add(person.id)
        if person.person in voted:
            b["area"] += u.area
            b["persons"].add(person.id)
            homes.append((u.unit, u.building, u.area))
        else:
            not_voted[u.building].append((u.unit, u.area))
    bars = [Bar(code, v["area"], v["t_area"], len(v["persons"]), len(v["t_persons"]))
            for code, v in sorted(per.items())]
    return Participation(overall, bars, dict(sorted(not_voted.items())), homes)
