"""Meeting logs: what the ambassador writes down after a meeting.

From the meeting's start on (never before), the meeting's ambassador logs who came, the topics
(from the admin's list), a short summary, and whether the pupil needs follow-up (a priority and a
reason). The author may change the log for ``EDIT_DAYS`` days after it was first saved; every
save is audited, one event per pupil of the meeting, without the text itself.

The meeting's state follows the attendance: HELD as soon as one pupil came. A meeting no one came
to stays as it was (scheduled, or waiting for the school's confirmation) — it was not held, and
"held" is what makes a match "i gang" and what the training data counts — but it is *logged*:
the log row says so, and the reminders stop asking for one. Changing a log back to "nobody came"
turns a HELD meeting back to SCHEDULED.

A high-priority flag e-mails the counsellors of the meeting's school at once (when the log is
first saved with it, or a save raises the flag to high): the mail names the pupils by first name
and links to the log; the summary and the reason stay behind the login.

Pupils marked present get a feedback link (``mentor.meetings.feedback``); a pupil changed from
present to absent has an unused link taken back.

Who reads a log is ``mentor.meetings.log_reading``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.catalogue.calendar import active_topics
from mentor.config import Settings
from mentor.db import locked
from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.i18n import LazyText, format_local_datetime, lazy_gettext
from mentor.meetings import feedback
from mentor.meetings.log_reading import with_log
from mentor.models import (
    Attendance,
    FollowUpPriority,
    Meeting,
    MeetingLog,
    MeetingState,
    User,
)
from mentor.notifications.service import queue_email
from mentor.organisations.school_staff import ambassador_user, counsellors_of
from mentor.policy import (
    is_meeting_ambassador,
)
from mentor.privacy.cpr import CPR_MESSAGE, contains_cpr

EDIT_DAYS = 7
SUMMARY_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 1000
# What the ambassador chooses between; "unknown" is only the state before the log.
LOGGED_ATTENDANCE = (Attendance.PRESENT, Attendance.ABSENT, Attendance.CANCELLED_LATE)
# A cancelled meeting, or one the school declined, has nothing to log.
_NOT_LOGGABLE = (MeetingState.CANCELLED, MeetingState.DECLINED)


class LogRefused(Conflict):
    """The log cannot be written now (too early, too late, the meeting did not take place)."""


NOT_HELD: LazyText = lazy_gettext("A cancelled or declined meeting cannot be logged.")
CHOOSE_ATTENDANCE: LazyText = lazy_gettext("Choose whether the pupil came.")
NOT_A_TOPIC: LazyText = lazy_gettext("Choose topics from the list.")
SUMMARY_REQUIRED: LazyText = lazy_gettext("Write a short summary of the meeting.")
CHOOSE_PRIORITY: LazyText = lazy_gettext("Choose a priority for the follow-up.")
REASON_REQUIRED: LazyText = lazy_gettext("Say why the pupil needs follow-up.")


def _too_long(limit: int) -> LazyText:
    return lazy_gettext("At most %(count)s characters, please.", count=limit)


def started(meeting: Meeting, now: datetime) -> bool:
    return now >= meeting.starts_at


def editable_until(log: MeetingLog) -> datetime:
    return log.logged_at + timedelta(days=EDIT_DAYS)


def refusal(meeting: Meeting, now: datetime) -> LazyText | None:
    """Why the author cannot write the log now, or None when they can."""
    if meeting.state in _NOT_LOGGABLE:
        return NOT_HELD
    if not started(meeting, now):
        return lazy_gettext(
            "You can log the meeting once it has started (%(start)s).",
            start=format_local_datetime(meeting.starts_at),
        )
    if meeting.log is not None and now > editable_until(meeting.log):
        return lazy_gettext(
            "The log can no longer be changed: logs can be changed for %(days)s days after "
            "they are saved.",
            days=EDIT_DAYS,
        )
    return None


# Writing


@dataclass(frozen=True)
class LogEntry:
    """The log form as posted: plain strings, checked by :func:`save_log`.

    ``attendance`` maps a participant's pupil id to the chosen value.
    """

    attendance: dict[int, str] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    summary: str = ""
    needs_follow_up: bool = False
    priority: str = ""
    reason: str = ""


@dataclass(frozen=True)
class _Checked:
    attendance: dict[int, Attendance]
    topics: list[str]
    summary: str
    needs_follow_up: bool
    priority: FollowUpPriority | None
    reason: str | None


def attendance_field(pupil_id: int) -> str:
    return f"attendance_{pupil_id}"


def _clean(text: str) -> str:
    return text.replace("\x00", "").replace("\r\n", "\n").strip()


def _check(db: Session, meeting: Meeting, entry: LogEntry) -> _Checked:
    errors: dict[str, LazyText | str] = {}
    attendance: dict[int, Attendance] = {}
    for participant in meeting.participants:
        value = entry.attendance.get(participant.pupil_id, "")
        try:
            chosen = Attendance(value)
        except ValueError:
            chosen = Attendance.UNKNOWN
        if chosen not in LOGGED_ATTENDANCE:
            errors[attendance_field(participant.pupil_id)] = CHOOSE_ATTENDANCE
        attendance[participant.pupil_id] = chosen

    allowed = {topic.code for topic in active_topics(db)}
    if meeting.log is not None:
        # A topic the admin retired since the log was saved may stay ticked.
        allowed |= set(meeting.log.topics or [])
    topics = list(dict.fromkeys(entry.topics))
    if not set(topics) <= allowed:
        errors["topics"] = NOT_A_TOPIC

    summary = _clean(entry.summary)
    if not summary:
        errors["summary"] = SUMMARY_REQUIRED
    elif len(summary) > SUMMARY_MAX_LENGTH:
        errors["summary"] = _too_long(SUMMARY_MAX_LENGTH)
    elif contains_cpr(summary):
        errors["summary"] = CPR_MESSAGE

    priority: FollowUpPriority | None = None
    reason: str | None = None
    if entry.needs_follow_up:
        try:
            priority = FollowUpPriority(entry.priority.strip())
        except ValueError:
            errors["priority"] = CHOOSE_PRIORITY
        reason = _clean(entry.reason)
        if not reason:
            errors["reason"] = REASON_REQUIRED
        elif len(reason) > REASON_MAX_LENGTH:
            errors["reason"] = _too_long(REASON_MAX_LENGTH)
        elif contains_cpr(reason):
            errors["reason"] = CPR_MESSAGE
    if errors:
        raise InvalidInput(errors)
    return _Checked(
        attendance=attendance,
        topics=topics,
        summary=summary,
        needs_follow_up=entry.needs_follow_up,
        priority=priority,
        reason=reason,
    )


@dataclass(frozen=True)
class SavedLog:
    log: MeetingLog
    created: bool
    counsellors_told: int
    feedback_links: int


def save_log(
    db: Session,
    *,
    actor: User,
    meeting: Meeting,
    entry: LogEntry,
    now: datetime,
    settings: Settings,
) -> SavedLog:
    """Create or change the meeting's log as its ambassador; nothing is written on bad input.

    ``meeting`` comes from :func:`load_meeting` (participants, pupils and log loaded).
    """
    if not is_meeting_ambassador(db, actor, meeting):
        raise NotFound()
    # Two saves at once (a double click): the second waits and then sees the first's log.
    locked(db, meeting)
    meeting = db.scalars(
        with_log().where(Meeting.id == meeting.id).execution_options(populate_existing=True)
    ).one()
    problem = refusal(meeting, now)
    if problem is not None:
        raise LogRefused(problem)
    checked = _check(db, meeting, entry)

    log = meeting.log
    created = log is None
    was_high = (
        log is not None and log.needs_follow_up and log.follow_up_priority is FollowUpPriority.HIGH
    )
    before = {p.pupil_id: p.attendance for p in meeting.participants}
    if log is None:
        log = MeetingLog(logged_at=now, logged_by_id=actor.id)
        meeting.log = log
    else:
        log.updated_at = now
    changed = _changes(log, checked, before, created=created)
    log.topics = checked.topics
    log.summary = checked.summary
    log.needs_follow_up = checked.needs_follow_up
    log.follow_up_priority = checked.priority
    log.follow_up_reason = checked.reason
    if checked.needs_follow_up and "follow_up" in changed:
        # A new or changed flag after a counsellor resolved the old one: open once more.
        log.follow_up_resolved_at = None
    for participant in meeting.participants:
        participant.attendance = checked.attendance[participant.pupil_id]

    present = [p for p in meeting.participants if p.attendance is Attendance.PRESENT]
    if present:
        meeting.state = MeetingState.HELD
    elif meeting.state is MeetingState.HELD:
        meeting.state = MeetingState.SCHEDULED
    db.flush()

    for participant in meeting.participants:
        record(
            db,
            actor_id=actor.id,
            action="create" if created else "update",
            object_type="meeting_log",
            object_id=log.id,
            pupil_id=participant.pupil_id,
            details={
                "meeting_id": meeting.id,
                "attendance": participant.attendance.value,
                "topics": checked.topics,
                "needs_follow_up": checked.needs_follow_up,
                "follow_up_priority": checked.priority.value if checked.priority else None,
                "changed": changed,
            },
        )

    told = 0
    if checked.priority is FollowUpPriority.HIGH and not was_high:
        told = _tell_counsellors(db, meeting=meeting, settings=settings)

    ambassador_name = _ambassador_name(db, meeting)
    issued = feedback.issue_links(
        db,
        meeting=meeting,
        pupils=[p.pupil for p in present],
        ambassador_name=ambassador_name,
        now=now,
        settings=settings,
    )
    absent = [p.pupil_id for p in meeting.participants if p.attendance is not Attendance.PRESENT]
    feedback.revoke_links(db, meeting=meeting, pupil_ids=absent, now=now)
    db.flush()
    return SavedLog(log=log, created=created, counsellors_told=told, feedback_links=len(issued))


def _changes(
    log: MeetingLog, checked: _Checked, before: dict[int, Attendance], *, created: bool
) -> list[str]:
    """The names of the fields a save changes (for the audit: which, never the text)."""
    if created:
        return ["attendance", "topics", "summary", "follow_up"]
    changed = []
    if any(before[pupil_id] is not value for pupil_id, value in checked.attendance.items()):
        changed.append("attendance")
    if list(log.topics or []) != checked.topics:
        changed.append("topics")
    if log.summary != checked.summary:
        changed.append("summary")
    if (log.needs_follow_up, log.follow_up_priority, log.follow_up_reason) != (
        checked.needs_follow_up,
        checked.priority,
        checked.reason,
    ):
        changed.append("follow_up")
    return changed


def _ambassador_name(db: Session, meeting: Meeting) -> str:
    return feedback.first_name_of(ambassador_user(db, meeting.ambassador_id))


def _tell_counsellors(db: Session, *, meeting: Meeting, settings: Settings) -> int:
    """E-mail the school's counsellors that a pupil needs follow-up now: first names and the
    link, nothing of what was written."""
    counsellors = counsellors_of(db, meeting.school_id)
    names = ", ".join(p.pupil.first_name for p in meeting.participants)
    for counsellor in counsellors:
        queue_email(
            db,
            to=counsellor.email,
            template="meeting_log_flagged",
            locale=counsellor.locale or settings.default_locale,
            context={
                "name": counsellor.full_name,
                "pupils": names,
                "meeting_at": meeting.starts_at,
                "link": f"{settings.base_url}/meetings/{meeting.id}/log",
            },
        )
    return len(counsellors)
