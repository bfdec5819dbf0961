"""The profile form: plain fields through pydantic, and the rows and checkbox groups by name.

A form post read as a mapping keeps one value per name, so each checkbox and each row field has a
name of its own: ``interest_<id>``, ``language_<code>``, ``grade_<n>``, ``slot_<row>_start``,
``blackout_<row>_end``. Without JavaScript the form shows a fixed number of empty rows to fill.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time

from pydantic import Field

from mentor.ambassadors.profile import (
    ABOUT_MAX_LENGTH,
    GRADES,
    MAX_BLACKOUTS,
    MAX_SLOTS,
    SCHOOL_DAYS,
    Blackout,
    ProfileUpdate,
    Slot,
)
from mentor.catalogue.languages import checked_languages
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import Ambassador, ContactPreference
from mentor.organisations.forms import checked_ids
from mentor.organisations.school_hours import weekday_name
from mentor.web.forms import FormModel, LocalDate, parse_form
from mentor.web.ids import FormId

CONTACT_LABELS: dict[ContactPreference, LazyText] = {
    ContactPreference.EMAIL: lazy_gettext("E-mail"),
    ContactPreference.PHONE: lazy_gettext("Phone call"),
    ContactPreference.SMS: lazy_gettext("Text message (SMS)"),
}
# Empty rows the form always offers below the filled ones ("add another" without JavaScript).
SLOT_ROWS = 5
BLACKOUT_ROWS = 3

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?::\d{2})?$")


class ProfileForm(FormModel):
    institution_id: FormId
    programme_id: FormId
    year_of_study: int = Field(ge=1, le=6)
    former_school_id: FormId | None = None
    capacity: int = Field(ge=0, le=5)
    about: str | None = Field(default=None, max_length=ABOUT_MAX_LENGTH)
    phone: str | None = Field(default=None, max_length=30)
    contact_preference: ContactPreference


class _DateField(FormModel):
    value: LocalDate


def weekday_options() -> list[tuple[str, str]]:
    return [(str(day), weekday_name(day)) for day in SCHOOL_DAYS]


def slot_rows(filled: int) -> int:
    return min(MAX_SLOTS, max(SLOT_ROWS, filled + 2))


def blackout_rows(filled: int) -> int:
    return min(MAX_BLACKOUTS, max(BLACKOUT_ROWS, filled + 1))


def _time(value: str) -> time | None:
    found = _TIME.match(value.strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _date(value: str) -> date | None:
    try:
        return parse_form(_DateField, {"value": value}).value
    except InvalidInput:
        return None


def _slots(fields: Mapping[str, str], errors: dict[str, LazyText | str]) -> list[Slot]:
    slots: list[Slot] = []
    for row in range(MAX_SLOTS):
        name = f"slot_{row}"
        weekday = fields.get(f"{name}_weekday", "").strip()
        start = fields.get(f"{name}_start", "").strip()
        end = fields.get(f"{name}_end", "").strip()
        if not (weekday or start or end):
            continue
        if not (weekday and start and end):
            errors[name] = lazy_gettext("Fill in the day, the start and the end, or none of them.")
            continue
        start_time, end_time = _time(start), _time(end)
        if start_time is None or end_time is None or not weekday.isdigit():
            errors[name] = lazy_gettext("Enter times like 14:30.")
            continue
        slots.append(Slot(int(weekday), start_time, end_time, field=name))
    return slots


def _blackouts(fields: Mapping[str, str], errors: dict[str, LazyText | str]) -> list[Blackout]:
    periods: list[Blackout] = []
    for row in range(MAX_BLACKOUTS):
        name = f"blackout_{row}"
        start = fields.get(f"{name}_start", "").strip()
        end = fields.get(f"{name}_end", "").strip()
        if not (start or end):
            continue
        # A single day may be given by its first day alone.
        first, last = _date(start) if start else None, _date(end or start)
        if first is None or last is None:
            errors[name] = lazy_gettext("Enter dates like 28.11.2026.")
            continue
        periods.append(Blackout(first, last, field=name))
    return periods


def parse_profile(fields: Mapping[str, str]) -> ProfileUpdate:
    """The posted form as a ``ProfileUpdate``; InvalidInput with every format problem at once."""
    errors: dict[str, LazyText | str] = {}
    form: ProfileForm | None = None
    try:
        form = parse_form(ProfileForm, fields)
    except InvalidInput as error:
        errors |= error.field_errors
    slots = _slots(fields, errors)
    periods = _blackouts(fields, errors)
    grades = checked_ids(fields, "grade_")
    if not grades <= set(GRADES):
        errors["preferred_grades"] = lazy_gettext("Choose grades between 7 and 10.")
    if errors or form is None:
        raise InvalidInput(errors)
    return ProfileUpdate(
        institution_id=form.institution_id,
        programme_id=form.programme_id,
        year_of_study=form.year_of_study,
        former_school_id=form.former_school_id,
        interest_ids=frozenset(checked_ids(fields, "interest_")),
        languages=tuple(checked_languages(fields)),
        preferred_grades=tuple(sorted(grades)),
        capacity=form.capacity,
        availability=tuple(slots),
        blackout_dates=tuple(periods),
        about=form.about,
        phone=" ".join(form.phone.split()) if form.phone else None,
        contact_preference=form.contact_preference,
    )


def form_values(ambassador: Ambassador, *, today: date) -> dict[str, str]:
    """The form filled in from the stored profile (ended blackout periods left out)."""
    values = {
        "institution_id": str(ambassador.institution_id),
        "programme_id": str(ambassador.programme_id),
        "year_of_study": str(ambassador.year_of_study),
        "former_school_id": str(ambassador.former_school_id or ""),
        "capacity": str(ambassador.capacity),
        "about": ambassador.about or "",
        "phone": ambassador.phone or "",
        "contact_preference": ambassador.contact_preference.value,
    }
    values |= {f"interest_{interest.id}": "1" for interest in ambassador.interests}
    values |= {f"language_{code}": "1" for code in ambassador.languages}
    values |= {f"grade_{grade}": "1" for grade in ambassador.preferred_grades}
    for row, slot in enumerate(ambassador.availability[:MAX_SLOTS]):
        values |= {
            f"slot_{row}_weekday": str(slot.get("weekday", "")),
            f"slot_{row}_start": str(slot.get("start", "")),
            f"slot_{row}_end": str(slot.get("end", "")),
        }
    current = [p for p in ambassador.blackout_dates if str(p.get("end", "")) >= today.isoformat()]
    for row, period in enumerate(current[:MAX_BLACKOUTS]):
        values |= {
            f"blackout_{row}_start": str(period.get("start", "")),
            f"blackout_{row}_end": str(period.get("end", "")),
        }
    return values


def filled_rows(values: Mapping[str, str], prefix: str, limit: int) -> int:
    """How many rows of ``prefix`` hold something: the form then adds empty ones below."""
    used = [
        row
        for row in range(limit)
        if any(
            values.get(f"{prefix}_{row}_{part}", "").strip() for part in ("weekday", "start", "end")
        )
    ]
    return max(used, default=-1) + 1
