"""Whether an ambassador's profile is ready to be proposed: interests, free times, a first login.

A vetted ambassador who never logged in, or whose profile has no interests or no weekly
availability, would be proposed on guesses: the reasons would be empty, the meetings could not be
planned, and the pupil would wait for someone who may never answer. So ``policy.
proposable_ambassadors`` leaves them out with the conditions below (the one definition), the
run's preview names them as "not ready" with what is missing, and their home page tells them
what to complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, FunctionElement, Integer, and_, exists, func, not_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import Ambassador, AmbassadorInterest, AmbassadorState, Organisation, User


class ProfileGap(StrEnum):
    """What keeps an active ambassador from being proposed."""

    INTERESTS = "interests"
    AVAILABILITY = "availability"
    NEVER_LOGGED_IN = "never_logged_in"


# Said to the staff about the ambassador.
GAP_LABELS: dict[ProfileGap, LazyText] = {
    ProfileGap.INTERESTS: lazy_gettext("no interests"),
    ProfileGap.AVAILABILITY: lazy_gettext("no times they can meet"),
    ProfileGap.NEVER_LOGGED_IN: lazy_gettext("has never logged in"),
}


class _JsonArrayLength(FunctionElement[int]):
    """The length of a JSON array column (NULL when the column is NULL)."""

    type = Integer()
    inherit_cache = True
    name = "json_array_length"


@compiles(_JsonArrayLength)
def _length_postgresql(element: _JsonArrayLength, compiler: SQLCompiler, **kw: Any) -> str:
    return f"jsonb_array_length({compiler.process(element.clauses, **kw)})"


@compiles(_JsonArrayLength, "sqlite")
def _length_sqlite(element: _JsonArrayLength, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_length({compiler.process(element.clauses, **kw)})"


def gap_conditions() -> dict[ProfileGap, ColumnElement[bool]]:
    """Each gap as a condition on ``Ambassador`` that holds when that thing is missing."""
    has_interest = (
        exists().where(AmbassadorInterest.ambassador_id == Ambassador.id).correlate(Ambassador)
    )
    has_logged_in = (
        exists()
        .where(User.id == Ambassador.user_id, User.last_login_at.is_not(None))
        .correlate(Ambassador)
    )
    return {
        ProfileGap.INTERESTS: not_(has_interest),
        ProfileGap.AVAILABILITY: func.coalesce(_JsonArrayLength(Ambassador.availability), 0) == 0,
        ProfileGap.NEVER_LOGGED_IN: not_(has_logged_in),
    }


def ready_condition() -> ColumnElement[bool]:
    """Holds when nothing is missing: used by ``policy.proposable_ambassadors``."""
    return and_(*(not_(condition) for condition in gap_conditions().values()))


@dataclass(frozen=True)
class NotReadyAmbassador:
    ambassador_id: int
    name: str
    institution: str
    missing: tuple[ProfileGap, ...]

    @property
    def missing_labels(self) -> list[LazyText]:
        return [GAP_LABELS[gap] for gap in self.missing]


def _not_ready() -> ColumnElement[bool]:
    return and_(
        Ambassador.state == AmbassadorState.ACTIVE,
        Ambassador.capacity > 0,
        not_(ready_condition()),
    )


def not_ready_count(db: Session) -> int:
    """How many active ambassadors with room are left out because their profile is not ready."""
    return db.scalar(select(func.count(Ambassador.id)).where(_not_ready())) or 0


def not_ready_ambassadors(db: Session, *, limit: int | None = None) -> list[NotReadyAmbassador]:
    """The active ambassadors with room (capacity above 0) who are left out of proposals because
    their profile is not ready, with what is missing; by name, the first ``limit`` of them."""
    conditions = gap_conditions()
    gaps = list(conditions)
    rows = db.execute(
        select(Ambassador.id, User.full_name, Organisation.name, *conditions.values())
        .join(User, User.id == Ambassador.user_id)
        .join(Organisation, Organisation.id == Ambassador.institution_id)
        .where(_not_ready())
        .order_by(User.full_name, Ambassador.id)
        .limit(limit)
    ).all()
    return [
        NotReadyAmbassador(
            ambassador_id=ambassador_id,
            name=name,
            institution=institution,
            missing=tuple(gap for gap, flag in zip(gaps, flags, strict=True) if flag),
        )
        for ambassador_id, name, institution, *flags in rows
    ]


def profile_gaps(db: Session, *, user_id: int) -> Sequence[ProfileGap]:
    """What this user's ambassador profile still lacks, for their own home page (none when they
    have no profile). Logging in is not among them: they are logged in to read it."""
    conditions = gap_conditions()
    del conditions[ProfileGap.NEVER_LOGGED_IN]
    flags = db.execute(
        select(*conditions.values()).select_from(Ambassador).where(Ambassador.user_id == user_id)
    ).one_or_none()
    if flags is None:
        return []
    return [gap for gap, flag in zip(conditions, flags, strict=True) if flag]
