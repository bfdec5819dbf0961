"""What the meeting states and choices are called, in the reader's language."""

from __future__ import annotations

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    Attendance,
    CalendarEntryKind,
    FollowUpPriority,
    Helpfulness,
    MeetingKind,
    MeetingPlace,
    MeetingState,
)

MEETING_STATE_LABELS: dict[MeetingState, LazyText] = {
    MeetingState.PENDING: lazy_gettext("Waiting for the school's confirmation"),
    MeetingState.SCHEDULED: lazy_gettext("Scheduled"),
    MeetingState.HELD: lazy_gettext("Held"),
    MeetingState.DECLINED: lazy_gettext("Declined by the school"),
    MeetingState.CANCELLED: lazy_gettext("Cancelled"),
}
ATTENDANCE_LABELS: dict[Attendance, LazyText] = {
    Attendance.UNKNOWN: lazy_gettext("Not logged"),
    Attendance.PRESENT: lazy_gettext("Came"),
    Attendance.ABSENT: lazy_gettext("Did not come"),
    Attendance.CANCELLED_LATE: lazy_gettext("Cancelled late"),
}
KIND_LABELS: dict[MeetingKind, LazyText] = {
    MeetingKind.ONE_TO_ONE: lazy_gettext("One-to-one"),
    MeetingKind.SMALL_GROUP: lazy_gettext("Small group"),
    MeetingKind.INSTITUTION_VISIT: lazy_gettext("Visit to my school (come and see my school)"),
}
PLACE_LABELS: dict[MeetingPlace, LazyText] = {
    MeetingPlace.SCHOOL: lazy_gettext("At the pupil's school"),
    MeetingPlace.INSTITUTION: lazy_gettext("At my institution"),
    MeetingPlace.ONLINE: lazy_gettext("Online"),
}
PRIORITY_LABELS: dict[FollowUpPriority, LazyText] = {
    FollowUpPriority.LOW: lazy_gettext("Low"),
    FollowUpPriority.NORMAL: lazy_gettext("Normal"),
    FollowUpPriority.HIGH: lazy_gettext("High: the counsellor is told at once"),
}
HELPFULNESS_LABELS: dict[Helpfulness, LazyText] = {
    Helpfulness.YES: lazy_gettext("Yes"),
    Helpfulness.PARTLY: lazy_gettext("Partly"),
    Helpfulness.NO: lazy_gettext("No"),
}
CALENDAR_KIND_LABELS: dict[CalendarEntryKind, LazyText] = {
    CalendarEntryKind.HOLIDAY: lazy_gettext("Holiday"),
    CalendarEntryKind.EXAMS: lazy_gettext("Exams"),
    CalendarEntryKind.BLACKOUT: lazy_gettext("No meetings"),
}
