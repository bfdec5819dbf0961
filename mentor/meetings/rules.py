"""When a meeting may take place: the rules, which rule a time breaks, and the next free times.

A meeting lies inside one of the ambassador's weekly slots and inside the school's hours (all
meetings are in the pupils' school time, wherever they are held), on a day the school-year
calendar and the ambassador's blackout dates leave open, from now on and at most a year ahead,
15 to 120 minutes long, and free for everyone taking part. Local rules are read in
Europe/Copenhagen time; instants are UTC.

``SchedulingFrame`` holds what the rules look at for one booking, so that checking a time and
suggesting times are plain functions; ``load_frame`` reads it in four queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from mentor.i18n import LOCAL_TIMEZONE, LazyText, format_local_date, get_locale, lazy_gettext
from mentor.models import (
    BOOKED_STATES,
    Ambassador,
    CalendarEntry,
    Meeting,
    MeetingParticipant,
    Organisation,
)
from mentor.organisations.school_hours import school_hours_of, weekday_name

MIN_MINUTES = 15
MAX_MINUTES = 120
# Suggestions and free-time checks move in quarter hours.
STEP = timedelta(minutes=15)
HORIZON = timedelta(days=365)
SUGGESTION_DAYS = 28
SUGGESTIONS = 6
SUGGESTIONS_PER_DAY = 2


@dataclass(frozen=True)
class Window:
    """A weekly window in local time (Monday is 0)."""

    weekday: int
    start: time
    end: time

    def holds(self, start: datetime, end: datetime) -> bool:
        """Whether the local ``start``–``end`` (one day) lies inside this window."""
        return (
            start.weekday() == self.weekday
            and start.date() == end.date()
            and self.start <= start.time()
            and end.time() <= self.end
        )


@dataclass(frozen=True)
class ClosedDays:
    """Days with no meetings, both included: a holiday, exams, a blackout, the ambassador's own."""

    name: str
    first: date
    last: date
    ambassadors_own: bool = False

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class SchedulingFrame:
    availability: tuple[Window, ...]
    school_hours: tuple[Window, ...]
    closed: tuple[ClosedDays, ...]
    # Booked meetings of the ambassador and of the pupils (the moved meeting left out).
    busy: tuple[tuple[datetime, datetime], ...]


def _clock(value: Any) -> time | None:
    try:
        hour, minute = str(value).split(":")[:2]
        return time(int(hour), int(minute))
    except (ValueError, TypeError):
        return None


def windows(slots: Iterable[dict[str, Any]]) -> tuple[Window, ...]:
    """Stored weekly slots ({"weekday", "start", "end"}) as windows; broken ones left out."""
    found = []
    for slot in slots:
        weekday, start, end = (
            slot.get("weekday"),
            _clock(slot.get("start")),
            _clock(slot.get("end")),
        )
        if isinstance(weekday, int) and 0 <= weekday <= 6 and start and end and start < end:
            found.append(Window(weekday, start, end))
    return tuple(found)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _blackouts(ambassador: Ambassador) -> list[ClosedDays]:
    closed = []
    for period in ambassador.blackout_dates:
        first, last = _day(period.get("start")), _day(period.get("end"))
        if first and last:
            closed.append(ClosedDays("", first, last, ambassadors_own=True))
    return closed


YOUR_BLACKOUT = lazy_gettext(
    "You have marked this day as unavailable in your profile. Choose another day."
)


def load_frame(
    db: Session,
    *,
    ambassador: Ambassador,
    school: Organisation,
    pupil_ids: Sequence[int],
    start: datetime,
    end: datetime,
    moved_meeting_id: int | None = None,
) -> SchedulingFrame:
    """What the rules need to judge times between ``start`` and ``end`` (UTC)."""
    first_day, last_day = _local(start).date(), _local(end).date()
    entries = db.scalars(
        select(CalendarEntry).where(
            or_(CalendarEntry.school_id.is_(None), CalendarEntry.school_id == school.id),
            CalendarEntry.ends_on >= first_day,
            CalendarEntry.starts_on <= last_day,
        )
    ).all()
    danish = get_locale() == "da"
    closed = [
        ClosedDays(entry.name_da if danish else entry.name_en, entry.starts_on, entry.ends_on)
        for entry in entries
    ]
    not_moved = Meeting.id != moved_meeting_id if moved_meeting_id is not None else true()
    own = db.execute(
        select(Meeting.starts_at, Meeting.ends_at).where(
            Meeting.ambassador_id == ambassador.id,
            Meeting.state.in_(BOOKED_STATES),
            Meeting.ends_at > start,
            Meeting.starts_at < end,
            not_moved,
        )
    ).all()
    not_moved_participant = (
        MeetingParticipant.meeting_id != moved_meeting_id
        if moved_meeting_id is not None
        else true()
    )
    pupils = db.execute(
        select(MeetingParticipant.starts_at, MeetingParticipant.ends_at).where(
            MeetingParticipant.pupil_id.in_(pupil_ids),
            MeetingParticipant.booked,
            MeetingParticipant.ends_at > start,
            MeetingParticipant.starts_at < end,
            not_moved_participant,
        )
    ).all()
    return SchedulingFrame(
        availability=windows(ambassador.availability),
        school_hours=windows(school_hours_of(school)),
        closed=(*closed, *_blackouts(ambassador)),
        busy=tuple((row[0], row[1]) for row in [*own, *pupils]),
    )


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TIMEZONE)


def _period(closed: ClosedDays) -> str:
    if closed.first == closed.last:
        return format_local_date(closed.first)
    return f"{format_local_date(closed.first)}–{format_local_date(closed.last)}"


def _window_list(found: Sequence[Window]) -> str:
    return ", ".join(
        f"{weekday_name(w.weekday)} {w.start:%H:%M}–{w.end:%H:%M}" for w in found
    ) or str(NONE_SET)


NONE_SET = lazy_gettext("none set")


def length_problem(minutes: int) -> LazyText | None:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        return lazy_gettext(
            "A meeting lasts from %(min)s to %(max)s minutes.", min=MIN_MINUTES, max=MAX_MINUTES
        )
    return None


def when_problem(starts_at: datetime, now: datetime) -> LazyText | None:
    """From now on and at most a year ahead (checked first: a time in year 9999 cannot even be
    moved to Danish time)."""
    if starts_at <= now:
        return lazy_gettext("This time has passed. Choose a time from now on.")
    if starts_at > now + HORIZON:
        return lazy_gettext("Choose a time at most a year ahead.")
    return None


def time_problem(
    frame: SchedulingFrame, *, starts_at: datetime, minutes: int, now: datetime
) -> LazyText | None:
    """Which rule the time breaks, said so that the reader can choose another; None if none."""
    if problem := when_problem(starts_at, now):
        return problem
    ends_at = starts_at + timedelta(minutes=minutes)
    start, end = _local(starts_at), _local(ends_at)
    for closed in frame.closed:
        if closed.covers(start.date()):
            if closed.ambassadors_own:
                return YOUR_BLACKOUT
            return lazy_gettext(
                "There are no meetings then: %(name)s (%(period)s) in the school calendar.",
                name=closed.name,
                period=_period(closed),
            )
    if not any(window.holds(start, end) for window in frame.availability):
        return lazy_gettext(
            "This is outside the ambassador's weekly availability (%(slots)s).",
            slots=_window_list(frame.availability),
        )
    if not any(window.holds(start, end) for window in frame.school_hours):
        return lazy_gettext(
            "This is outside the school's hours (%(hours)s).",
            hours=_window_list(frame.school_hours),
        )
    if any(busy_start < ends_at and starts_at < busy_end for busy_start, busy_end in frame.busy):
        return OVERLAP
    return None


OVERLAP = lazy_gettext(
    "The ambassador or a pupil already has a meeting at this time. Choose another time."
)


def suggestions(
    frame: SchedulingFrame,
    *,
    minutes: int,
    now: datetime,
    count: int = SUGGESTIONS,
    days: int = SUGGESTION_DAYS,
) -> list[datetime]:
    """The next free times (UTC) that break no rule: at most ``SUGGESTIONS_PER_DAY`` a day,
    starting on the hour or the half hour, from tomorrow on (a day's notice for the school)."""
    found: list[datetime] = []
    first = _local(now).date() + timedelta(days=1)
    for offset in range(days):
        day = first + timedelta(days=offset)
        on_day = 0
        for window in frame.availability:
            if window.weekday != day.weekday():
                continue
            start = datetime.combine(day, window.start, tzinfo=LOCAL_TIMEZONE)
            while on_day < SUGGESTIONS_PER_DAY and start.time() < window.end:
                candidate = start.astimezone(UTC)
                if start.minute % 30 == 0 and (
                    time_problem(frame, starts_at=candidate, minutes=minutes, now=now) is None
                ):
                    found.append(candidate)
                    on_day += 1
                    start += timedelta(minutes=minutes)
                    continue
                start += STEP
            if len(found) >= count:
                return found[:count]
    return found
