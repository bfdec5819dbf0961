"""A school's hours: the effective hours, and parsing the form's fields."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy.orm import Session

from mentor.errors import InvalidInput
from mentor.i18n import using_locale
from mentor.organisations.school_hours import (
    DEFAULT_SCHOOL_HOURS,
    hours_field_values,
    opening_times,
    parse_hours_fields,
    school_hours_of,
)
from tests.factories import make_school


def test_a_school_without_hours_has_the_usual_ones(db: Session) -> None:
    school = make_school(db, school_hours=[])

    hours = school_hours_of(school)

    assert hours == list(DEFAULT_SCHOOL_HOURS)
    assert [day["weekday"] for day in hours] == [0, 1, 2, 3, 4]
    hours[0]["end"] = "23:00"  # a copy: the defaults stay as they were
    assert DEFAULT_SCHOOL_HOURS[0]["end"] == "16:00"


def test_a_school_with_hours_has_its_own_in_weekday_order(db: Session) -> None:
    own = [
        {"weekday": 4, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "08:15", "end": "15:30"},
    ]
    school = make_school(db, school_hours=own)

    assert school_hours_of(school) == [own[1], own[0]]
    assert opening_times(school) == {
        0: [(time(8, 15), time(15, 30))],
        4: [(time(8, 0), time(12, 0))],
    }


def test_the_form_round_trips_the_hours() -> None:
    values = hours_field_values(DEFAULT_SCHOOL_HOURS)

    assert values["hours_0_start"] == "08:00"
    assert values["hours_5_start"] == values["hours_6_end"] == ""
    assert parse_hours_fields(values) == list(DEFAULT_SCHOOL_HOURS)


def test_times_are_read_as_danes_write_them() -> None:
    fields = {"hours_2_start": " 8.05 ", "hours_2_end": "13:30"}

    assert parse_hours_fields(fields) == [{"weekday": 2, "start": "08:05", "end": "13:30"}]


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("09:00", "08:00", "hours_0_end", "The end must be after the start."),
        ("09:00", "09:00", "hours_0_end", "The end must be after the start."),
        ("9", "10:00", "hours_0_start", "Enter times like 14:30."),
        ("24:00", "10:00", "hours_0_start", "Enter times like 14:30."),
        ("08:00", "12:60", "hours_0_end", "Enter times like 14:30."),
        ("08:00\x00", "12:00", "hours_0_start", "Enter times like 14:30."),
        ("8" * 10_000, "12:00", "hours_0_start", "Enter times like 14:30."),
        ("", "12:00", "hours_0_start", "Enter the start, or leave both times empty."),
        ("08:00", "", "hours_0_end", "Enter the end, or leave both times empty."),
    ],
)
def test_bad_hours_get_a_message_next_to_the_field(
    start: str, end: str, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_hours_fields({"hours_0_start": start, "hours_0_end": end})

    with using_locale("en"):
        shown = {key: str(text) for key, text in raised.value.field_errors.items()}
    assert shown == {field: message}


def test_a_school_closed_every_day_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_hours_fields({})

    with using_locale("en"):
        assert "at least one day" in str(raised.value.field_errors["school_hours"])
