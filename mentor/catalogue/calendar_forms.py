"""Forms of the school-year calendar and the meeting topics, and the names of calendar kinds."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import CalendarEntryKind
from mentor.web.forms import DanishDate, FormModel, within
from mentor.web.ids import MAX_ID

KIND_LABELS: dict[CalendarEntryKind, LazyText] = {
    CalendarEntryKind.HOLIDAY: lazy_gettext("Holiday"),
    CalendarEntryKind.EXAMS: lazy_gettext("Exam period"),
    CalendarEntryKind.BLACKOUT: lazy_gettext("Other day without meetings"),
}


# A calendar for this century: a year 1 or 9999 is a typing slip, not a school year.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
CalendarDate = Annotated[date, DanishDate, within(EARLIEST, LATEST)]


class CalendarEntryForm(FormModel):
    kind: CalendarEntryKind
    name_da: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    starts_on: CalendarDate
    ends_on: CalendarDate
    # Empty: every school of the municipality.
    school_id: int | None = Field(
        default=None, ge=1, le=MAX_ID
    )  # a larger id in a tampered form: a message, not a 500


class MeetingTopicForm(FormModel):
    label_da: str = Field(max_length=100)
    label_en: str = Field(max_length=100)
    active: bool = False  # an unticked checkbox sends nothing
    sort_order: int = Field(default=0, ge=0, le=100_000)


class NewMeetingTopicForm(MeetingTopicForm):
    # Only when creating: meeting logs keep topic codes, so a code never changes.
    code: str = Field(max_length=40)
