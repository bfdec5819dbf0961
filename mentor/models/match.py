"""Matching runs, matches, the counsellor's pair rules, and stored scoring models.

A match is proposed by a counsellor's run (a human decides each match: GDPR Art. 22) and then
accepted or declined by the ambassador. At most one match per pupil is *open* (proposed or
accepted); a partial unique index holds that even when two counsellors commit at the same time.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor.db import Base, Retention, utcnow
from mentor.models._types import JSONDocument, not_personal, personal, str_enum
from mentor.models.ambassador import Ambassador
from mentor.models.pupil import Pupil

MENTORING = Retention.MENTORING
REF = Retention.REFERENCE


class MatchRunState(StrEnum):
    PREVIEW = "preview"
    COMMITTED = "committed"
    DISCARDED = "discarded"


class MatchState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    # Unanswered past the deadline: returns the pupil to the pool like a decline.
    EXPIRED = "expired"


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    POOR_FIT = "poor_fit"
    KNOW_THE_PUPIL = "know_the_pupil"
    SCHEDULE = "schedule"
    OTHER = "other"


# The states that hold a pupil: the partial unique index and the services share them.
OPEN_MATCH_STATES = (MatchState.PROPOSED, MatchState.ACCEPTED)
_OPEN_MATCH_WHERE = "state IN ('proposed', 'accepted')"


class CloseReason(StrEnum):
    APPLIED = "applied"
    MOVED = "moved"
    NO_LONGER_WANTED = "no_longer_wanted"
    AMBASSADOR_LEFT = "ambassador_left"
    OTHER = "other"


class PairRuleKind(StrEnum):
    LOCKED = "locked"
    FORBIDDEN = "forbidden"


class MatchRun(Base):
    """One run of the matcher over a scope: previewed, then committed or discarded."""

    __tablename__ = "match_run"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    # {"school_ids": [...], "grades": [...]}: which pupils and ambassadors took part.
    scope: Mapped[dict[str, Any]] = mapped_column(JSONDocument, info=not_personal(MENTORING))
    # The solver options chosen (fair school shares, ...).
    options: Mapped[dict[str, Any]] = mapped_column(JSONDocument, info=not_personal(MENTORING))
    state: Mapped[MatchRunState] = mapped_column(
        str_enum(MatchRunState, name="state"),
        default=MatchRunState.PREVIEW,
        index=True,
        info=not_personal(MENTORING),
    )
    model_version: Mapped[str | None] = mapped_column(String(40), info=not_personal(MENTORING))
    # Aggregates only (coverage per school and grade, solve time): no pupil in here.
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, info=not_personal(MENTORING))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))
    committed_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))


class MatchRunPupil(Base):
    """One eligible pupil of a previewed run: the proposed ambassador, or why there is none.

    Nothing here reaches an ambassador: proposals are made from these rows only when the
    counsellor commits the run.
    """

    __tablename__ = "match_run_pupil"
    __table_args__ = (UniqueConstraint("run_id", "pupil_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    run_id: Mapped[int] = mapped_column(
        ForeignKey("match_run.id", ondelete="CASCADE"), info=not_personal(MENTORING)
    )
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    ambassador_id: Mapped[int | None] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    score: Mapped[float | None] = mapped_column(Float, info=personal(MENTORING))
    # {"reasons": [{"feature", "contribution", "da", "en"}]}, as stored on the match at commit.
    explanation: Mapped[dict[str, Any] | None] = mapped_column(
        JSONDocument, info=personal(MENTORING)
    )
    # The pupil's next-best allowed ambassadors: [{"ambassador_id": 3, "score": 0.61}, ...].
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, info=personal(MENTORING)
    )
    locked: Mapped[bool] = mapped_column(default=False, info=not_personal(MENTORING))
    # Why an eligible pupil got no ambassador (the engine's reason code).
    unmatched_reason: Mapped[str | None] = mapped_column(String(40), info=not_personal(MENTORING))


class Match(Base):
    __tablename__ = "match"
    __table_args__ = (
        Index(
            "uq_match_pupil_id_open",
            "pupil_id",
            unique=True,
            sqlite_where=text(_OPEN_MATCH_WHERE),
            postgresql_where=text(_OPEN_MATCH_WHERE),
        ),
        # Capacity counts: open matches per ambassador.
        Index("ix_match_ambassador_id_state", "ambassador_id", "state"),
        # The "proposals waiting too long" queue.
        Index("ix_match_state_proposed_at", "state", "proposed_at"),
        # "Has the pupil an open match?" (queues, home cards, matching's overview) from the index.
        Index("ix_match_pupil_id_state", "pupil_id", "state"),
        # "Accepted, no meeting N days after the yes" and the recently accepted: a range of
        # the accepted, their pupils from the index.
        Index("ix_match_state_responded_at_pupil_id", "state", "responded_at", "pupil_id"),
        CheckConstraint(
            "state <> 'closed' OR (closed_at IS NOT NULL AND close_reason IS NOT NULL)",
            name="closed_has_reason",
        ),
        CheckConstraint("state <> 'declined' OR responded_at IS NOT NULL", name="declined_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id"), info=personal(MENTORING)
    )
    # None for a match a counsellor made by hand.
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_run.id", ondelete="SET NULL"), index=True, info=not_personal(MENTORING)
    )
    state: Mapped[MatchState] = mapped_column(
        str_enum(MatchState, name="state"),
        default=MatchState.PROPOSED,
        info=not_personal(MENTORING),
    )
    score: Mapped[float | None] = mapped_column(Float, info=personal(MENTORING))
    # The reasons shown to the counsellor: {"reasons": [{"feature": ..., "contribution": ...}]}.
    explanation: Mapped[dict[str, Any] | None] = mapped_column(
        JSONDocument, info=personal(MENTORING)
    )
    model_version: Mapped[str | None] = mapped_column(String(40), info=not_personal(MENTORING))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))
    responded_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    decline_reason: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    decline_category: Mapped[DeclineReason | None] = mapped_column(
        str_enum(DeclineReason, name="decline_category"), info=not_personal(MENTORING)
    )
    # The day-before reminder of an unanswered proposal; set once, so cron can run it again.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    # When the school's coordinator passed an accepted match on to the pupil (the printed note).
    handed_over_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    closed_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    close_reason: Mapped[CloseReason | None] = mapped_column(
        str_enum(CloseReason, name="close_reason"), info=personal(MENTORING)
    )
    close_note: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )

    pupil: Mapped[Pupil] = relationship(lazy="raise")
    ambassador: Mapped[Ambassador] = relationship(lazy="raise")
    run: Mapped[MatchRun | None] = relationship(lazy="raise")


class PairRule(Base):
    """A counsellor's decision about one pair: always match them, or never."""

    __tablename__ = "pair_rule"
    __table_args__ = (UniqueConstraint("pupil_id", "ambassador_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    kind: Mapped[PairRuleKind] = mapped_column(
        str_enum(PairRuleKind, name="kind"), info=personal(MENTORING)
    )
    reason: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))


class ScoringModelRecord(Base):
    """A trained scoring model as plain numbers (never a pickle: loading one runs code)."""

    __tablename__ = "scoring_model"
    __table_args__ = (
        # One model scores at a time.
        Index(
            "uq_scoring_model_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    version: Mapped[str] = mapped_column(String(40), unique=True, info=not_personal(REF))
    weights: Mapped[dict[str, Any]] = mapped_column(JSONDocument, info=not_personal(REF))
    # Cross-validation results that justified (or not) making it active.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONDocument, info=not_personal(REF))
    active: Mapped[bool] = mapped_column(default=False, info=not_personal(REF))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(REF))
