"""Register models: everything the voting-person rules (domain-rules R1–R6) need."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import settings
from govern.clock import now
from govern.dbtypes import UTCDateTime
from govern.extensions import db
from govern.formats import format_area
from govern.register import settings as _declarations  # noqa: F401 - declares the community's rules


class UnitStatus(StrEnum):
    DELIVERED = "delivered"
    UNSOLD = "unsold"
    SOLD_UNDELIVERED = "sold_undelivered"


class OwnerKind(StrEnum):
    NATURAL = "natural"
    LEGAL = "legal"


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short URL name, e.g. "shifan".
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    #: Display name, e.g. "示范花园".
    name: Mapped[str] = mapped_column(String(200))
    #: The district or street office the community belongs to.
    district: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    #: Community settings (co-sign threshold, proxy cap, committee rule …), see ``settings()``.
    settings_json: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    buildings: Mapped[list[Building]] = relationship(back_populates="community", order_by="Building.code")

    def setting(self, key: str):
        """The community's value of a declared setting, or its default (``govern.settings``)."""
        return settings.get(self, key)

    def __repr__(self) -> str:
        return f"<Community {self.slug}>"


class Building(db.Model):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    #: The building's code as the register names it, e.g. "1" or "A".
    code: Mapped[str] = mapped_column(String(32))

    community: Mapped[Community] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building", order_by="Unit.number")


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    #: The unit's number, unique in the community, e.g. "1-0101".
    number: Mapped[str] = mapped_column(String(64))
    #: Registered exclusive area (专有部分面积) in integer hundredths of a square metre (R2).
    area: Mapped[int] = mapped_column(Integer)
    #: Where the area comes from: register, survey or contract (R2).
    area_source: Mapped[str] = mapped_column(String(16), default="register")
    status: Mapped[UnitStatus] = mapped_column(Enum(UnitStatus, native_enum=False, length=20))
    #: Whether the unit counts for voting (R3: parking spaces may not).
    counts_for_voting: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    building: Mapped[Building] = relationship(back_populates="units")
    ownerships: Mapped[list[Ownership]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="Ownership.position"
    )

    @property
    def owners(self) -> list[Owner]:
        return [o.owner for o in self.ownerships]

    @property
    def area_display(self) -> str:
        return format_area(self.area)


class Owner(db.Model):
    """A natural or legal person named as owner in the register."""

    __tablename__ = "owners"
    __table_args__ = (UniqueConstraint("community_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    #: The owner id used by the register file (``owners`` column), e.g. "O0001".
    ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[OwnerKind] = mapped_column(Enum(OwnerKind, native_enum=False, length=10), default=OwnerKind.NATURAL)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: Only a masked ID number is ever stored, e.g. "1101**********123X".
    id_number_masked: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    #: The account that a committee member confirmed as this owner (R14 real-name verification).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    ownerships: Mapped[list[Ownership]] = relationship(back_populates="owner")
    user = relationship("User", foreign_keys=[user_id], back_populates="owner_records")

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class Ownership(db.Model):
    """An owner's share in a unit; a unit with several is co-owned (R4c)."""

    __tablename__ = "ownerships"
    __table_args__ = (UniqueConstraint("unit_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)
    #: Order of the owner in the register's ``owners`` column.
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The co-owner designated to cast for a co-owned unit (R4c); the first owner by default.
    is_designated_voter: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[Unit] = relationship(back_populates="ownerships")
    owner: Mapped[Owner] = relationship(back_populates="ownerships")


def mask_name(name: str) -> str:
    """Mask a personal name for public lists: 张三丰 → 张**."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
