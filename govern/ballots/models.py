"""The assembly's tables: meetings, motions, the frozen roll, owner keys, the ballot ledger, delegations
(proxies, R15), paper ballots and results.

They live in the casting package (the lowest feature that needs them) so that casting, meetings, the
record export and the minutes all import them downward; ``govern.meetings.models`` and
``govern.record.models`` re-export them.

The roll and the ledger are separate tables (as Helios keeps ``Voter`` and ``CastVote`` apart).
Roll rows are written once, when the notice is published, and deleted only if the notice is
voided before voting opens (R10). Ledger rows are append-only: ``(meeting_id, position)``,
``(meeting_id, ballot_hash)``, ``(meeting_id, nonce)`` and ``(meeting_id, chain_hash)`` are
unique, so two writers can never fork a chain or store one ballot twice. Everything signed is stored
exactly as received (the envelope), next to the columns queries need; delegations and paper ballots are
never deleted: a revocation, a lapse or an attestation is a timestamp on the row (R29).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import text

from govern import clock
from govern.dbtypes import UTCDateTime
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


class MeetingKind(StrEnum):
    REGULAR = "regular"
    INTERIM = "interim"
    #: The first owners' assembly (首次业主大会), prepared by the preparatory group: candidates 15 days ahead (R36).
    FIRST = "first"


class MeetingStatus(StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"
    OPEN = "open"
    CLOSED = "closed"


class OwnerKey(db.Model):
    """An Ed25519 public key enrolled to an account. The private key never leaves the owner's device.

    Keys belong to an account, not to a community (one device key serves every community the
    account belongs to), so this table has no ``community_id``; the roll snapshot records, per
    meeting and community, which keys were enrolled at freeze time.

    At most one key per account is active (``revoked_at IS NULL``): the partial unique index
    ``uq_owner_keys_one_active`` enforces it in the database, and enrolment locks the account's row
    (docs/meetings.md, "Owner keys"). A key's validity is ``[created_at, revoked_at)``.
    """

    __tablename__ = "owner_keys"
    __table_args__ = (
        Index("ix_owner_keys_user_active", "user_id", "revoked_at"),
        Index("uq_owner_keys_one_active", "user_id", unique=True,
              postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account the key is enrolled to.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The raw 32-byte public key, base64url without padding. It is also the key id ballots name.
    public_key: Mapped[str] = mapped_column(String(43), unique=True)
    #: ``key_fingerprint(public_key)``: what the owner compares on their device.
    fingerprint: Mapped[str] = mapped_column(String(19))
    #: True for keys made by the demo loader (their private halves are not on any device).
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the key was revoked, e.g. "replaced" when a new key was enrolled.
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    #: The proof of possession sent at enrolment: the key's signature over ``govern.key.v1`` (core.keyproof),
    #: and the ``issued_at`` it signs. Keys enrolled before proofs were required have neither.
    proof: Mapped[str | None] = mapped_column(String(86))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set only by the repair of overlapping keys (migration 20261207): the key was ended retroactively
    #: at its successor's ``created_at``; signatures it made before this moment (when it was still
    #: honoured) stay valid. docs/record-format.md, "Keys".
    honoured_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def key_id(self) -> str:
        return self.public_key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Meeting(db.Model):
    """A meeting of the owners' assembly. Its status is derived from the clock (no scheduler)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Background and agenda in plain text, shown with the notice.
    description: Mapped[str] = mapped_column(Text, default="")
    #: regular (定期会议) or interim (临时会议).
    kind: Mapped[str] = mapped_column(String(16), default=MeetingKind.REGULAR.value)
    #: Scope (R5): None for the whole community, else a list of building codes.
    scope_buildings: Mapped[list | None] = mapped_column(JSON, default=None)
    #: The voting window, aware UTC; displayed in Asia/Shanghai.
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: R16: "single-cast" (default) or "revisable-until-close", declared in the notice.
    revision_policy: Mapped[str] = mapped_column(String(32), default="single-cast")
    #: R17: "as-abstain" (default) or "excluded".
    invalid_policy: Mapped[str] = mapped_column(String(16), default="as-abstain")
    #: R11: "committee", or "street_office" when the auditor convenes because the committee did not.
    convener: Mapped[str] = mapped_column(String(16), default="committee")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: Set when the notice is published; cleared when an edit voids it (R10).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The notice day in Asia/Shanghai (R9 counts calendar days).
    notice_date: Mapped[date | None] = mapped_column(Date)
    #: R9 reading used at publication: "conservative" or "minimal" (community setting notice_rule).
    notice_rule: Mapped[str] = mapped_column(String(16), default="conservative")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: How many times a published notice was voided by an edit (R10).
    void_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The frozen roll: its hash, totals (T_area hundredths of a m², T_count) and frozen time.
    roll_hash: Mapped[str | None] = mapped_column(String(64))
    roll_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_area: Mapped[int] = mapped_column(Integer, default=0)
    total_persons: Mapped[int] = mapped_column(Integer, default=0)
    #: Secret for the per-meeting person pseudonyms (core.roll.person_pseudonym), hex.
    roll_secret: Mapped[str] = mapped_column(String(64), default="")
    #: The ledger's head: number of entries and chain hash of the last one. Updated under the row lock.
    ledger_length: Mapped[int] = mapped_column(Integer, default=0)
    ledger_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    #: Set when the results were signed (``govern tick``): the meeting entered the ``preliminary`` stage.
    tallied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The ``govern.agenda.v1`` object publishing the notice fixed (``govern.core.agenda``), and its hash.
    #: NULL for meetings published before agendas were bound (their ballots and records stay v1).
    agenda: Mapped[dict | None] = mapped_column(JSON)
    agenda_hash: Mapped[str | None] = mapped_column(String(64))
    #: R26: the objection period in days after the preliminary result, fixed when the notice is published
    #: (the community's ``objection_days``); NULL for meetings published before it existed (no period).
    objection_days: Mapped[int | None] = mapped_column(Integer)
    #: R12: the community's window bounds in days (``window_min_days``, ``window_max_days``) fixed when the notice
    #: is published; extensions stay within them and the record carries them. NULL for meetings published before.
    window_min_days: Mapped[int | None] = mapped_column(Integer)
    window_max_days: Mapped[int | None] = mapped_column(Integer)
    #: Issue #12 item 2: the community's ``paper_entry_grace`` in hours, fixed when the notice is published, so a
    #: later change of the setting moves neither the paper window nor a re-exported record's ``entry_grace_seconds``.
    #: NULL for meetings published before it existed (they follow the live setting).
    paper_entry_grace_hours: Mapped[int | None] = mapped_column(Integer)
    #: R11: why the street office convenes (the committee failed to); empty when the committee convenes.
    convening_reason: Mapped[str] = mapped_column(Text, default="")
    #: The community's deemed-consent clause (R24) fixed when the notice was published: NULL (off), "plain" or
    #: "zhejiang". The strict result stays official; the deemed one is computed beside it.
    deemed_consent: Mapped[str | None] = mapped_column(String(16))

    community = relationship("Community")
    motions: Mapped[list[Motion]] = relationship(
        back_populates="meeting", order_by="Motion.position", cascade="all, delete-orphan"
    )

    def status_at(self, moment: datetime) -> MeetingStatus:
        if self.published_at is None:
            return MeetingStatus.DRAFT
        if moment < self.opens_at:
            return MeetingStatus.ANNOUNCED
        if moment < self.closes_at:
            return MeetingStatus.OPEN
        return MeetingStatus.CLOSED

    @property
    def status(self) -> MeetingStatus:
        return self.status_at(clock.now())

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def record_version(self) -> int:
        """2 for meetings whose notice bound an agenda (``govern.record.v2``, ``govern.ballot.v2``, paper
        ballot v2); 1 for meetings published before the upgrade, which keep v1 ballots and records."""
        return record_version_of(self.agenda_hash)

    @property
    def scope_label(self) -> str:
        return "" if not self.scope_buildings else ", ".join(self.scope_buildings)


def record_version_of(agenda_hash: str | None) -> int:
    """:attr:`Meeting.record_version` from the meeting's ``agenda_hash`` column (for the casting path's row reads).
    It is also the meeting's ledger chain version (``govern.core.ledger.CHAIN_V1`` / ``CHAIN_V2``)."""
    return 1 if agenda_hash is None else 2


class Motion(db.Model):
    """A motion (议题) of a meeting; its text is locked when the notice is published (R10)."""

    __tablename__ = "motions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    #: Matter class (Civil Code arts. 278/279): ordinary, major, unanimous_interested.
    matter: Mapped[str] = mapped_column(String(32), default="ordinary")
    #: The accepted agenda proposal this motion comes from, if any (no FK: the agenda is another feature).
    proposal_id: Mapped[int | None] = mapped_column(Integer)
    #: The item of Civil Code art. 278 (1-9) the motion decides; it fixes the least matter class (R5 of #13).
    item: Mapped[int | None] = mapped_column(Integer)
    #: Files of the motion itself, ``[{name, media_type, size, sha256}]`` (stored under uploads/motions by hash).
    attachments: Mapped[list | None] = mapped_column(JSON)
    #: Art. 279 only: ``{"applicant_units": [...], "interested_units": [...], "reason": "..."}`` (R25).
    interested: Mapped[dict | None] = mapped_column(JSON)
    #: An election motion (#14, govern.elections): ``{"seats", "max_marks", "mode": "competitive"|"equal",
    #: "candidates": null}`` while nominations are open; closing them fixes ``candidates`` ([{"id", "name",
    #: "statement_sha256", "photo_sha256"}]) that the notice's agenda publishes. ``None``: a yes/no motion.
    election: Mapped[dict | None] = mapped_column(JSON)

    meeting: Mapped[Meeting] = relationship(back_populates="motions")

    @property
    def is_election(self) -> bool:
        return self.election is not None

    def stands_in_election(self, user_id: int) -> bool:
        """``user_id`` is a published candidate of this election motion: a scrutineer or member of the convening
        body who stands cannot countersign (or, as a scrutineer, attest) this election's result (#14)."""
        return self.is_election and any(c.get("user_id") == user_id for c in self.election.get("candidates") or ())


class MeetingExtension(db.Model):
    """A signed extension of the voting window (``govern.extension.v1``, R12): new ``closes_at`` and a reason,
    signed by a member of the convening body before the close. It does not change the agenda hash."""

    __tablename__ = "meeting_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: ``{"extension": {...}, "key_id": ..., "signature": ...}`` exactly as signed in the browser.
    envelope: Mapped[dict] = mapped_column(JSON)
    previous_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class RollPerson(db.Model):
    """One voting person on a meeting's frozen roll (R4–R6)."""

    __tablename__ = "roll_persons"
    __table_args__ = (UniqueConstraint("meeting_id", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: The opaque per-meeting id ballots carry as ``voter``.
    person: Mapped[str] = mapped_column(String(64))
    #: The register's person id (owner refs joined with "+", or DEVELOPER). Auditor's eyes only.
    register_person: Mapped[str] = mapped_column(String(300))
    #: Summed counted area, hundredths of a m².
    area: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    buildings: Mapped[list] = mapped_column(JSON, default=list)
    owners: Mapped[list] = mapped_column(JSON, default=list)
    #: Account ids (strings) that may cast for this person: the person's confirmed owner accounts.
    casters: Mapped[list] = mapped_column(JSON, default=list)
    #: The casters' active public keys at freeze time.
    keys: Mapped[list] = mapped_column(JSON, default=list)
    #: Identity salt (core.roll).
    salt: Mapped[str] = mapped_column(String(32), default="")


class RollUnit(db.Model):
    """A unit counted for a roll person: house number, building, area and its source (R2)."""

    __tablename__ = "roll_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    roll_person_id: Mapped[int] = mapped_column(ForeignKey("roll_persons.id"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    building: Mapped[str] = mapped_column(String(32))
    area: Mapped[int] = mapped_column(Integer)
    area_source: Mapped[str] = mapped_column(String(16), default="register")


class RollCaster(db.Model):
    """Index of who may cast for whom on a frozen roll: account → roll person."""

    __tablename__ = "roll_casters"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", "roll_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    roll_person_id: Mapped[int] = mapped_column(ForeignKey("roll_persons.id"), index=True)


class BallotEntry(db.Model):
    """One entry of a meeting's hash-chained ledger (core.ledger.LedgerEntry). Append-only."""

    __tablename__ = "ballot_entries"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position"),
        UniqueConstraint("meeting_id", "ballot_hash"),
        UniqueConstraint("meeting_id", "nonce"),
        UniqueConstraint("meeting_id", "chain_hash"),
        Index("ix_ballot_entries_meeting_voter", "meeting_id", "voter"),
        # The proxy cap under the meeting lock: the principals a proxy has cast for, from the index alone.
        Index("ix_ballot_entries_meeting_proxy", "meeting_id", "proxy_user_id", "voter",
              postgresql_where=text("proxy_user_id IS NOT NULL"), sqlite_where=text("proxy_user_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    position: Mapped[int] = mapped_column(Integer)
    #: "electronic" or "paper".
    kind: Mapped[str] = mapped_column(String(16), default="electronic")
    #: The roll person the ballot is for.
    voter: Mapped[str] = mapped_column(String(64))
    #: The signed ballot object exactly as received.
    ballot: Mapped[dict] = mapped_column(JSON)
    ballot_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(43))
    #: The account that cast it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The legal time of the ballot (art. 137), exactly as hashed in the entry (RFC 3339 UTC).
    received_at: Mapped[str] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    #: Delegation / attestation envelopes (proxy and paper ballots), when they apply.
    delegation: Mapped[dict | None] = mapped_column(JSON)
    attestation: Mapped[dict | None] = mapped_column(JSON)
    #: A proxy's ballot: ``object_hash`` of the delegation it was cast under; NULL for an owner's own ballot
    #: (queryable, unlike a JSON null).
    delegation_hash: Mapped[str | None] = mapped_column(String(64))
    #: A proxy's ballot: the proxy's account (the delegation's ``proxy``); NULL for an owner's own ballot.
    proxy_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MotionResult(db.Model):
    """A motion's result, computed once after close by core.rules.tally and signed by the server key."""

    __tablename__ = "motion_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), unique=True)
    #: The canonical result document (govern.result.v1) that the signatures cover.
    document: Mapped[dict] = mapped_column(JSON)
    document_hash: Mapped[str] = mapped_column(String(64))
    server_public_key: Mapped[str] = mapped_column(String(43))
    server_signature: Mapped[str] = mapped_column(String(100))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    motion = relationship("Motion")
    countersignatures: Mapped[list[Countersignature]] = relationship(
        back_populates="result", order_by="Countersignature.id"
    )


class Countersignature(db.Model):
    """A committee member's signature over a result document, made with their enrolled key."""

    __tablename__ = "result_countersignatures"
    __table_args__ = (UniqueConstraint("result_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("motion_results.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_id: Mapped[str] = mapped_column(String(43))
    signature: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    result: Mapped[MotionResult] = relationship(back_populates="countersignatures")
    user = relationship("User")


class Scrutineer(db.Model):
    """A scrutineer (监票人) of one meeting: an owner the convening body names, who is neither a member of that
    body nor a candidate, reads the auditor edition and countersigns the result (issue #12 item 4). Rows are
    never deleted: a scrutineer named in error is removed (``removed_at``) before voting closes."""

    __tablename__ = "meeting_scrutineers"
    __table_args__ = (
        # an owner is named once per meeting (until removed), even when two members name them at once
        Index("uq_meeting_scrutineers_active", "meeting_id", "user_id", unique=True,
              postgresql_where=text("removed_at IS NULL"), sqlite_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])


class Delegation(db.Model):
    """A signed ``govern.delegation.v1``: an owner names a proxy account for one meeting (R15)."""

    __tablename__ = "delegations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "delegation_hash"),
        UniqueConstraint("meeting_id", "nonce"),
        Index("ix_delegations_meeting_principal", "meeting_id", "principal"),
        Index("ix_delegations_meeting_proxy", "meeting_id", "proxy_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: The roll person delegating (the delegation's ``principal``).
    principal: Mapped[str] = mapped_column(String(64))
    #: The account that signed it (a caster of ``principal``) and the proxy account.
    principal_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proxy_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: ``{"object", "signature", "key_id"}`` exactly as received.
    envelope: Mapped[dict] = mapped_column(JSON)
    delegation_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: The proxy agreed to act (page or API action by the proxy's account).
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The principal's signed ``govern.delegation_revocation.v1`` envelope, and when it arrived.
    revocation: Mapped[dict | None] = mapped_column(JSON)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the principal voted in person: the delegation lapsed.
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    principal_user = relationship("User", foreign_keys=[principal_user_id])
    proxy_user = relationship("User", foreign_keys=[proxy_user_id])

    @property
    def obj(self) -> dict:
        return self.envelope["object"]

    @property
    def instructions(self) -> dict:
        return dict(self.obj.get("instructions") or {})

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.lapsed_at is not None:
            return "lapsed"
        return "accepted" if self.accepted_at is not None else "pending"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.lapsed_at is None


class PaperBallot(db.Model):
    """A paper ballot entered by one committee member; appended to the ledger once a second one attests it."""

    __tablename__ = "paper_ballots"
    __table_args__ = (
        UniqueConstraint("meeting_id", "ballot_hash"),
        UniqueConstraint("meeting_id", "nonce"),
        Index("ix_paper_ballots_meeting_voter", "meeting_id", "voter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    voter: Mapped[str] = mapped_column(String(64))
    #: The ``govern.paper_ballot.v1`` object, its hash, and the entering member's signature and key.
    ballot: Mapped[dict] = mapped_column(JSON)
    ballot_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(43))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    #: The scanned paper: bytes, media type, size and SHA-256 (named in the signed ballot).
    scan: Mapped[bytes] = mapped_column(LargeBinary)
    scan_type: Mapped[str] = mapped_column(String(32))
    scan_size: Mapped[int] = mapped_column(Integer)
    scan_sha256: Mapped[str] = mapped_column(String(64))
    #: The second member's ``govern.paper_attestation.v1`` envelope.
    attestation: Mapped[dict | None] = mapped_column(JSON)
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The ledger entry made on attestation.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_entries.id"))
    position: Mapped[int | None] = mapped_column(Integer)

    entered_by = relationship("User", foreign_keys=[entered_by_id])
    attested_by = relationship("User", foreign_keys=[attested_by_id])

    @property
    def status(self) -> str:
        return "appended" if self.entry_id is not None else "awaiting_attestation"


class SealedBox(db.Model):
    """A meeting's ``govern.sealed_box.v1`` declaration (docs/ballot-format.md): how many collected paper
    ballots were not yet entered at the close. Signed by two committee members within two hours after the
    close; ``declared_at`` is set when the second signature arrives, and ``ledger_length`` is the ledger's
    length then (every paper entry after the close comes after it). At most one per meeting; never deleted."""

    __tablename__ = "sealed_boxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    #: The signed object, as the first member signed it; the second member signs the same bytes.
    box: Mapped[dict] = mapped_column(JSON)
    declared: Mapped[int] = mapped_column(Integer)
    #: ``[{"account", "key_id", "signature", "signed_at"}]``: one entry, then two.
    signatures: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ledger_length: Mapped[int | None] = mapped_column(Integer)

    @property
    def complete(self) -> bool:
        return self.declared_at is not None


class VoidedRoll(db.Model):
    """A frozen roll snapshot of a notice that was voided (R10), kept as it was (R29): persons with their units
    and casters, in ``govern.core.roll``-like rows, with when, why and by whom the notice was voided."""

    __tablename__ = "voided_rolls"
    __table_args__ = (UniqueConstraint("meeting_id", "generation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: 1 for the first voided notice of the meeting, 2 for the second... (``Meeting.void_count`` after voiding).
    generation: Mapped[int] = mapped_column(Integer)
    roll_hash: Mapped[str | None] = mapped_column(String(64))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agenda_hash: Mapped[str | None] = mapped_column(String(64))
    total_area: Mapped[int] = mapped_column(Integer, default=0)
    total_persons: Mapped[int] = mapped_column(Integer, default=0)
    #: ``[{person, register_person, area, weight, buildings, owners, casters, keys, salt, units: [...]}]``
    snapshot: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
