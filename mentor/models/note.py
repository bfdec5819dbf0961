"""Counsellors' notes about a pupil."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor.db import Base, Retention, utcnow
from mentor.models._types import not_personal, personal
from mentor.models.account import User

PUPIL = Retention.PUPIL


class Note(Base):
    """A counsellor's note. Never shown to ambassadors (data minimisation): policy.py decides."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(PUPIL))
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), index=True, info=personal(PUPIL)
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(PUPIL)
    )
    body: Mapped[str] = mapped_column(Text, info=personal(PUPIL))
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, index=True, info=not_personal(PUPIL)
    )

    author: Mapped[User | None] = relationship(lazy="raise")
