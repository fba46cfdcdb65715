"""Results: computed once, when the meeting enters the ``preliminary`` stage (``govern.meetings.lifecycle``,
run by ``govern tick``), by ``govern.core.rules.tally``, signed by the server key, countersigned.

The result document (``govern.result.v1``; ``govern.result.v2`` for a meeting whose notice bound an agenda, with
``stage`` and ``agenda_hash`` more) is what every signature covers (RFC 8785 canonical bytes); it is built by
``govern.core.results.result_document`` alone::

    {"type": "govern.result.v1", "community": "12", "meeting": "345", "motion": "7",
     "motion_title": "...", "matter": "ordinary", "roll_hash": "<64 hex>",
     "ledger": {"length": 42, "head": "<chain_hash of the last entry>"},
     "closes_at": "2025-04-01T00:00:00Z", "revision_policy": "single-cast",
     "ballots": {"electronic": 30, "paper": 8, "proxy": 3},
     "result": TallyResult.to_json()}

With the community's deemed-consent clause (R24, ``Meeting.deemed_consent`` fixed at publication) the result
carries ``"deemed_consent"`` in the core's shape beside the unchanged strict fields (``TallyResult.to_json``):
informative, never the official result. An art. 279 motion carries ``"interested": {persons, agree}``.

``ballots`` counts the counting ballots that carry a mark on this motion, by how they reached the
ledger (``govern.core.results.motion_ballots``): ``electronic`` (signed by the owner on their device),
``proxy`` (signed by a proxy under a delegation), ``paper`` (entered and attested by two committee
members). The kinds are disjoint and add up to the motion's agree + oppose + abstain + invalid persons;
a ballot that leaves the motion out is not counted on it. ``govern verify`` recomputes them.

The server signs it at computation; each committee member countersigns the same bytes with
their enrolled key (``POST /api/v1/meetings/{id}/results/{motion_id}/countersign``).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.audit.services import log_action
from govern.ballots.ledger import counting, lock_meeting
from govern.ballots.models import Countersignature, Meeting, Motion, MotionResult, RollPerson
from govern.ballots.owner_keys import own_active_key
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.election_result import count_election_motion, election_entries
from govern.core.keys import sign, verify
from govern.core.results import meeting_fields, motion_ballots, result_document
from govern.core.rules import Choice, DeemedConsent, DeemedVariant, Matter, Vote, tally
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings.interested import interested_persons
from govern.meetings.scrutineers import can_countersign
from govern.meetings.serverkey import server_private_key, server_public_key


class _ElectionOutcome:
    """An election's count (``ElectionResult.to_json()``) where a motion's ``TallyResult`` goes: ``adopted``
    when a candidate is elected, ``reasons`` the quorum's failing legs."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.adopted = bool(data["elected"])
        self.reasons = tuple(data["reasons"])

    def to_json(self) -> dict:
        return self.data


def results_of(meeting: Meeting) -> list[MotionResult]:
    return list(db.session.scalars(
        select(MotionResult).where(MotionResult.meeting_id == meeting.id).order_by(MotionResult.motion_id)
    ))


def sign_results(meeting: Meeting, *, moment=None) -> list[MotionResult]:
    """Compute and sign every motion's result over the ledger head: the meeting enters ``preliminary``.

    Called only by :func:`govern.meetings.lifecycle.advance` (``govern tick``), never by a GET. Idempotent:
    the meeting row is locked, and a meeting already tallied (or not yet closed) is left as it is, so two
    ticks cannot both store a result. Returns the rows it stored (empty when there was nothing to do).
    """
    moment = moment or clock.now()
    locked = lock_meeting(meeting.id)
    assert locked is not None
    if locked.published_at is None or moment < locked.closes_at or locked.tallied_at is not None:
        return []
    done = {r.motion_id for r in results_of(locked)}
    counted = counting(locked)
    areas = {p.person: p.area for p in db.session.scalars(select(RollPerson).where(RollPerson.meeting_id == locked.id))}
    private = server_private_key()
    public = server_public_key()
    stored = []
    elections = election_entries(locked.agenda)
    fields = meeting_fields(community=locked.community_id, meeting=locked.id, roll_hash_hex=locked.roll_hash or "",
                            closes_at=locked.closes_at, revision_policy=locked.revision_policy,
                            agenda_hash=locked.agenda_hash)
    for motion in locked.motions:
        if motion.id in done:
            continue
        mid = str(motion.id)
        if mid in elections:  # an election (#14): the marks counted by R33–R35, as `govern verify` recounts them
            outcome = _ElectionOutcome(count_election_motion(
                elections[mid], [(p, areas[p], e.ballot.get("choices", {})) for p, e in sorted(counted.items())
                                 if p in areas], total_area=locked.total_area,
                total_persons=locked.total_persons, invalid_policy=locked.invalid_policy))
        else:
            votes = [Vote(person, areas[person], Choice(entry.ballot["choices"][mid]))
                     for person, entry in sorted(counted.items())
                     if person in areas and mid in entry.ballot.get("choices", {})]
            matter = Matter(motion.matter)
            interested = motion_interested(locked, motion, areas) if matter is Matter.UNANIMOUS_INTERESTED else None
            clause = None if interested is not None or not locked.deemed_consent else DeemedConsent(
                DeemedVariant(locked.deemed_consent))
            outcome = tally(total_area=locked.total_area, total_persons=locked.total_persons, votes=votes,
                            matter=matter, invalid_policy=locked.invalid_policy, interested_persons=interested,
                            deemed_consent=clause)
        document = result_document(meeting=fields, motion={"id": mid, "title": motion.title, "matter": motion.matter},
                                   ledger_length=locked.ledger_length, ledger_head=locked.ledger_head,
                                   ballots=motion_ballots(counted, mid, areas), tally_json=outcome.to_json())
        row = MotionResult(community_id=locked.community_id, meeting_id=locked.id, motion_id=motion.id,
                           document=document, document_hash=sha256_hex(canonical_bytes(document)),
                           server_public_key=public, server_signature=sign(private, document),
                           computed_at=moment)
        db.session.add(row)
        db.session.flush()
        stored.append(row)
        log_action("meeting.result", actor=None, community=locked.community_id, obj=row,
               data={"meeting": locked.id, "motion": motion.id, "document_hash": row.document_hash,
                     "adopted": outcome.adopted, "reasons": list(outcome.reasons)})
    locked.tallied_at = moment
    db.session.flush()
    log_action("meeting.stage", actor=None, community=locked.community_id, obj=locked,
           data={"meeting": locked.id, "stage": "preliminary", "ledger_length": locked.ledger_length,
                 "ledger_head": locked.ledger_head})
    return stored


def motion_interested(meeting: Meeting, motion, persons) -> list[str]:
    """Art. 279: the persons whose consent the motion needs — the owners of its interested units
    (:mod:`govern.meetings.interested`); a motion drafted before units were named: every person on the roll."""
    if motion.interested is None:
        return sorted(persons)
    return interested_persons(meeting, motion)


def result_for(meeting: Meeting, motion_id: int) -> MotionResult:
    """The signed result of one motion, for the POSTs that act on it: 404 for an unknown motion, 409
    ``not_counted`` while the result is still being counted (before the ``preliminary`` stage)."""
    if not any(m.id == motion_id for m in meeting.motions):
        raise DomainError("not_found", _("There is no such motion."), status=404)
    row = db.session.scalar(select(MotionResult).where(MotionResult.meeting_id == meeting.id,
                                                       MotionResult.motion_id == motion_id))
    if row is None:
        raise DomainError("not_counted", _("The votes are still being counted: the result is not signed yet."),
                          status=409)
    return row


def countersign_result(result: MotionResult, data: dict, *, actor) -> Countersignature:
    """Store a countersignature of a member of the convening body (the committee) or of one of the meeting's
    scrutineers after verifying it over the result document."""
    community_id = result.community_id
    meeting = db.session.get(Meeting, result.meeting_id)
    if not can_countersign(actor, meeting):
        raise DomainError("forbidden", _("Only committee members and the meeting's scrutineers countersign "
                                         "results."), status=403)
    motion = db.session.get(Motion, result.motion_id)
    if motion is not None and motion.stands_in_election(actor.id):
        raise DomainError("candidate_cannot_countersign", _("You stand as a candidate in this election: another "
                                                            "member countersigns its result."), status=403)
    signature, key_id = data.get("signature"), data.get("key_id")
    key = own_active_key(actor, key_id)
    if not verify(key.public_key, result.document, signature):
        raise DomainError("bad_signature", _("The signature does not verify over the result document."), status=400)
    if db.session.scalar(select(Countersignature.id).where(Countersignature.result_id == result.id,
                                                            Countersignature.user_id == actor.id)):
        raise DomainError("already_countersigned", _("You have already countersigned this result."), status=409)
    row = Countersignature(community_id=community_id, result_id=result.id, user_id=actor.id, key_id=key.public_key,
                           signature=signature, created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    log_action("meeting.result_countersign", actor=actor, community=community_id, obj=row,
           data={"result": result.id, "motion": result.motion_id, "key_id": key.public_key,
                 "document_hash": result.document_hash})
    return row
