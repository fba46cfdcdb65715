"""Build a meeting's record archive (docs/record-format.md) from the database with ``core.archive.build_record``.

Interim while voting is open or before every motion has a signed result (no ``result.json``);
final afterwards. The auditor edition names each roll person's owners and units; the public
edition keeps only their salted digests (``build_record(public=True)``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from govern import clock
from govern.accounts.access import COMMITTEE
from govern.accounts.models import Role, RoleGrant
from govern.ballots.ledger import ledger_entries
from govern.ballots.models import (
    BallotEntry,
    Delegation,
    Meeting,
    MeetingStatus,
    MotionResult,
    OwnerKey,
    PaperBallot,
    RollPerson,
)
from govern.ballots.proxies import proxy_cap
from govern.ballots.sealed_box import entry_grace, sealed_box_json, signer_accounts
from govern.core.archive import AUDITOR, PUBLIC, build_record
from govern.core.ballot import format_time
from govern.core.ledger import ELECTRONIC, PAPER, counting_ballots
from govern.core.rules import Matter
from govern.extensions import db
from govern.meetings import extension, lifecycle, scrutineers
from govern.meetings import results as results_mod
from govern.meetings.roll import load_roll
from govern.meetings.rollview import objections_json as roll_objections_json
from govern.meetings.serverkey import server_private_key
from govern.record.models import Certification
from govern.record.objections import objections_json as result_objections_json

EDITIONS = (AUDITOR, PUBLIC)
#: ``check_ballot``'s default tolerance between a ballot's ``issued_at`` and its arrival.
CLOCK_TOLERANCE_SECONDS = 600


def meeting_json(meeting: Meeting) -> dict:
    persons = None
    motions = []
    for m in meeting.motions:
        item = {"id": str(m.id), "title": m.title, "matter": m.matter}
        if m.matter == Matter.UNANIMOUS_INTERESTED.value:
            # the persons the app tallied the art. 279 motion over (govern.meetings.results)
            if persons is None:
                persons = sorted(db.session.scalars(select(RollPerson.person)
                                                    .where(RollPerson.meeting_id == meeting.id)))
            item["interested_persons"] = results_mod.motion_interested(meeting, m, persons)
        motions.append(item)
    return {
        "type": "govern.meeting.v1",
        "community": str(meeting.community_id),
        "meeting": str(meeting.id),
        "title": meeting.title,
        "roll_hash": meeting.roll_hash or "",
        "opens_at": format_time(meeting.opens_at),
        "closes_at": format_time(meeting.closes_at),
        "revision_policy": meeting.revision_policy,
        "invalid_policy": meeting.invalid_policy,
        "clock_tolerance_seconds": CLOCK_TOLERANCE_SECONDS,
        "proxy_cap": proxy_cap(meeting.community),
        "deemed_consent": meeting.deemed_consent,
        "countersignature_rule": lifecycle.countersignature_rule(meeting),
        **convening_json(meeting),
        "motions": motions,
        **({} if meeting.agenda is None else {"agenda": meeting.agenda, "agenda_hash": meeting.agenda_hash,
                                              "paper": paper_json(meeting)}),
        **({"roll_objections": objections} if (objections := roll_objections_json(meeting)) else {}),
        **result_objections_json(meeting),
        **({"convener": meeting.convener, "convening_reason": meeting.convening_reason}
           if meeting.convener == "street_office" else {}),
        **({"extensions": items} if (items := extension.extensions_json(meeting)) else {}),
        **({} if meeting.window_min_days is None else {
            "window_bounds": {"min_days": meeting.window_min_days, "max_days": meeting.window_max_days}}),
    }


def paper_json(meeting: Meeting) -> dict:
    """meeting.json's ``paper`` (v2 records): the grace period and the sealed-box declaration, if any."""
    return {"entry_grace_seconds": int(entry_grace(meeting).total_seconds()), "sealed_box": sealed_box_json(meeting)}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def convening_json(meeting: Meeting) -> dict:
    """``meeting.json``'s ``convening_body`` (who convened, and each member's account with the dates they held the
    role) and ``scrutineers`` (each named scrutineer with the dates they were named and, if so, removed)."""
    members = [{"account": str(g.user_id), "from": format_time(g.granted_at), "until": _time(g.revoked_at)}
               for g in scrutineers.convening_grants(meeting)]
    named = [{"account": str(r.user_id), "named_at": format_time(r.named_at), "removed_at": _time(r.removed_at)}
             for r in scrutineers.scrutineer_rows(meeting)]
    return {"convening_body": {"convener": meeting.convener or "committee", "members": members},
            "scrutineers": named}


def _role_holders(meeting: Meeting, roles) -> list[str]:
    """Accounts holding one of ``roles`` in the community at any time since the notice was published."""
    since = meeting.published_at or meeting.created_at
    rows = db.session.scalars(
        select(RoleGrant.user_id).where(
            RoleGrant.community_id == meeting.community_id, RoleGrant.role.in_(list(roles)),
            (RoleGrant.revoked_at.is_(None)) | (RoleGrant.revoked_at >= since),
        )
    )
    return sorted({str(u) for u in rows}, key=int)


def keys_json(meeting: Meeting, roll, delegations: list[Delegation], results: list[MotionResult],
              built: datetime) -> dict:
    """``keys.json``: the enrolments of every account that may sign something in the record, limited to keys
    whose validity (extended to ``honoured_until`` for repaired keys) overlaps the meeting's window
    [roll frozen, ``built``], so no key event outside it can change the record (docs/record-format.md)."""
    committee = _role_holders(meeting, COMMITTEE)
    auditors = _role_holders(meeting, (Role.AUDITOR,))
    accounts = {int(a) for p in roll.persons for a in p.casters}
    accounts |= {int(a) for a in committee + auditors}
    accounts |= {d.proxy_user_id for d in delegations} | {d.principal_user_id for d in delegations}
    accounts |= set(db.session.scalars(select(BallotEntry.user_id).where(BallotEntry.meeting_id == meeting.id,
                                                                          BallotEntry.user_id.is_not(None))))
    for r in results:
        accounts |= {c.user_id for c in r.countersignatures}
    accounts |= set(db.session.scalars(select(Certification.user_id).where(Certification.meeting_id == meeting.id)))
    accounts |= signer_accounts(meeting)
    accounts |= set(db.session.scalars(select(PaperBallot.attested_by_id).where(
        PaperBallot.meeting_id == meeting.id, PaperBallot.attested_by_id.is_not(None))))
    start = meeting.roll_frozen_at or meeting.published_at or meeting.created_at
    keys = db.session.scalars(select(OwnerKey).where(
        OwnerKey.user_id.in_(sorted(accounts)), OwnerKey.created_at <= built,
        (OwnerKey.revoked_at.is_(None)) | (OwnerKey.revoked_at > start) | (OwnerKey.honoured_until > start),
    ).order_by(OwnerKey.id)) if accounts else []
    enrolments = [
        {"account": str(k.user_id), "public_key": k.public_key, "enrolled_at": format_time(k.created_at),
         "revoked_at": None if k.revoked_at is None else format_time(k.revoked_at),
         "issued_at": None if k.issued_at is None else format_time(k.issued_at), "proof": k.proof,
         "honoured_until": None if k.honoured_until is None else format_time(k.honoured_until)}
        for k in keys
    ]
    return {"type": "govern.keys.v1", "enrolments": enrolments, "committee": committee, "auditors": auditors}


def delegations_json(delegations: list[Delegation]) -> list[dict]:
    return [
        {"delegation": d.envelope, "received_at": format_time(d.received_at), "revocation": d.revocation,
         "revoked_at": None if d.revoked_at is None else format_time(d.revoked_at)}
        for d in delegations
    ]


def ballot_kinds(entries, policy: str) -> dict[str, int]:
    """Counted ballots of the whole meeting by kind, as ``verify_record`` reports them (``counted_by_kind``):
    ``{"electronic": n, "paper": n}``, proxy ballots being electronic. Per motion, the signed result
    document carries its own counts (``"ballots"``, ``govern.meetings.results``)."""
    kinds = [e.kind for e in counting_ballots(entries, policy).values()]
    return {ELECTRONIC: kinds.count(ELECTRONIC), PAPER: kinds.count(PAPER)}


def results_json(meeting: Meeting, results: list[MotionResult]) -> list[dict]:
    """The items of ``result.json``: each motion's signed result document (with its counts by kind),
    the server's signature, the committee's countersignatures and the street office's certifications."""
    certs: dict[int, list[Certification]] = {}
    for c in db.session.scalars(select(Certification).where(Certification.meeting_id == meeting.id)
                                .order_by(Certification.id)):
        certs.setdefault(c.result_id, []).append(c)
    out = []
    for r in sorted(results, key=lambda r: next(i for i, m in enumerate(meeting.motions) if m.id == r.motion_id)):
        out.append({
            "result": r.document,
            "server_signature": r.server_signature,
            "countersignatures": [{"key_id": c.key_id, "signature": c.signature,
                                   "signed_at": format_time(c.created_at)} for c in r.countersignatures],
            "certifications": [c.envelope for c in certs.get(r.id, [])],
        })
    return out


def is_final(meeting: Meeting) -> bool:
    """The record can carry results: the meeting reached the ``preliminary`` stage (every motion's result is
    signed, by ``govern tick``)."""
    if meeting.status is not MeetingStatus.CLOSED or not lifecycle.is_counted(meeting):
        return False
    done = db.session.scalar(select(db.func.count(MotionResult.id)).where(MotionResult.meeting_id == meeting.id))
    return done == len(meeting.motions)


def export_record(meeting: Meeting, *, edition: str = AUDITOR, created_at: datetime | None = None) -> bytes:
    """The record archive of a published meeting as zip bytes; reads only (results are signed by
    ``govern tick``, :mod:`govern.meetings.lifecycle`), so a GET may build it."""
    if edition not in EDITIONS:
        raise ValueError("edition must be 'auditor' or 'public'")
    if not meeting.is_published:
        raise ValueError("a draft meeting has no record")
    final = is_final(meeting)
    roll = load_roll(meeting)
    entries = ledger_entries(meeting)
    delegations = list(db.session.scalars(select(Delegation).where(Delegation.meeting_id == meeting.id)
                                          .order_by(Delegation.id)))
    results = results_mod.results_of(meeting) if final else []
    built = created_at or clock.now()
    return build_record(
        meeting=meeting_json(meeting),
        roll=roll,
        keys=keys_json(meeting, roll, delegations, results, built),
        delegations=delegations_json(delegations),
        ledger=entries,
        results=results_json(meeting, results) if final else None,
        server_private=server_private_key(),
        created_at=built,
        interim=not final,
        public=edition == PUBLIC,
        stage=lifecycle.stage_of(meeting),
        digest=edition == PUBLIC and meeting.record_version == 2,
    )


def record_filename(meeting: Meeting, edition: str) -> str:
    return f"meeting-{meeting.id}-record-{edition}.zip"
