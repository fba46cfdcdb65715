"""The sealed box and the paper grace period (issue #12 item 2; rules in :mod:`govern.core.paper_rules`).

Within two hours after the close, two committee members sign one ``govern.sealed_box.v1``: how many collected
paper ballots were not yet entered. Only then may paper entries be made after the close, within
``paper_entry_grace`` (community setting) and at most ``declared`` of them. The first member's signature
stores the object; the second member signs the same object and completes the declaration.

:func:`paper_window_ends` is when the meeting's paper entries end and its result is due (``paper_grace`` in
:mod:`govern.meetings.lifecycle`):

- a completed declaration: at ``closes_at + paper_entry_grace``, or earlier, when the last of the ``declared``
  paper ballots was appended (at the declaration itself when it declares none);
- no completed declaration, but one is under way (one signature) or paper ballots await attestation: at
  ``closes_at`` plus the two-hour declaration window;
- otherwise at ``closes_at``: no paper ballot may be entered after the close.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from govern import clock, settings
from govern.accounts.access import is_committee
from govern.audit.services import log_action
from govern.ballots.common import envelope_parts, refuse, results_signed
from govern.ballots.ledger import lock_meeting
from govern.ballots.models import BallotEntry, Meeting, PaperBallot, SealedBox
from govern.ballots.owner_keys import own_active_key
from govern.core.ballot import DEFAULT_TOLERANCE, format_time, parse_time
from govern.core.keys import verify
from govern.core.ledger import PAPER
from govern.core.paper_rules import (
    DECLARATION_WINDOW,
    DEFAULT_GRACE,
    MAX_GRACE,
    declaration_refusal,
    late_entry_refusal,
    validate_sealed_box_shape,
)
from govern.extensions import db


def _grace_hours(value: Any) -> int:
    hours = settings.non_negative_int(value)
    if hours > MAX_GRACE // timedelta(hours=1):
        raise ValueError("at most 48 hours")
    return hours


settings.declare("ballots", "paper_entry_grace", DEFAULT_GRACE // timedelta(hours=1), parse=_grace_hours,
                 doc="Hours after the close in which declared paper ballots may still be entered (0-48).")


def entry_grace(meeting: Meeting) -> timedelta:
    """The ``paper_entry_grace`` fixed when the meeting's notice was published (the community's live setting for a
    meeting published before the grace was fixed with the notice)."""
    hours = meeting.paper_entry_grace_hours
    return timedelta(hours=settings.get(meeting.community, "paper_entry_grace") if hours is None else hours)


def box_of(meeting: Meeting) -> SealedBox | None:
    return db.session.scalar(select(SealedBox).where(SealedBox.meeting_id == meeting.id))


def entered_after_close(meeting: Meeting) -> tuple[int, datetime | None]:
    """Paper entries appended to the ledger at or after the close: how many, and when the last was."""
    # received_at is stored as RFC 3339 text (the ledger's own spelling): compared as times, not as text
    times = [parse_time(t) for t in db.session.scalars(select(BallotEntry.received_at).where(
        BallotEntry.meeting_id == meeting.id, BallotEntry.kind == PAPER).order_by(BallotEntry.position))]
    late = [t for t in times if t >= meeting.closes_at]
    return len(late), (late[-1] if late else None)


def awaiting_attestation(meeting: Meeting) -> int:
    return int(db.session.scalar(select(func.count(PaperBallot.id)).where(
        PaperBallot.meeting_id == meeting.id, PaperBallot.entry_id.is_(None))))


def paper_window_ends(meeting: Meeting) -> datetime:
    """When paper entries end and the result is due (the module's docstring says the rule)."""
    box = box_of(meeting)
    if box is not None and box.complete:
        ends = meeting.closes_at + entry_grace(meeting)
        count, last = entered_after_close(meeting)
        if count >= box.declared:
            ends = min(ends, max(last or box.declared_at, box.declared_at))
        return ends
    if box is not None or awaiting_attestation(meeting):
        return meeting.closes_at + DECLARATION_WINDOW
    return meeting.closes_at


def late_refusal(meeting: Meeting, *, pending: bool) -> None:
    """Refuse a paper entry (``pending``: entering one that will still need attesting) the sealed-box and grace
    rules do not allow now (nothing applies before the close)."""
    box = box_of(meeting)
    count, _last = entered_after_close(meeting)
    if pending:
        count += awaiting_attestation(meeting)
    code = late_entry_refusal(now=clock.now(), closes_at=meeting.closes_at, grace=entry_grace(meeting),
                              declared=box.declared if box is not None and box.complete else None,
                              after_close=count)
    if code == "window_closed":
        raise refuse("window_closed", _("The paper entry period has ended: no paper ballot can be entered any more."))
    if code == "undeclared_paper":
        raise refuse("undeclared_paper", _("Voting has closed and no sealed-box declaration was signed by two "
                                           "committee members: no paper ballot may be entered after the close."))
    if code == "sealed_box_exceeded":
        raise refuse("sealed_box_exceeded", _("All paper ballots declared in the sealed box have been entered."))


def sign_sealed_box(meeting: Meeting, data: Any, *, actor) -> SealedBox:
    """A committee member signs the meeting's sealed-box declaration: the first signature stores it, a second
    member's signature of the same object completes it. ``data``: ``{"sealed_box", "signature", "key_id"}``."""
    if not is_committee(actor, meeting.community):
        raise refuse("not_committee", _("Only committee members declare the sealed box."))
    obj, signature, key_id = envelope_parts(data, "sealed_box")
    key = own_active_key(actor, key_id)
    if validate_sealed_box_shape(obj):
        raise refuse("bad_request", _("Malformed sealed-box declaration: %(problems)s",
                                      problems=", ".join(validate_sealed_box_shape(obj))))
    now = clock.now()
    code = declaration_refusal(obj, community=str(meeting.community_id), meeting=str(meeting.id),
                               closes_at=meeting.closes_at, now=now, tolerance=DEFAULT_TOLERANCE)
    if code is not None:
        raise refuse(code, _("The sealed box is declared within two hours after the close, for this meeting's "
                             "close, signed now (%(code)s).", code=code))
    if not verify(key.public_key, obj, signature):
        raise refuse("bad_signature", _("The signature does not verify under your key."))
    locked = lock_meeting(meeting.id)
    if results_signed(meeting.id):
        raise refuse("results_signed", _("The results are signed: no ballot can be added any more."))
    box = box_of(locked)
    sig = {"account": str(actor.id), "key_id": key.public_key, "signature": signature, "signed_at": format_time(now)}
    if box is None:
        box = SealedBox(community_id=locked.community_id, meeting_id=locked.id, box=obj, declared=obj["declared"],
                        signatures=[sig], created_at=now)
        db.session.add(box)
    elif box.complete:
        raise refuse("already_declared", _("The sealed box of this meeting is already declared."))
    elif box.box != obj:
        raise refuse("bad_request", _("Sign the declaration awaiting a second signature, as it is shown."))
    elif any(s["account"] == str(actor.id) for s in box.signatures):
        raise refuse("same_member", _("A second committee member must sign: you signed this declaration."))
    else:
        box.signatures = [*box.signatures, sig]
        box.declared_at = now
        box.ledger_length = locked.ledger_length
    db.session.flush()
    log_action("sealed_box.sign", actor=actor, community=locked.community_id, obj=box,
           data={"meeting": locked.id, "declared": box.declared, "key_id": key.public_key,
                 "complete": box.complete})
    return box


def sealed_box_json(meeting: Meeting) -> dict | None:
    """meeting.json's ``paper.sealed_box``: the completed declaration and its two signatures (record-format.md)."""
    box = box_of(meeting)
    if box is None or not box.complete:
        return None
    return {"object": box.box, "signatures": [{k: s[k] for k in ("key_id", "signature", "signed_at")}
                                              for s in box.signatures],
            "declared_at": format_time(box.declared_at), "ledger_length": box.ledger_length}


def signer_accounts(meeting: Meeting) -> set[int]:
    box = box_of(meeting)
    return set() if box is None else {int(s["account"]) for s in box.signatures}
