"""Extending the voting window (R12, issue #13 item 3): a ``govern.extension.v1`` (``govern.core.extensions``)
signed in the browser by a member of the convening body before the close, with the new close and a reason.

The server checks the signature, the signer, that the close has not passed, that the new close is later and
that the whole window (opening to the new close) stays within the community's bounds (``window_min_days``,
``window_max_days``). It stores the signed envelope (the record lists it in ``meeting.json``), moves the close,
writes the audit log and announces the extension on every channel through the announcers registered with
:func:`announcer` (the notices feature, which sits above meetings, publishes it as an important notice). The
agenda object holds no window times, so its hash does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock
from govern.accounts.access import is_committee
from govern.audit.services import log_action
from govern.ballots.common import envelope_parts
from govern.ballots.ledger import lock_meeting
from govern.ballots.models import Meeting, MeetingExtension
from govern.ballots.owner_keys import own_active_key
from govern.core.ballot import format_time, parse_time
from govern.core.extensions import extension_shape_problems
from govern.core.keys import verify
from govern.errors import DomainError
from govern.extensions import db
from govern.meetings.access import is_street_office
from govern.meetings.services import check_window

#: ``(meeting, extension row, actor) -> None``: who announces an extension (registered by features above).
_announcers: list[Callable[[Meeting, MeetingExtension, Any], None]] = []


def announcer(func):
    _announcers.append(func)
    return func


def extensions_of(meeting: Meeting) -> list[MeetingExtension]:
    return list(db.session.scalars(select(MeetingExtension).where(MeetingExtension.meeting_id == meeting.id)
                                   .order_by(MeetingExtension.id)))


def may_extend(user, community) -> bool:
    """Who may reach the extension endpoint: committee members and the street office (each only for the
    meetings their body convened, :func:`in_convening_body`)."""
    return is_committee(user, community) or is_street_office(user, community)


def in_convening_body(user, meeting: Meeting) -> bool:
    if meeting.convener == "street_office":
        return is_street_office(user, meeting.community)
    return is_committee(user, meeting.community)


def extend_window(meeting: Meeting, data: Any, *, actor) -> MeetingExtension:
    """Store a signed extension and move the close. ``data``: ``{"extension": {...}, "signature", "key_id"}``."""
    if not in_convening_body(actor, meeting):
        raise DomainError("forbidden", _("Only a member of the convening body may extend the voting window."),
                          status=403)
    obj, signature, key_id = envelope_parts(data, "extension")
    problems = extension_shape_problems(obj)
    if problems:
        raise DomainError("bad_request", _("Malformed extension: %(problems)s", problems="; ".join(problems)),
                          status=400)
    locked = lock_meeting(meeting.id)
    moment = clock.now()
    if not locked.is_published or moment >= locked.closes_at:
        raise DomainError("extension_too_late", _("Voting has closed: the window can no longer be extended."),
                          status=409)
    if (obj["community"], obj["meeting"], obj["convener"]) != (str(locked.community_id), str(locked.id),
                                                               locked.convener):
        raise DomainError("wrong_meeting", _("The extension is for another meeting."), status=400)
    if obj["previous_closes_at"] != format_time(locked.closes_at):
        raise DomainError("extension_stale", _("The voting window changed meanwhile: reload the page and sign "
                                               "again."), status=409)
    closes_at = parse_time(obj["closes_at"])
    check_window(locked.community, locked.opens_at, closes_at, (locked.window_min_days, locked.window_max_days))
    key = own_active_key(actor, key_id)
    if not verify(key.public_key, obj, signature):
        raise DomainError("bad_signature", _("The signature does not verify under your key."), status=400)
    if any(e.envelope["extension"]["nonce"] == obj["nonce"] for e in extensions_of(locked)):
        raise DomainError("replay", _("This extension was already received."), status=409)
    row = MeetingExtension(community_id=locked.community_id, meeting_id=locked.id, user_id=actor.id,
                           envelope={"extension": obj, "key_id": key.public_key, "signature": signature},
                           previous_closes_at=locked.closes_at, closes_at=closes_at, received_at=moment)
    db.session.add(row)
    locked.closes_at = closes_at
    locked.updated_at = moment
    db.session.flush()
    log_action("meeting.extend", actor=actor, community=locked.community_id, obj=locked,
           data={"previous_closes_at": obj["previous_closes_at"], "closes_at": obj["closes_at"],
                 "reason": obj["reason"], "key_id": key.public_key, "agenda_hash": locked.agenda_hash})
    for announce in _announcers:
        announce(locked, row, actor)
    return row


def extensions_json(meeting: Meeting) -> list[dict]:
    """The items of ``meeting.json``'s ``extensions`` (docs/record-format.md)."""
    return [{**e.envelope, "received_at": format_time(e.received_at)} for e in extensions_of(meeting)]
