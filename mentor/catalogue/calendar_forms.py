"""Forms of the school-year calendar and the meeting topics, and the names of calendar kinds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from pydantic import Field

from mentor.catalogue.forms import LocalDate
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import CalendarEntryKind
from mentor.web.forms import FormModel, parse_form
from mentor.web.ids import MAX_ID

FormT = TypeVar("FormT", bound=FormModel)

KIND_LABELS: dict[CalendarEntryKind, LazyText] = {
    CalendarEntryKind.HOLIDAY: lazy_gettext("Holiday"),
    CalendarEntryKind.EXAMS: lazy_gettext("Exam period"),
    CalendarEntryKind.BLACKOUT: lazy_gettext("Other day without meetings"),
}

# NUL and the other C0 controls (tab, line feeds aside): PostgreSQL refuses NUL in text, and none
# of them belongs in a name a page shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTERS = lazy_gettext("Remove the invisible control characters from this text.")


class CalendarEntryForm(FormModel):
    kind: CalendarEntryKind
    name_da: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    starts_on: LocalDate
    ends_on: LocalDate
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


def parse_text_form(model: type[FormT], fields: Mapping[str, str]) -> FormT:
    """``parse_form``, and a clear message for a field holding control characters (NUL bytes)."""
    errors: dict[str, LazyText | str] = {
        name: CONTROL_CHARACTERS
        for name, value in fields.items()
        if name in model.model_fields and _CONTROL.search(value)
    }
    try:
        form = parse_form(model, dict(fields))
    except InvalidInput as error:
        raise InvalidInput(error.field_errors | errors) from None
    if errors:
        raise InvalidInput(errors)
    return form
