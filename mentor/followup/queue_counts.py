"""The queues counted: each queue's size and oldest entry for the dashboard, the home page's
cards and the weekly digest — the pupil queues in one grouped query, the flags in another, every
other queue in one aggregate query over the queue's own select (``queues.queue_select``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from mentor.config import Settings
from mentor.data_generation import remembered
from mentor.followup.queues import (
    QueueKey,
    Thresholds,
    active_pupils_in,
    caseload,
    flag_conditions,
    queue_label,
    queue_select,
    thresholds,
)
from mentor.models import (
    ConsentState,
    Match,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    Pupil,
    User,
)
from mentor.models.match import OPEN_MATCH_STATES


@dataclass(frozen=True)
class QueueCount:
    key: QueueKey
    label: str
    count: int
    oldest: datetime | None


# The queues of pupils themselves, counted together in one pass over the caseload's pupils.
_PUPIL_QUEUES = (QueueKey.NO_CONSENT, QueueKey.NO_QUESTIONNAIRE, QueueKey.UNMATCHED)


def _pupil_queue_sizes(
    db: Session, scope: Select[tuple[int]], keys: Iterable[QueueKey]
) -> dict[QueueKey, tuple[int, datetime | None]]:
    """The pupil queues' sizes and oldest entries in one query: grouped by which queues a pupil
    is in (at most eight groups), so that each condition — the open-match lookup above all — is
    worked out once a pupil, not once an aggregate."""
    wanted = [key for key in _PUPIL_QUEUES if key in keys]
    if not wanted:
        return {}
    # A pupil has at most one open match (uq_match_pupil_id_open): joined, not a row more.
    open_match = aliased(Match)
    member: dict[QueueKey, ColumnElement[bool]] = {
        QueueKey.NO_CONSENT: Pupil.consent_state != ConsentState.GIVEN,
        QueueKey.NO_QUESTIONNAIRE: Pupil.questionnaire_completed_at.is_(None),
        QueueKey.UNMATCHED: and_(
            Pupil.consent_state == ConsentState.GIVEN, open_match.id.is_(None)
        ),
    }
    in_queue = [case((member[key], 1), else_=0) for key in wanted]
    query = (
        select(
            *in_queue,
            func.count(),
            func.min(Pupil.created_at),
            func.min(func.coalesce(Pupil.consent_at, Pupil.created_at)),
        )
        .select_from(Pupil)
        .outerjoin(
            open_match,
            and_(open_match.pupil_id == Pupil.id, open_match.state.in_(OPEN_MATCH_STATES)),
        )
        .where(active_pupils_in(scope))
        .group_by(*in_queue)
    )
    found: dict[QueueKey, tuple[int, datetime | None]] = dict.fromkeys(wanted, (0, None))
    for row in db.execute(query):
        flags, count, created, eligible = row[: len(wanted)], row[-3], row[-2], row[-1]
        for key, flag in zip(wanted, flags, strict=True):
            if flag:
                since = eligible if key is QueueKey.UNMATCHED else created
                total, oldest = found[key]
                found[key] = (total + count, _earliest(oldest, since))
    return found


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _size_select(
    key: QueueKey,
    *,
    scope: Select[tuple[int]],
    chosen: Thresholds,
    now: datetime,
    settings: Settings,
) -> Select[Any]:
    """``count(*)`` and ``min(since)`` of one queue, with only the joins its conditions need:
    the list's names and schools (a lookup a row) are left out."""
    rows = queue_select(key, scope=scope, chosen=chosen, now=now, settings=settings, lean=True)
    counted = rows.subquery()
    return select(func.count(), func.min(counted.c.since))


def _flag_groups(
    db: Session, *, scope: Select[tuple[int]], chosen: Thresholds, now: datetime
) -> list[tuple[str, int, int, datetime | None]]:
    """Unresolved follow-up flags by priority: (priority, all, red, oldest)."""
    red = now - timedelta(days=chosen.flag_red_days)
    query = (
        select(
            MeetingLog.follow_up_priority,
            func.count(),
            func.count().filter(MeetingLog.logged_at <= red),
            func.min(MeetingLog.logged_at),
        )
        .select_from(MeetingLog)
        .join(Meeting, Meeting.id == MeetingLog.meeting_id)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .where(flag_conditions(scope))
        .group_by(MeetingLog.follow_up_priority)
    )
    return [
        (str(priority), count, old, oldest) for priority, count, old, oldest in db.execute(query)
    ]


def counts(
    db: Session,
    *,
    user: User,
    now: datetime,
    settings: Settings,
    keys: Iterable[QueueKey] = tuple(QueueKey),
) -> tuple[Thresholds, list[QueueCount]]:
    """The size and oldest entry of each queue of ``keys`` (all by default): the pupil queues in
    one grouped query, the flags in another, every other queue in one aggregate query."""
    chosen, found, _flags = _counted(db, user=user, now=now, settings=settings, keys=keys)
    return chosen, found


def _counted(
    db: Session, *, user: User, now: datetime, settings: Settings, keys: Iterable[QueueKey]
) -> tuple[Thresholds, list[QueueCount], list[tuple[str, int, int, datetime | None]]]:
    wanted = tuple(key for key in QueueKey if key in set(keys))
    chosen = thresholds(db)
    sizes, flags = remembered(
        db,
        ("queue sizes", user.id, wanted, chosen),
        now=now,
        count=lambda: _sizes(
            db, user=user, chosen=chosen, now=now, settings=settings, wanted=wanted
        ),
    )
    found = [QueueCount(key, queue_label(key, chosen), *sizes[key]) for key in wanted]
    return chosen, found, flags


def _sizes(
    db: Session,
    *,
    user: User,
    chosen: Thresholds,
    now: datetime,
    settings: Settings,
    wanted: tuple[QueueKey, ...],
) -> tuple[
    dict[QueueKey, tuple[int, datetime | None]], list[tuple[str, int, int, datetime | None]]
]:
    scope = caseload(user)
    sizes = _pupil_queue_sizes(db, scope, wanted)
    flags = (
        _flag_groups(db, scope=scope, chosen=chosen, now=now) if QueueKey.FLAGS in wanted else []
    )
    if QueueKey.FLAGS in wanted:
        oldest_flag: datetime | None = None
        for _priority, _count, _old, oldest in flags:
            oldest_flag = _earliest(oldest_flag, oldest)
        sizes[QueueKey.FLAGS] = (sum(count for _p, count, _o, _t in flags), oldest_flag)
    for key in wanted:
        if key not in sizes:
            count, oldest = db.execute(
                _size_select(key, scope=scope, chosen=chosen, now=now, settings=settings)
            ).one()
            sizes[key] = (count, oldest)
    return sizes, flags


@dataclass(frozen=True)
class DashboardCounts:
    thresholds: Thresholds
    queues: list[QueueCount]
    # Unresolved follow-up flags by priority: (all, red — older than the threshold).
    flags: dict[str, tuple[int, int]]


def dashboard_counts(
    db: Session, *, user: User, now: datetime, settings: Settings
) -> DashboardCounts:
    """Every queue counted and the flags by priority (from the same query as the flags' queue)."""
    chosen, found, flags = _counted(db, user=user, now=now, settings=settings, keys=QueueKey)
    return DashboardCounts(chosen, found, {priority: (n, old) for priority, n, old, _t in flags})
