"""Survey models."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govern import clock
from govern.dbtypes import UTCDateTime
from govern.enums import RichEnum, labelled
from govern.extensions import db


def _now() -> datetime:
    return clock.now()


DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
SCALE = range(1, 8)  # Likert 1–7


@labelled("survey_status")
class SurveyStatus(RichEnum):
    """draft (items editable) → open (answers accepted) → closed."""

    __labels__ = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")}
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: draft (items editable) → open (answers accepted) → closed
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[SurveyItem]] = relationship(back_populates="survey",
                                                    order_by="(SurveyItem.position, SurveyItem.id)",
                                                    cascade="all, delete-orphan")


class SurveyItem(db.Model):
    """A statement rated twice: what owners expect of excellent property service, and what they perceive here."""

    __tablename__ = "survey_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    #: One of DIMENSIONS.
    dimension: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    statement: Mapped[str] = mapped_column(String(300))

    survey: Mapped[Survey] = relationship(back_populates="items")


class SurveyResponse(db.Model):
    """One response per voting person (co-owners of a home are one person)."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    #: The voting person's id (govern.core.persons), e.g. "A" or "B1+B2".
    person: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("survey_items.id"), index=True)
    #: Likert 1–7.
    expectation: Mapped[int] = mapped_column(Integer)
    perception: Mapped[int] = mapped_column(Integer)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
