"""Notice models: the notice, its attachments, and one receipt row per recipient."""

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


@labelled("notice_importance")
class NoticeImportance(RichEnum):
    __labels__ = {"normal": _l("Normal"), "important": _l("Important: ask for “I have read this”")}
    NORMAL = "normal"
    IMPORTANT = "important"


@labelled("notice_audience")
class NoticeAudience(RichEnum):
    __labels__ = {"all": _l("All owners"), "building": _l("Owners of a building"), "role": _l("A role")}
    ALL = "all"
    BUILDING = "building"
    ROLE = "role"


IMPORTANCE = tuple(i.value for i in NoticeImportance)
AUDIENCES = tuple(a.value for a in NoticeAudience)


class Notice(db.Model):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Who speaks: "property" (物业) or "committee" (业委会).
    issuer: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown source, rendered safely (govern.markdown).
    body: Mapped[str] = mapped_column(Text, default="")
    #: normal or important; important notices ask for an explicit acknowledgement.
    importance: Mapped[str] = mapped_column(String(16), default="normal")
    #: all (every confirmed owner), building (owners with a unit in ``audience_value``), role (``audience_value``).
    audience: Mapped[str] = mapped_column(String(16), default="all")
    audience_value: Mapped[str] = mapped_column(String(64), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    #: Recipients frozen at publication (the denominator of the read and awareness rates).
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)

    author = relationship("User")
    attachments: Mapped[list[NoticeAttachment]] = relationship(back_populates="notice",
                                                                order_by="NoticeAttachment.id")

    @property
    def is_important(self) -> bool:
        return self.importance == NoticeImportance.IMPORTANT


class NoticeAttachment(db.Model):
    __tablename__ = "notice_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of the content, hex; also the file's name in instance/uploads/notices.
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    notice: Mapped[Notice] = relationship(back_populates="attachments")


class NoticeReceipt(db.Model):
    """A recipient of a notice: when they first opened it and when they acknowledged it (我已阅读)."""

    __tablename__ = "notice_receipts"
    __table_args__ = (UniqueConstraint("notice_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: First view in the app (the read receipt); later views do not move it.
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The explicit "I have read this" on an important notice.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
