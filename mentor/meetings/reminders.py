"""``mentor reminders send``: the day-before reminder and the nudges to log a meeting.

Run by cron every 15 minutes, possibly from several machines at once. Each e-mail goes out once:
the meeting row records what was sent (``reminder_sent_at``, ``log_nudges_sent``,
``log_overdue_reported_at``) in the same transaction that queues the mail, and the rows are
claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), so a second run at the same time
skips what the first one holds, and a run after it finds nothing left to do. On SQLite,
``BEGIN IMMEDIATE`` makes the runs take turns.

The rules:

- **Reminder**: a meeting that stands (pending or scheduled) and starts within the next 24 hours
  is reminded once, to the ambassador and the coordinators of the school.
- **Log nudges**: a scheduled or held meeting with no log is nudged to its ambassador 24 hours
  after it ended, and again after 3 days. A run that finds a meeting already 3 days over with no
  nudge sent (cron was down) sends one nudge, not two.
- **Overdue**: 4 days after it ended — a day after the second nudge, so the ambassador has had a
  day to answer it — the counsellors of the school (those with it in their caseload) are told,
  once. A run that first sees a meeting past that mark nudges the ambassador and tells the
  counsellors together: the decision depends only on the time, never on which run came first.
- Meetings that ended more than 30 days ago are left alone: a first run on old data must not
  send a flood of mail about last term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.meetings.ics import MeetingNames, meeting_names
from mentor.models import (
    Meeting,
    MeetingLog,
    MeetingState,
    User,
)
from mentor.notifications.service import queue_email
from mentor.organisations.school_staff import ambassador_user, coordinators_of, counsellors_of

REMIND_AHEAD = timedelta(hours=24)
FIRST_NUDGE = timedelta(hours=24)
SECOND_NUDGE = timedelta(days=3)
REPORT_OVERDUE = timedelta(days=4)
NUDGE_HORIZON = timedelta(days=30)

REMINDED_STATES = (MeetingState.PENDING, MeetingState.SCHEDULED)
# A pending meeting that was never confirmed did not take place: nothing to log.
LOGGED_STATES = (MeetingState.SCHEDULED, MeetingState.HELD)


@dataclass(frozen=True)
class ReminderResult:
    reminders: int
    nudges: int
    overdue_reports: int


def _claim(query: Select[tuple[Meeting]]) -> Select[tuple[Meeting]]:
    # Another machine running the same command skips the rows this one holds (PostgreSQL;
    # SQLite has no row locks, and BEGIN IMMEDIATE serialises the runs).
    return query.order_by(Meeting.id).with_for_update(of=Meeting, skip_locked=True)


def _ambassador(db: Session, meeting: Meeting) -> list[User]:
    user = ambassador_user(db, meeting.ambassador_id)
    return [user] if user.is_active else []


@dataclass(frozen=True)
class _About:
    meeting: Meeting
    names: MeetingNames
    settings: Settings


def _mail(db: Session, people: Sequence[User], template: str, about: _About, **extra: Any) -> None:
    meeting, names = about.meeting, about.names
    for person in people:
        queue_email(
            db,
            to=person.email,
            template=template,
            locale=person.locale or "da",
            context={
                "name": person.full_name,
                "ambassador": names.ambassador,
                "pupils": ", ".join(names.participants),
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "location": meeting.location,
                "online_url": meeting.online_url,
                "waits_for_school": meeting.state is MeetingState.PENDING,
                "link": f"{about.settings.base_url.rstrip('/')}/meetings/{meeting.id}",
                **extra,
            },
        )


def _remind(db: Session, *, now: datetime, settings: Settings) -> int:
    meetings = db.scalars(
        _claim(
            select(Meeting).where(
                Meeting.state.in_(REMINDED_STATES),
                Meeting.reminder_sent_at.is_(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + REMIND_AHEAD,
            )
        )
    ).all()
    names = meeting_names(db, [m.id for m in meetings])
    for meeting in meetings:
        meeting.reminder_sent_at = now
        about = _About(meeting, names[meeting.id], settings)
        _mail(db, _ambassador(db, meeting), "meeting_reminder", about, coordinator=False)
        _mail(
            db, coordinators_of(db, meeting.school_id), "meeting_reminder", about, coordinator=True
        )
    db.flush()
    return len(meetings)


def _nudge(db: Session, *, now: datetime, settings: Settings) -> tuple[int, int]:
    no_log = ~exists().where(MeetingLog.meeting_id == Meeting.id)
    meetings = db.scalars(
        _claim(
            select(Meeting).where(
                Meeting.state.in_(LOGGED_STATES),
                Meeting.ends_at <= now - FIRST_NUDGE,
                Meeting.ends_at > now - NUDGE_HORIZON,
                Meeting.log_overdue_reported_at.is_(None),
                no_log,
            )
        )
    ).all()
    names = meeting_names(db, [m.id for m in meetings])
    nudges = reports = 0
    for meeting in meetings:
        over = now - meeting.ends_at
        due = 2 if over >= SECOND_NUDGE else 1
        about = _About(meeting, names[meeting.id], settings)
        if meeting.log_nudges_sent < due:
            meeting.log_nudges_sent = due
            late = over >= REPORT_OVERDUE  # cron was down: the counsellor is told right away
            _mail(
                db, _ambassador(db, meeting), "meeting_log_nudge", about, last=due == 2, late=late
            )
            nudges += 1
        if over >= REPORT_OVERDUE:
            meeting.log_overdue_reported_at = now
            _mail(db, counsellors_of(db, meeting.school_id), "meeting_log_overdue", about)
            reports += 1
    db.flush()
    return nudges, reports


def send_reminders(db: Session, *, now: datetime, settings: Settings) -> ReminderResult:
    """Queue the reminders and log nudges that are due at ``now``. Idempotent; flushes."""
    reminders = _remind(db, now=now, settings=settings)
    nudges, reports = _nudge(db, now=now, settings=settings)
    return ReminderResult(reminders=reminders, nudges=nudges, overdue_reports=reports)
