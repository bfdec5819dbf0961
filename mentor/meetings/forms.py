"""The meeting forms: a date and a clock time in Danish time, a length, the mentees by checkbox.

A form post read as a mapping keeps one value per name, so each mentee's checkbox is named
``match_<id>``. Dates come as the date input sends them (2026-11-03) or as Danes write them
(03.11.2026); times as 14:30 or 14.30. Whatever is sent, a bad value becomes a message next to
its field, never an error page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeVar

from mentor.i18n import LOCAL_TIMEZONE, LazyText, gettext, lazy_gettext
from mentor.meetings.requests import MeetingRequest
from mentor.meetings.rules import MAX_MINUTES, MIN_MINUTES
from mentor.models import MeetingKind, MeetingPlace
from mentor.web.forms import CONTROL_CHARACTERS, refused

LENGTHS = tuple(range(MIN_MINUTES, MAX_MINUTES + 1, 15))
DEFAULT_MINUTES = 45
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DANISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_MATCH_FIELD = re.compile(r"^match_(\d{1,18})$")

BAD_DATE = lazy_gettext("Enter a date like 28.11.2026.")
BAD_TIME = lazy_gettext("Enter a time like 14:30.")


def parse_date(value: str) -> date | None:
    value = value.strip()
    if found := _ISO_DATE.match(value):
        year, month, day = (int(part) for part in found.groups())
    elif found := _DANISH_DATE.match(value):
        day, month, year = (int(part) for part in found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_time(value: str) -> time | None:
    found = _TIME.match(value.strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def start_from(fields: Mapping[str, str]) -> tuple[datetime | None, LazyText | None]:
    """The start (UTC) the ``date`` and ``time`` fields name in Danish time, or why not."""
    day = parse_date(fields.get("date", ""))
    if day is None:
        return None, BAD_DATE
    clock = parse_time(fields.get("time", ""))
    if clock is None:
        return None, BAD_TIME
    try:
        return datetime.combine(day, clock, tzinfo=LOCAL_TIMEZONE).astimezone(UTC), None
    except (OverflowError, ValueError):
        # Year 1 or 9999 cannot be moved between time zones; no meeting is then anyway.
        return None, lazy_gettext("Choose a time at most a year ahead.")


def minutes_from(fields: Mapping[str, str]) -> int:
    """The length in minutes; 0 (refused by the rules) for anything that is not a number."""
    value = fields.get("minutes", "").strip()
    return int(value) if value.isdigit() and len(value) <= 4 else 0


def match_ids_from(fields: Mapping[str, str]) -> tuple[int, ...]:
    ids = []
    for name in fields:
        if found := _MATCH_FIELD.match(name):
            ids.append(int(found.group(1)))
    return tuple(sorted(ids))


ChoiceT = TypeVar("ChoiceT", MeetingKind, MeetingPlace)


def _choice(kind: type[ChoiceT], value: str | None) -> ChoiceT | None:
    try:
        return kind((value or "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class ParsedRequest:
    request: MeetingRequest | None
    errors: dict[str, LazyText | str]


def meeting_request(fields: Mapping[str, str]) -> ParsedRequest:
    """The proposal form as a ``MeetingRequest``; a missing kind or place is a field message."""
    # Control characters only: the booking service refuses a CPR number, with its other messages.
    errors: dict[str, LazyText | str] = {
        name: CONTROL_CHARACTERS for name in ("location", "online_url") if name in refused(fields)
    }
    kind = _choice(MeetingKind, fields.get("kind"))
    place = _choice(MeetingPlace, fields.get("place"))
    if kind is None:
        errors["kind"] = lazy_gettext("Choose one of the options.")
    if place is None:
        errors["place"] = lazy_gettext("Choose one of the options.")
    if errors or kind is None or place is None:
        return ParsedRequest(None, errors)
    starts_at, time_error = start_from(fields)
    request = MeetingRequest(
        kind=kind,
        place=place,
        starts_at=starts_at,
        minutes=minutes_from(fields),
        match_ids=match_ids_from(fields),
        location=fields.get("location", "").strip(),
        online_url=fields.get("online_url", "").strip(),
        time_error=time_error,
    )
    return ParsedRequest(request, errors)


def length_options() -> list[tuple[str, str]]:
    """The lengths a meeting may have, as a select's options ("45 minutes")."""
    return [(str(length), gettext("%(minutes)s minutes", minutes=length)) for length in LENGTHS]
