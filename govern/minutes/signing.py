"""What committee members sign, and checking a member's signature with their enrolled key.

Two documents, each signed as Ed25519 over its RFC 8785 canonical bytes (``govern.core.keys.sign``):

``govern.minutes_approval.v1`` — approval of one revision of an assembly's minutes::

    {"type": "govern.minutes_approval.v1", "community": "3", "meeting": "12", "revision": 2,
     "content_hash": "<sha256 of the canonical {type: govern.minutes.v1, text, sections}>"}

``govern.committee_minutes.v1`` — the minutes of a committee meeting (agenda, attendance, each
item's votes and outcome, the secretary's text), signed by every member present.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from govern.accounts.access import COMMITTEE
from govern.accounts.models import RoleGrant, User
from govern.ballots.owner_keys import active_key
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import key_fingerprint, verify
from govern.errors import DomainError
from govern.extensions import db

MINUTES_TYPE = "govern.minutes.v1"
APPROVAL_TYPE = "govern.minutes_approval.v1"
COMMITTEE_MINUTES_TYPE = "govern.committee_minutes.v1"


def content_hash(text: str, sections: dict) -> str:
    """SHA-256 hex of the canonical ``{type, text, sections}`` of a minutes revision."""
    return sha256_hex(canonical_bytes({"type": MINUTES_TYPE, "text": text, "sections": sections}))


def approval_document(revision, meeting_id: int) -> dict:
    return {
        "type": APPROVAL_TYPE,
        "community": str(revision.community_id),
        "meeting": str(meeting_id),
        "revision": revision.number,
        "content_hash": revision.content_hash,
    }


def committee_members(community) -> list[User]:
    """The committee now: distinct users holding an active member or chair grant in ``community``."""
    ids = set(db.session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.community_id == community.id, RoleGrant.role.in_(COMMITTEE), RoleGrant.revoked_at.is_(None),
    )))
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


def check_signature(user, document: dict, data: dict):
    """The member's active key if ``data["signature"]`` signs ``document`` with it; else a DomainError.

    ``data["key_id"]``, when given, must be that key: a signature by a revoked or foreign key is refused.
    """
    key = active_key(user)
    if key is None:
        raise DomainError("no_key", _("You have no signing key enrolled. Enrol one on your device first."))
    key_id = (data.get("key_id") or "").strip()
    if key_id and key_id != key.public_key:
        raise DomainError("wrong_key", _("This is not your current signing key. Sign with your current key."))
    signature = (data.get("signature") or "").strip()
    if not verify(key.public_key, document, signature):
        raise DomainError("bad_signature", _("The signature does not verify over this document with your key."))
    return key, signature, key.fingerprint or key_fingerprint(key.public_key)
