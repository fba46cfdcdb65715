"""Account models."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern.clock import now
from govern.dbtypes import UTCDateTime
from govern.extensions import db


class Role(StrEnum):
    OWNER = "owner"
    COMMITTEE_MEMBER = "committee_member"
    COMMITTEE_CHAIR = "committee_chair"
    PROPERTY_STAFF = "property_staff"
    AUDITOR = "auditor"
    OBSERVER = "observer"
    ADMIN = "admin"
    #: The account that casts for the developer person (R4a), set by the committee.
    DEVELOPER_REP = "developer_rep"
    #: A member of the preparatory group (筹备组) the street office forms in a community with no committee (#14):
    #: it acts for the committee until the committee the first assembly elects is installed.
    PREPARATORY = "preparatory_member"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    #: Preferred interface language ("zh_CN" or "en"); empty means the default.
    locale: Mapped[str] = mapped_column(String(10), default="")
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Raised by logout, a password change or reset, a block and a role removal. It is part of the id
    #: Flask-Login keeps in the session and the remember-me cookie, so raising it ends them all.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: TOTP second factor (committee, property and street-office accounts): base32 secret once enrolled.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last TOTP time step accepted, so a code cannot be replayed within its window.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", foreign_keys="RoleGrant.user_id", order_by="RoleGrant.id"
    )
    owner_records = relationship("Owner", foreign_keys="Owner.user_id", back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_id(self) -> str:  # Flask-Login: kept in the session and the remember-me cookie
        return f"{self.id}.{self.session_generation or 0}"

    def end_sessions(self) -> None:
        """Refuse every session and remember-me cookie issued so far (the user loader compares generations)."""
        self.session_generation = (self.session_generation or 0) + 1

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleGrant(db.Model):
    """A role held by a user in a community (or platform-wide for admins: community_id is NULL)."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: R30: a committee role's term (calendar days, Asia/Shanghai); NULL for other roles and older grants.
    term_starts_on: Mapped[date | None] = mapped_column(Date)
    term_ends_on: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    community = relationship("Community")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ClaimCode(db.Model):
    """A one-time code printed for a unit; only its SHA-256 is stored."""

    __tablename__ = "claim_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sheet_id: Mapped[int | None] = mapped_column(ForeignKey("claim_sheets.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: Set when an owner registered with the code, or when a newer code replaced it.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")


class ClaimSheet(db.Model):
    """A printable sheet of claim codes, produced by a job."""

    __tablename__ = "claim_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: pending → running → done | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")
    unit_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The rendered sheet (HTML for printing). It holds plaintext codes: committee eyes only.
    html: Mapped[str] = mapped_column(Text, default="")

    community = relationship("Community")


class OwnerClaim(db.Model):
    """An owner's registration with a claim code, waiting for a committee member's confirmation."""

    __tablename__ = "owner_claims"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    #: Which of the unit's registered owners the person says they are.
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    phone: Mapped[str] = mapped_column(String(32))
    #: pending → confirmed | rejected
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    unit = relationship("Unit")
    owner = relationship("Owner")
    community = relationship("Community")


class AuthThrottle(db.Model):
    """A counter for the sign-in throttle (govern/accounts/throttle.py), shared by every app node.

    ``key`` names what is counted: failures of an (account, address) pair, failures of an account, attempts
    from an address, code requests for a phone. The count restarts when ``window_start`` is older than the
    key's window.
    """

    __tablename__ = "auth_throttle"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OneTimeCode(db.Model):
    """A 6-digit code sent by SMS or e-mail for sign-in or a password reset; only its HMAC is stored."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: login or reset
    purpose: Mapped[str] = mapped_column(String(16))
    #: sms or email
    channel: Mapped[str] = mapped_column(String(8))
    #: SHA-256 of the normalised phone number or e-mail address the code was sent to.
    target_digest: Mapped[str] = mapped_column(String(64), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Set when the code was used, or when a newer code for the same purpose replaced it.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_from: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship()
