"""Tell an owner that a new signing key replaced their active one, on every channel they have.

Enrolment lives in the casting package (``govern.ballots.owner_keys``), below delivery; it sends the
``key_replaced`` signal inside its transaction and this receiver writes the deliveries there too, so
the announcement exists exactly when the enrolment does. A key belongs to the account, not to a
community, so the message goes to the inbox of each community the account belongs to, and by e-mail
and SMS once per address (the same address opted in by two communities gets one message).
"""

from __future__ import annotations

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from govern.accounts.models import RoleGrant
from govern.ballots.owner_keys import key_replaced
from govern.delivery.services import preference_of, send_message
from govern.extensions import db
from govern.register.models import Community


def _member_of(user) -> list[Community]:
    """The communities where the account holds a role now (an administrator's reach is not membership)."""
    ids = select(RoleGrant.community_id).where(RoleGrant.user_id == user.id, RoleGrant.revoked_at.is_(None),
                                                RoleGrant.community_id.is_not(None))
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.id)))


@key_replaced.connect
def announce_key_replaced(user, *, key, previous, **_extra) -> None:
    text = _l("A new signing key (fingerprint %(new)s) was enrolled to your account; your previous key "
              "(%(old)s) no longer signs. If this was not you, change your password now and tell the "
              "owners' committee.", new=key.fingerprint, old=", ".join(k.fingerprint for k in previous))
    subject = _l("A new signing key was enrolled to your account")
    path = url_for("meetings.keys") if has_request_context() else "/keys"
    used: set[tuple[str, str]] = set()
    for community in _member_of(user):
        pref = preference_of(user, community)
        channels = []
        for channel, address in (("email", pref and pref.email), ("sms", pref and pref.phone)):
            if pref is not None and channel in pref.channels and (channel, address) not in used:
                used.add((channel, address))
                channels.append(channel)
        send_message(community, [user], kind="key_replaced", template="message", context={"text": text},
                     subject=subject, path=path, ref_type="owner_keys", ref_id=key.id, channels=tuple(channels))
