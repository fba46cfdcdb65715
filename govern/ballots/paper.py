"""Paper ballots: entered by one committee member, attested by a second, each with their own key.

The entering member's browser hashes the scan (SHA-256), builds the ``govern.paper_ballot.v1``
and signs it; the server checks the scan's type and size, that its hash is the one signed, the
signature, the voter and single-cast, and keeps it awaiting attestation. A second member signs a
``govern.paper_attestation.v1``; only then is the ballot appended to the ledger as a paper entry
(``core.ballot.check_attestation`` under the meeting's lock). Meetings whose notice bound an agenda take
``govern.paper_ballot.v2`` (``collected_at`` not after the close, the agenda's hash), older ones v1. After the
close, paper entries need the sealed-box declaration and stay within the grace period and the declared
count (:mod:`govern.ballots.sealed_box`); nothing is appended once the results are signed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.accounts.access import COMMITTEE, is_committee
from govern.accounts.models import RoleGrant
from govern.audit.services import log_action
from govern.ballots.casters import check_paper_caster
from govern.ballots.common import check_election_choices, context, elections_of, envelope_parts, refuse, results_signed
from govern.ballots.ledger import lock_meeting
from govern.ballots.models import BallotEntry, Meeting, OwnerKey, PaperBallot, RollPerson
from govern.ballots.owner_keys import own_active_key
from govern.ballots.proxies import lapse_after_own_ballot
from govern.ballots.sealed_box import late_refusal
from govern.core.ballot import RevisionPolicy, check_attestation, object_hash, validate_paper_shape
from govern.core.keys import verify
from govern.core.ledger import PAPER, append_entry
from govern.core.paper_rules import paper_ballot_refusal, paper_type_for
from govern.extensions import db

#: Accepted scans, by magic bytes.
SCAN_TYPES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
DEFAULT_MAX_SCAN = 10 * 1024 * 1024


def scan_type(data: bytes) -> str | None:
    for magic, mime in SCAN_TYPES:
        if data.startswith(magic):
            return mime
    return None


def _committee_accounts(community_id: int) -> set[str]:
    return {str(u) for u in db.session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.community_id == community_id, RoleGrant.role.in_(list(COMMITTEE)), RoleGrant.revoked_at.is_(None)))}


def pending_for(meeting: Meeting) -> list[PaperBallot]:
    return list(db.session.scalars(select(PaperBallot).where(PaperBallot.meeting_id == meeting.id)
                                   .order_by(PaperBallot.id)))


def enter_paper_ballot(meeting: Meeting, data: Any, scan: bytes, *, actor) -> PaperBallot:
    """A committee member enters a signed paper ballot with its scan; it waits for a second member's attestation.

    ``data``: ``{"ballot": {govern.paper_ballot.v1}, "signature", "key_id"}``.
    """
    if not is_committee(actor, meeting.community):
        raise refuse("not_committee", _("Only committee members enter paper ballots."))
    if not meeting.is_published:
        raise refuse("not_published", _("The notice is not published: there is no roll yet."))
    obj, signature, key_id = envelope_parts(data, "ballot")
    limit = int(current_app.config.get("PAPER_SCAN_MAX_BYTES", DEFAULT_MAX_SCAN))
    if not scan or len(scan) > limit:
        raise refuse("bad_scan", _("The scan must be a PDF, JPEG or PNG file of at most %(mb)d MB.",
                                   mb=limit // (1024 * 1024)))
    mime = scan_type(scan)
    if mime is None:
        raise refuse("bad_scan", _("The scan must be a PDF, JPEG or PNG file of at most %(mb)d MB.",
                                   mb=limit // (1024 * 1024)))
    key = own_active_key(actor, key_id)
    problems = validate_paper_shape(obj)
    if problems:
        raise refuse("bad_request", _("Malformed paper ballot: %(problems)s", problems=", ".join(problems)))
    _check_version(meeting, obj)
    ctx = context(meeting)
    if obj["community"] != ctx.community or obj["meeting"] != ctx.meeting:
        raise refuse("wrong_meeting", _("The paper ballot is for another meeting."))
    if obj["roll_hash"] != ctx.roll_hash:
        raise refuse("wrong_roll", _("The paper ballot names another roll."))
    if set(obj["choices"]) - ctx.motion_ids:
        raise refuse("unknown_motion", _("The paper ballot names a motion that is not on the agenda."))
    check_election_choices(elections_of(meeting), obj["choices"], paper=True)
    if db.session.scalar(select(RollPerson.id).where(RollPerson.meeting_id == meeting.id,
                                                     RollPerson.person == obj["voter"])) is None:
        raise refuse("not_eligible", _("This person is not on the meeting's roll."))
    digest = hashlib.sha256(scan).hexdigest()
    if obj["scan_sha256"] != digest:
        raise refuse("scan_mismatch", _("The signed scan hash is not the hash of the uploaded scan."))
    if not verify(key.public_key, obj, signature):
        raise refuse("bad_signature", _("The signature does not verify under your key."))
    if results_signed(meeting.id):
        raise refuse("results_signed", _("The results are signed: no ballot can be added any more."))
    late_refusal(meeting, pending=True)
    if _voted(meeting, obj["voter"]):
        raise refuse("already_voted", _("This person has already voted (single-cast meeting)."))
    check_paper_caster(meeting.id, obj["voter"])
    if db.session.scalar(select(PaperBallot.id).where(PaperBallot.meeting_id == meeting.id,
                                                      PaperBallot.voter == obj["voter"],
                                                      PaperBallot.entry_id.is_(None))) is not None:
        raise refuse("paper_pending", _("A paper ballot for this person is already awaiting attestation."))
    h = object_hash(obj)
    if db.session.scalar(select(PaperBallot.id).where(PaperBallot.meeting_id == meeting.id,
                                                      (PaperBallot.nonce == obj["nonce"])
                                                      | (PaperBallot.ballot_hash == h))) is not None:
        raise refuse("replay", _("This paper ballot was already entered."))
    row = PaperBallot(community_id=meeting.community_id, meeting_id=meeting.id, voter=obj["voter"], ballot=obj,
                      ballot_hash=h, nonce=obj["nonce"], signature=signature, key_id=key.public_key,
                      entered_by_id=actor.id, entered_at=clock.now(), scan=scan, scan_type=mime,
                      scan_size=len(scan), scan_sha256=digest)
    db.session.add(row)
    db.session.flush()
    log_action("paper_ballot.enter", actor=actor, community=meeting.community_id, obj=row,
           data={"meeting": meeting.id, "voter": row.voter, "ballot_hash": h, "scan_sha256": digest,
                 "key_id": key.public_key})
    return row


def _check_version(meeting: Meeting, obj: dict) -> None:
    """v2 paper ballots for meetings that bound an agenda, v1 for the others; a v2 one names the agenda and was
    collected by the close."""
    if obj["type"] != paper_type_for(meeting.record_version):
        raise refuse("bad_request", _("This meeting takes paper ballots of type %(type)s.",
                                      type=paper_type_for(meeting.record_version)))
    code = paper_ballot_refusal(obj, closes_at=meeting.closes_at, agenda_hash=meeting.agenda_hash)
    if code == "wrong_agenda":
        raise refuse("wrong_agenda", _("The paper ballot names another agenda than the one the notice published."))
    if code == "collected_after_close":
        raise refuse("collected_after_close",
                     _("The paper ballot was collected after voting closed: it cannot be counted."))


def _voted(meeting: Meeting, voter: str) -> bool:
    """Single-cast: the person already has a ballot of their own in the ledger."""
    if RevisionPolicy(meeting.revision_policy) is not RevisionPolicy.SINGLE_CAST:
        return False
    return db.session.scalar(select(BallotEntry.id).where(BallotEntry.meeting_id == meeting.id,
                                                          BallotEntry.voter == voter,
                                                          BallotEntry.delegation_hash.is_(None)).limit(1)) is not None


def attest_paper_ballot(paper: PaperBallot, data: Any, *, actor) -> BallotEntry:
    """A second committee member attests; the paper ballot is appended to the ledger (kind ``paper``)."""
    meeting = db.session.get(Meeting, paper.meeting_id)
    if not is_committee(actor, meeting.community):
        raise refuse("not_committee", _("Only committee members attest paper ballots."))
    if actor.id == paper.entered_by_id:
        raise refuse("same_member", _("A second committee member must attest: you entered this ballot."))
    if paper.entry_id is not None:
        raise refuse("already_attested", _("This paper ballot is already attested and in the ledger."))
    obj, signature, key_id = envelope_parts(data, "attestation")
    key = own_active_key(actor, key_id)
    entering = db.session.scalar(select(OwnerKey).where(OwnerKey.public_key == paper.key_id))
    if entering is None or entering.revoked_at is not None:
        raise refuse("entering_key_revoked",
                     _("The entering member's key was revoked since: the ballot must be entered again."))
    if not verify(key.public_key, obj, signature):
        raise refuse("bad_signature", _("The signature does not verify under your key."))
    locked = lock_meeting(meeting.id)
    if results_signed(meeting.id):
        raise refuse("results_signed", _("The results are signed: no ballot can be added any more."))
    late_refusal(locked, pending=False)
    check_paper_caster(locked.id, paper.voter)
    rows = db.session.execute(select(BallotEntry.nonce, BallotEntry.ballot_hash).where(
        BallotEntry.meeting_id == meeting.id,
        (BallotEntry.nonce == paper.nonce) | (BallotEntry.ballot_hash == paper.ballot_hash))).all()
    result = check_attestation(
        paper.ballot, paper.signature, obj, signature, context=context(locked), entered_by_key=paper.key_id,
        attested_by_key=key.public_key, entered_by_account=str(paper.entered_by_id),
        attested_by_account=str(actor.id), committee=_committee_accounts(meeting.community_id), is_eligible=True,
        seen_nonces={r[0] for r in rows}, seen_hashes={r[1] for r in rows}, has_voted=_voted(locked, paper.voter),
    )
    if not result.ok:
        raise refuse(str(result.code), result.message)
    moment = clock.now()
    env = {"object": obj, "signature": signature, "key_id": key.public_key}
    entry = append_entry(locked.ledger_head, locked.ledger_length + 1, ballot=paper.ballot,
                         signature=paper.signature, key_id=paper.key_id, received_at=moment, kind=PAPER,
                         attestation=env, chain=locked.record_version)
    row = BallotEntry(community_id=locked.community_id, meeting_id=locked.id, position=entry.position,
                      kind=entry.kind, voter=entry.voter, ballot=dict(entry.ballot), ballot_hash=entry.ballot_hash,
                      nonce=paper.nonce, signature=entry.signature, key_id=entry.key_id,
                      user_id=paper.entered_by_id, received_at=entry.received_at, prev_hash=entry.prev_hash,
                      chain_hash=entry.chain_hash, delegation=None, attestation=env)
    db.session.add(row)
    locked.ledger_length = entry.position
    locked.ledger_head = entry.chain_hash
    db.session.flush()
    paper.attestation = env
    paper.attested_by_id = actor.id
    paper.attested_at = moment
    paper.entry_id = row.id
    paper.position = entry.position
    lapse_after_own_ballot(locked.id, paper.voter, moment)
    db.session.flush()
    log_action("paper_ballot.attest", actor=actor, community=locked.community_id, obj=paper,
           data={"meeting": locked.id, "voter": paper.voter, "ballot_hash": paper.ballot_hash,
                 "position": entry.position, "chain_hash": entry.chain_hash, "key_id": key.public_key})
    return row
