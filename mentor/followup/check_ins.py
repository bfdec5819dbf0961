"""Staff check-ins with ambassadors: a short contact log with due dates (MENTOR's standard of
regular staff contact with the mentor).

When is the next check-in about a match due? Counted from the day the ambassador accepted:
the first ones at the days of ``check_in_first_month_days`` (default 7 and 21: twice in the first
month) — the n-th check-in is due at the n-th of those days — and after those, every
``check_in_interval_days`` (default 30) after the last check-in. Both are Setting rows an admin
may change; a missing or malformed value falls back to the default. A check-in is overdue the
day after its due day; on the due day itself it is "due today".

The note is for counsellors only: it is never shown to an ambassador or a coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session, aliased

from mentor.audit.service import record
from mentor.errors import InvalidInput
from mentor.i18n import LOCAL_TIMEZONE, lazy_gettext
from mentor.models import (
    Ambassador,
    AmbassadorCheckIn,
    CheckInChannel,
    Match,
    MatchState,
    Organisation,
    Pupil,
    Setting,
    User,
)
from mentor.models.pupil import danish_sort_key
from mentor.policy import counsellor_school_ids

FIRST_MONTH_SETTING = "check_in_first_month_days"
INTERVAL_SETTING = "check_in_interval_days"
DEFAULT_FIRST_MONTH_DAYS = (7, 21)
DEFAULT_INTERVAL_DAYS = 30
NOTE_MAX = 2000
# A caseload's accepted matches, one aggregated row each; far more than a counsellor has.
LIST_LIMIT = 2000


@dataclass(frozen=True)
class Schedule:
    first_month_days: tuple[int, ...] = DEFAULT_FIRST_MONTH_DAYS
    interval_days: int = DEFAULT_INTERVAL_DAYS


def _days(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    days = int(value)
    return days if 1 <= days <= 366 else None


def schedule(db: Session) -> Schedule:
    """The check-in schedule from the settings, with the defaults where they are not set."""
    found = db.execute(
        select(Setting.key, Setting.value).where(
            Setting.key.in_((FIRST_MONTH_SETTING, INTERVAL_SETTING))
        )
    )
    rows: dict[str, Any] = dict(found.tuples().all())
    first: tuple[int, ...] = DEFAULT_FIRST_MONTH_DAYS
    raw_first = rows.get(FIRST_MONTH_SETTING)
    if isinstance(raw_first, list) and len(raw_first) <= 10:
        parsed = [_days(value) for value in raw_first]
        if all(value is not None for value in parsed):
            first = tuple(sorted(value for value in parsed if value is not None))
    interval = _days(rows.get(INTERVAL_SETTING)) or DEFAULT_INTERVAL_DAYS
    return Schedule(first_month_days=first, interval_days=interval)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIMEZONE).date()


def due_on(*, accepted_on: date, check_ins: int, last_on: date | None, plan: Schedule) -> date:
    """The day the next check-in about a match is due (see the module's docstring)."""
    if check_ins < len(plan.first_month_days):
        return accepted_on + timedelta(days=plan.first_month_days[check_ins])
    return (last_on or accepted_on) + timedelta(days=plan.interval_days)


@dataclass(frozen=True)
class MatchCheckIns:
    """An accepted match of the caseload with its check-ins so far and the next due day."""

    match_id: int
    pupil_name: str
    class_name: str
    school: str
    ambassador_name: str
    accepted_on: date
    check_ins: int
    last_on: date | None
    last_channel: CheckInChannel | None
    last_note: str | None
    due_on: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.due_on < self.today

    @property
    def due_today(self) -> bool:
        return self.due_on == self.today

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.due_on).days)


@dataclass(frozen=True)
class CheckInOverview:
    matches: list[MatchCheckIns]
    overdue: int
    due_today: int
    total: int
    plan: Schedule


def _in_caseload(user: User) -> Select[tuple[int]]:
    return select(Pupil.id).where(Pupil.school_id.in_(counsellor_school_ids(user)))


def overview(
    db: Session,
    user: User,
    *,
    now: datetime,
    search: str = "",
    school_id: int | None = None,
) -> CheckInOverview:
    """The caseload's accepted matches, overdue first (longest overdue first), then by due day.

    Two queries: the matches with their check-in count and last time (GROUP BY), then the
    channel and note of those last check-ins."""
    plan = schedule(db)
    today = local_day(now)
    stats = (
        select(
            AmbassadorCheckIn.match_id.label("match_id"),
            func.count(AmbassadorCheckIn.id).label("n"),
            func.max(AmbassadorCheckIn.at).label("last_at"),
        )
        .where(AmbassadorCheckIn.match_id.is_not(None))
        .group_by(AmbassadorCheckIn.match_id)
        .subquery()
    )
    school = aliased(Organisation)
    rows = db.execute(
        select(
            Match.id,
            Pupil.first_name,
            Pupil.last_name,
            Pupil.class_name,
            Pupil.grade,
            school.name,
            User.full_name,
            func.coalesce(Match.responded_at, Match.proposed_at),
            func.coalesce(stats.c.n, 0),
            stats.c.last_at,
        )
        .select_from(Match)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .join(school, school.id == Pupil.school_id)
        .join(Ambassador, Ambassador.id == Match.ambassador_id)
        .join(User, User.id == Ambassador.user_id)
        .outerjoin(stats, stats.c.match_id == Match.id)
        .where(
            Match.state == MatchState.ACCEPTED,
            Match.pupil_id.in_(_in_caseload(user)),
            Pupil.sort_name.contains(danish_sort_key(search), autoescape=True)
            if search
            else true(),
            Pupil.school_id == school_id if school_id is not None else true(),
        )
        .order_by(Match.id)
        .limit(LIST_LIMIT)
    ).all()
    last_by_match: dict[int, tuple[CheckInChannel, str | None]] = {}
    with_last = [(row[0], row[9]) for row in rows if row[9] is not None]
    if with_last:
        last = db.execute(
            select(
                AmbassadorCheckIn.match_id,
                AmbassadorCheckIn.channel,
                AmbassadorCheckIn.note,
            )
            .join(
                stats,
                (stats.c.match_id == AmbassadorCheckIn.match_id)
                & (stats.c.last_at == AmbassadorCheckIn.at),
            )
            .where(AmbassadorCheckIn.match_id.in_([match_id for match_id, _ in with_last]))
            .order_by(AmbassadorCheckIn.id)
        )
        for match_id, channel, note in last:
            if match_id is not None:
                last_by_match[match_id] = (channel, note)
    items: list[MatchCheckIns] = []
    for row in rows:
        accepted_on = local_day(row[7])
        last_on = local_day(row[9]) if row[9] is not None else None
        channel, note = last_by_match.get(row[0], (None, None))
        items.append(
            MatchCheckIns(
                match_id=row[0],
                pupil_name=f"{row[1]} {row[2]}",
                class_name=row[3] or str(row[4]),
                school=row[5],
                ambassador_name=row[6],
                accepted_on=accepted_on,
                check_ins=int(row[8]),
                last_on=last_on,
                last_channel=channel,
                last_note=note,
                due_on=due_on(
                    accepted_on=accepted_on, check_ins=int(row[8]), last_on=last_on, plan=plan
                ),
                today=today,
            )
        )
    items.sort(key=lambda item: (item.due_on, item.match_id))
    return CheckInOverview(
        matches=items,
        overdue=sum(1 for item in items if item.overdue),
        due_today=sum(1 for item in items if item.due_today),
        total=len(items),
        plan=plan,
    )


def record_check_in(
    db: Session,
    *,
    actor: User,
    match_id: int | None,
    day: date | None,
    channel: str | None,
    note: str | None,
    now: datetime,
) -> AmbassadorCheckIn:
    """Record a counsellor's contact with the ambassador of an accepted match of the caseload."""
    errors: dict[str, Any] = {}
    match = None
    if match_id is not None and 0 < match_id < 2**31:
        match = db.scalar(
            select(Match).where(
                Match.id == match_id,
                Match.state == MatchState.ACCEPTED,
                Match.pupil_id.in_(_in_caseload(actor)),
            )
        )
    if match is None:
        errors["match_id"] = lazy_gettext("Choose one of the options.")
    today = local_day(now)
    if day is None:
        errors["date"] = lazy_gettext("Enter a date like 28.11.2026.")
    elif day > today:
        errors["date"] = lazy_gettext("The check-in cannot be in the future.")
    elif match is not None and day < local_day(match.responded_at or match.proposed_at):
        errors["date"] = lazy_gettext("The check-in cannot be before the match was accepted.")
    try:
        the_channel = CheckInChannel((channel or "").strip())
    except ValueError:
        errors["channel"] = lazy_gettext("Choose one of the options.")
    text = (note or "").strip()
    if "\x00" in text:
        errors["note"] = lazy_gettext("This value is not valid.")
    elif len(text) > NOTE_MAX:
        errors["note"] = lazy_gettext("This text is too long.")
    if errors:
        raise InvalidInput(errors)
    assert match is not None
    assert day is not None
    # The time of day is unknown for an earlier day: noon, Danish time.
    at = now if day == today else datetime.combine(day, time(12), tzinfo=LOCAL_TIMEZONE)
    check_in = AmbassadorCheckIn(
        ambassador_id=match.ambassador_id,
        match_id=match.id,
        staff_id=actor.id,
        at=at,
        channel=the_channel,
        note=text or None,
    )
    db.add(check_in)
    db.flush()
    record(
        db,
        actor_id=actor.id,
        action="create",
        object_type="ambassador_check_in",
        object_id=check_in.id,
        pupil_id=match.pupil_id,
        details={"match_id": match.id, "channel": the_channel.value, "day": day.isoformat()},
    )
    return check_in
