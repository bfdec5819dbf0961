"""Settings an admin edits in the app (the pupil retention period, proposal expiry, ...).

Deployment settings live in ``MENTOR_*`` environment variables (mentor.config); these are the
programme's own choices, which change without a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mentor.db import Base, Retention, utcnow
from mentor.models._types import JSONDocument, not_personal, personal

REF = Retention.REFERENCE


class Setting(Base):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True, info=not_personal(REF))
    value: Mapped[Any] = mapped_column(JSONDocument, info=not_personal(REF))
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal(REF)
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(REF)
    )
