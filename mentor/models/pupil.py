"""Pupils in grades 7–10, what they are curious about, and their single-purpose links.

Pupils are children (13–16): everything about them is personal data kept for the pupil retention
period past ``last_school_year``, after which the privacy job anonymises the row. Anonymisation
overwrites the required personal columns (names, ``school_ref``) with placeholders and clears the
optional ones, so the row keeps counting in statistics without naming anyone.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mentor.db import Base, Retention, TimestampMixin, utcnow
from mentor.models._types import JSONDocument, not_personal, personal, str_enum
from mentor.models.organisation import Interest, Organisation, Programme

if TYPE_CHECKING:
    from mentor.models.account import User

PUPIL = Retention.PUPIL
SECURITY = Retention.SECURITY

# Danish alphabetical order (CLDR's "da" collation, which Excel and ICU follow): æ, ø, å come
# after z; ä, ö and aa are sorted as æ, ø and å ("Aagaard" with "Ågård"), ü as y; other accents
# are ignored. "{", "|" and "}" are the three characters after "z" in byte order, so the key
# sorts right under a binary collation (SQLite's default, "C" on PostgreSQL).
_DANISH_LETTERS = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"})
# Both names (100 characters each) and the space between them.
SORT_NAME_LENGTH = 201


def danish_sort_key(text: str) -> str:
    """``text`` lower-cased and folded so that byte order is Danish alphabetical order."""
    # NFC first: a name typed on a Mac may spell "å" as "a" and a combining ring.
    folded = unicodedata.normalize("NFC", text).strip().casefold()
    folded = folded.replace("aa", "å").translate(_DANISH_LETTERS)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def pupil_sort_name(first_name: str | None, last_name: str | None) -> str:
    """The key lists sort and search by: first name, then last name, as class lists are kept."""
    return danish_sort_key(f"{first_name or ''} {last_name or ''}")[:SORT_NAME_LENGTH]


def _sort_name_default(context: DefaultExecutionContext) -> str:
    # For inserts that bypass the ORM attributes (bulk inserts): computed from the row itself.
    row: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return pupil_sort_name(row.get("first_name"), row.get("last_name"))


class PupilStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    ANONYMISED = "anonymised"


class ConsentState(StrEnum):
    MISSING = "missing"
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ConsentMethod(StrEnum):
    PAPER = "paper"
    EMAIL = "email"
    PHONE = "phone"
    DIGITAL = "digital"
    IN_PERSON = "in_person"


class PupilLinkPurpose(StrEnum):
    QUESTIONNAIRE = "questionnaire"
    FEEDBACK = "feedback"
    # The short exit question when a counsellor closes a match.
    EXIT = "exit"


class Pupil(TimestampMixin, Base):
    """A pupil enrolled by their school's coordinator."""

    __tablename__ = "pupil"
    __table_args__ = (
        # Re-import updates by the school's own reference, so it must identify one pupil.
        UniqueConstraint("school_id", "school_ref"),
        CheckConstraint("grade BETWEEN 7 AND 10", name="grade"),
        CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1990 AND 2100", name="birth_year"
        ),
        CheckConstraint("last_school_year BETWEEN 2000 AND 2100", name="last_school_year"),
        # The processing basis is the public task, but the programme asks the guardian's consent
        # and must be able to show who gave it, when and how.
        CheckConstraint(
            "consent_state <> 'given' OR (consent_at IS NOT NULL AND consent_method IS NOT NULL"
            " AND consent_given_by IS NOT NULL)",
            name="consent_given_recorded",
        ),
        # The list: one school's (or a counsellor's schools') pupils in Danish order.
        Index("ix_pupil_school_id_sort_name", "school_id", "sort_name"),
        # The list of many schools and its name search: a page's ids, the count and a
        # ``sort_name LIKE`` read from the index alone, in order (bench/profiles/pupil_list.txt).
        Index("ix_pupil_status_sort_name_id_school_id", "status", "sort_name", "id", "school_id"),
        # The list's class filter options: the distinct classes of the user's schools.
        Index("ix_pupil_status_class_name_school_id", "status", "class_name", "school_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=personal(PUPIL))
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), info=personal(PUPIL))
    school_ref: Mapped[str] = mapped_column(String(40), info=personal(PUPIL))
    first_name: Mapped[str] = mapped_column(String(100), info=personal(PUPIL))
    last_name: Mapped[str] = mapped_column(String(100), info=personal(PUPIL))
    # Derived from the names (``pupil_sort_name``), kept in step by ``_keep_sort_name`` and the
    # insert default; a bulk UPDATE of names must set it too. Binary collation: see the key.
    sort_name: Mapped[str] = mapped_column(
        String(SORT_NAME_LENGTH).with_variant(
            String(SORT_NAME_LENGTH, collation="C"), "postgresql"
        ),
        default=_sort_name_default,
        info=personal(PUPIL),
    )
    grade: Mapped[int] = mapped_column(SmallInteger, index=True, info=personal(PUPIL))
    class_name: Mapped[str | None] = mapped_column(String(20), info=personal(PUPIL))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger, info=personal(PUPIL))
    guardian_name: Mapped[str | None] = mapped_column(String(200), info=personal(PUPIL))
    guardian_email: Mapped[str | None] = mapped_column(String(254), info=personal(PUPIL))
    guardian_phone: Mapped[str | None] = mapped_column(String(30), info=personal(PUPIL))
    # The pupil's own address, where the school has one: questionnaire links can go there.
    email: Mapped[str | None] = mapped_column(String(254), info=personal(PUPIL))
    # ISO 639-1 codes, e.g. ["da", "ar"].
    languages: Mapped[list[str]] = mapped_column(JSONDocument, default=list, info=personal(PUPIL))
    # Weekly slots: [{"weekday": 0-6 (Monday = 0), "start": "14:00", "end": "16:00"}].
    availability: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, info=personal(PUPIL)
    )
    # The counsellor's priority: matched first.
    priority: Mapped[bool] = mapped_column(default=False, info=personal(PUPIL))
    status: Mapped[PupilStatus] = mapped_column(
        str_enum(PupilStatus, name="status"),
        default=PupilStatus.ACTIVE,
        index=True,
        info=not_personal(PUPIL),
    )
    # The year the pupil's last school year ends (2027 = 2026/27); retention counts from it.
    last_school_year: Mapped[int] = mapped_column(SmallInteger, index=True, info=personal(PUPIL))
    consent_state: Mapped[ConsentState] = mapped_column(
        str_enum(ConsentState, name="consent_state"),
        default=ConsentState.MISSING,
        index=True,
        info=personal(PUPIL),
    )
    consent_given_by: Mapped[str | None] = mapped_column(String(200), info=personal(PUPIL))
    consent_method: Mapped[ConsentMethod | None] = mapped_column(
        str_enum(ConsentMethod, name="consent_method"), info=personal(PUPIL)
    )
    consent_at: Mapped[datetime | None] = mapped_column(info=personal(PUPIL))
    consent_recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(PUPIL)
    )
    questionnaire_completed_at: Mapped[datetime | None] = mapped_column(info=personal(PUPIL))
    # From the questionnaire: what the pupil would like to talk about with an ambassador, and
    # whether an ambassador who went to the pupil's own school is wanted (None: not answered).
    conversation_wish: Mapped[str | None] = mapped_column(Text, info=personal(PUPIL))
    wants_alumnus: Mapped[bool | None] = mapped_column(info=personal(PUPIL))

    school: Mapped[Organisation] = relationship(lazy="raise")
    consent_recorded_by: Mapped[User | None] = relationship(lazy="raise")
    interests: Mapped[list[Interest]] = relationship(
        secondary="pupil_interest", lazy="raise", order_by="Interest.sort_order"
    )
    programme_interests: Mapped[list[PupilProgrammeInterest]] = relationship(
        lazy="raise",
        order_by="PupilProgrammeInterest.rank",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @validates("first_name", "last_name")
    def _keep_sort_name(self, key: str, value: str) -> str:
        first = value if key == "first_name" else self.__dict__.get("first_name")
        last = value if key == "last_name" else self.__dict__.get("last_name")
        self.sort_name = pupil_sort_name(first, last)
        return value


class PupilInterest(Base):
    __tablename__ = "pupil_interest"

    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), primary_key=True, info=personal(PUPIL)
    )
    interest_id: Mapped[int] = mapped_column(
        ForeignKey("interest.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        info=personal(PUPIL),
    )


class PupilProgrammeInterest(Base):
    """A programme the pupil is curious about, ranked 1 (most) to 5 like the optagelse.dk list."""

    __tablename__ = "pupil_programme_interest"
    __table_args__ = (
        UniqueConstraint("pupil_id", "rank"),
        CheckConstraint("rank BETWEEN 1 AND 5", name="rank"),
    )

    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), primary_key=True, info=personal(PUPIL)
    )
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        info=personal(PUPIL),
    )
    rank: Mapped[int] = mapped_column(SmallInteger, info=personal(PUPIL))

    programme: Mapped[Programme] = relationship(lazy="raise")


class PupilLink(Base):
    """A single-purpose link for a pupil (no account): the questionnaire or a meeting's feedback."""

    __tablename__ = "pupil_link"
    __table_args__ = (
        CheckConstraint(
            "purpose <> 'feedback' OR meeting_id IS NOT NULL", name="feedback_has_meeting"
        ),
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        CheckConstraint("purpose <> 'exit' OR match_id IS NOT NULL", name="exit_has_match"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    purpose: Mapped[PupilLinkPurpose] = mapped_column(
        str_enum(PupilLinkPurpose, name="purpose"), info=not_personal(SECURITY)
    )
    # SHA-256 hex of the token in the link; the link itself is only in the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=not_personal(SECURITY))
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), index=True, info=personal(SECURITY)
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True, info=personal(SECURITY)
    )
    # The closed match an exit question asks about.
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), index=True, info=personal(SECURITY)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(SECURITY))
    expires_at: Mapped[datetime] = mapped_column(index=True, info=not_personal(SECURITY))
    used_at: Mapped[datetime | None] = mapped_column(info=not_personal(SECURITY))
    # A coordinator can take a link back (a sheet left in a classroom); it then opens nothing.
    revoked_at: Mapped[datetime | None] = mapped_column(info=not_personal(SECURITY))

    pupil: Mapped[Pupil] = relationship(lazy="raise")
