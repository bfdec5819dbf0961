"""A school's hours: when ambassadors may meet the school's pupils there.

Stored on ``Organisation.school_hours`` as ``[{"weekday": 0-6 (Monday = 0), "start": "08:00",
"end": "15:30"}]``; an empty list means the usual hours, ``DEFAULT_SCHOOL_HOURS``. The admin's
organisation form shows one start and end a weekday (both empty: closed that day); the parsing
and checks here are pure, so the form, the demo data and the scheduler share them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any, Final

from babel.dates import get_day_names

from mentor.errors import InvalidInput
from mentor.i18n import LazyText, get_locale, lazy_gettext
from mentor.models import Organisation

WEEKDAYS = range(7)
# The usual Danish school day, Monday to Friday, for a school that has not said otherwise.
DEFAULT_SCHOOL_HOURS: Final[tuple[dict[str, Any], ...]] = tuple(
    {"weekday": weekday, "start": "08:00", "end": "16:00"} for weekday in range(5)
)
# The form's message for the hours as a whole (every day closed).
HOURS_FIELD = "school_hours"

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def school_hours_of(organisation: Organisation) -> list[dict[str, Any]]:
    """The school's effective hours by weekday and start: its own, or the usual when it has none.

    Fresh dicts every call, so a caller may change them without touching the row or the defaults.
    """
    hours = organisation.school_hours or DEFAULT_SCHOOL_HOURS
    days = [
        {"weekday": int(day["weekday"]), "start": str(day["start"]), "end": str(day["end"])}
        for day in hours
    ]
    return sorted(days, key=lambda day: (day["weekday"], day["start"]))


def opening_times(organisation: Organisation) -> dict[int, list[tuple[time, time]]]:
    """The effective hours as times by weekday (Monday = 0); a closed day is missing."""
    times: dict[int, list[tuple[time, time]]] = {}
    for day in school_hours_of(organisation):
        start, end = parse_time(day["start"]), parse_time(day["end"])
        if start is not None and end is not None:
            times.setdefault(day["weekday"], []).append((start, end))
    return times


def weekday_name(weekday: int) -> str:
    """Monday is 0; the name in the reader's language ("mandag")."""
    return str(get_day_names("wide", locale=get_locale())[weekday])


def parse_time(text: str) -> time | None:
    """08:00, 8:00 or 08.00 (as Danes also write it); None when it is not a time of day."""
    found = _TIME.match(text.strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _field(weekday: int, part: str) -> str:
    return f"hours_{weekday}_{part}"


def hours_field_values(hours: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The form's values for ``hours`` (the effective hours): ``hours_<weekday>_start``/``_end``."""
    values = {_field(weekday, part): "" for weekday in WEEKDAYS for part in ("start", "end")}
    for day in hours:
        values[_field(int(day["weekday"]), "start")] = str(day["start"])
        values[_field(int(day["weekday"]), "end")] = str(day["end"])
    return values


def parse_hours_fields(fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """The hours from the form, one period a weekday; raises ``InvalidInput`` with every problem.

    A day with both times empty is closed. A school closed every day is refused: stored, that
    would be an empty list, which means the usual hours.
    """
    errors: dict[str, LazyText | str] = {}
    hours: list[dict[str, Any]] = []
    for weekday in WEEKDAYS:
        start_name, end_name = _field(weekday, "start"), _field(weekday, "end")
        start_text = fields.get(start_name, "").strip()
        end_text = fields.get(end_name, "").strip()
        if not (start_text or end_text):
            continue
        if not start_text:
            errors[start_name] = lazy_gettext("Enter the start, or leave both times empty.")
            continue
        if not end_text:
            errors[end_name] = lazy_gettext("Enter the end, or leave both times empty.")
            continue
        start, end = parse_time(start_text), parse_time(end_text)
        if start is None:
            errors[start_name] = lazy_gettext("Enter times like 14:30.")
        if end is None:
            errors[end_name] = lazy_gettext("Enter times like 14:30.")
        if start is None or end is None:
            continue
        if end <= start:
            errors[end_name] = lazy_gettext("The end must be after the start.")
            continue
        hours.append(
            {"weekday": weekday, "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
        )
    if not hours and not errors:
        errors[HOURS_FIELD] = lazy_gettext(
            "Enter the hours of at least one day. A school closed every day cannot have meetings."
        )
    if errors:
        raise InvalidInput(errors)
    return hours
