"""The re-match queue: pupils whose accepted match a counsellor closed for a reason that asks
for a new ambassador.

Derived, never stored: a pupil is in the queue while their latest match is CLOSED with a
re-match reason (the ambassador stopped, or "other") and they have no open proposal or match.
A new proposal takes the pupil out of the queue (it is then the latest match); so does a pupil
archived. The reasons that say the programme is done with the pupil (applied, moved, no longer
wanted) never put a pupil here.

The matcher keeps its own rule (``mentor.matches.features.eligible_pupils``): a pupil whose
match closed less than ``settings.rematch_buffer_days`` ago is not proposed yet. The queue
shows the date from which a run will propose the pupil again, so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    CloseReason,
    Match,
    MatchState,
    Organisation,
    Pupil,
    PupilStatus,
    User,
)
from mentor.models.pupil import danish_sort_key
from mentor.policy import counsellor_school_ids

# The reasons after which the pupil should get a new ambassador.
REMATCH_REASONS = (CloseReason.AMBASSADOR_LEFT, CloseReason.OTHER)
PAGE_SIZE = 50


def needs_rematch(reason: CloseReason | None) -> bool:
    return reason in REMATCH_REASONS


def rematch_queue(user: User) -> Select[tuple[Pupil, Match]]:
    """The counsellor's pupils waiting for a new ambassador, with the match that closed; the
    longest-waiting first. Nobody else has a caseload: for other roles the select is empty.

    It starts from the closed matches (few) and asks of each whether a newer one exists, rather
    than finding every pupil's latest match (a sort a pupil)."""
    other = aliased(Match)
    newer = exists(
        select(other.id).where(
            other.pupil_id == Match.pupil_id,
            or_(
                other.proposed_at > Match.proposed_at,
                and_(other.proposed_at == Match.proposed_at, other.id > Match.id),
            ),
        )
    )
    still_open = exists(
        select(other.id).where(other.pupil_id == Match.pupil_id, other.state.in_(OPEN_MATCH_STATES))
    )
    return (
        select(Pupil, Match)
        .select_from(Match)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(
            Match.state == MatchState.CLOSED,
            Match.close_reason.in_(REMATCH_REASONS),
            Pupil.school_id.in_(counsellor_school_ids(user)),
            Pupil.status == PupilStatus.ACTIVE,
            ~newer,
            ~still_open,
        )
        .order_by(Match.closed_at, Pupil.id)
    )


def waiting(db: Session, *, user: User) -> tuple[int, datetime | None]:
    """How many wait for a new ambassador, and since when the longest has waited."""
    query = rematch_queue(user).with_only_columns(func.count(), func.min(Match.closed_at))
    count, oldest = db.execute(query.order_by(None)).one()
    return count, oldest


@dataclass(frozen=True)
class QueueRow:
    pupil: Pupil
    school: str
    ambassador: str
    reason: CloseReason
    closed_at: datetime
    proposable_from: datetime


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def queue_page(
    db: Session,
    *,
    user: User,
    page: int,
    buffer_days: int,
    search: str = "",
    school_id: int | None = None,
    newest_first: bool = False,
    by_name: bool = False,
) -> QueuePage:
    """One page of the queue: a count and a page of rows (two queries, whatever the size),
    searched by name, for one school, longest waiting first (or newest, or by name)."""
    query = rematch_queue(user)
    if search:
        query = query.where(Pupil.sort_name.contains(danish_sort_key(search), autoescape=True))
    if school_id is not None:
        query = query.where(Pupil.school_id == school_id)
    if by_name:
        query = query.order_by(None).order_by(Pupil.sort_name, Pupil.id)
    elif newest_first:
        query = query.order_by(None).order_by(Match.closed_at.desc(), Pupil.id)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    ambassador_user = aliased(User)
    rows = db.execute(
        query.add_columns(Organisation.name, ambassador_user.full_name)
        .join(Organisation, Organisation.id == Pupil.school_id)
        .join(Ambassador, Ambassador.id == Match.ambassador_id)
        .join(ambassador_user, ambassador_user.id == Ambassador.user_id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    buffer = timedelta(days=buffer_days)
    return QueuePage(
        rows=[
            QueueRow(
                pupil=pupil,
                school=school,
                ambassador=ambassador,
                reason=match.close_reason or CloseReason.OTHER,
                closed_at=match.closed_at or match.proposed_at,
                proposable_from=(match.closed_at or match.proposed_at) + buffer,
            )
            for pupil, match, school, ambassador in rows
        ],
        total=total,
        page=page,
        pages=pages,
    )
