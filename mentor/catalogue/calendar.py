"""Read-only questions the scheduler asks of what the admin keeps: closed periods and topics.

The school-year calendar (holidays, exam periods, blackout days) and the meeting topics are
reference data an admin edits (``mentor.catalogue.calendar_service``); meetings only read them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentor.models import CalendarEntry, MeetingTopic


def closed_periods(db: Session, *, school_id: int, start: date, end: date) -> list[CalendarEntry]:
    """The calendar entries for the school or all schools that overlap ``start``..``end``.

    Both ends are included, as in the entries themselves; ordered by first day.
    """
    query = (
        select(CalendarEntry)
        .where(
            or_(CalendarEntry.school_id.is_(None), CalendarEntry.school_id == school_id),
            CalendarEntry.starts_on <= end,
            CalendarEntry.ends_on >= start,
        )
        .order_by(CalendarEntry.starts_on, CalendarEntry.ends_on, CalendarEntry.id)
    )
    return list(db.scalars(query))


def active_topics(db: Session) -> list[MeetingTopic]:
    """The topics an ambassador can tick in a meeting log, in the admin's order."""
    query = (
        select(MeetingTopic)
        .where(MeetingTopic.active.is_(True))
        .order_by(MeetingTopic.sort_order, MeetingTopic.code)
    )
    return list(db.scalars(query))
