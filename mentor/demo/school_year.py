"""The demo's school year 2026/27: the holidays and exam period, and each school's hours.

Data, not rules: the admin edits them afterwards on the school-calendar and organisation pages,
and a real municipality enters its own (each municipality sets its folkeskole holidays). The
dates follow the usual Danish pattern: autumn holiday in week 42, winter holiday in week 7, Easter
from the Saturday before Palm Sunday to Easter Monday. Store bededag is not a holiday since 2024.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from mentor.models import CalendarEntry, CalendarEntryKind, Organisation

HOLIDAY, EXAMS = CalendarEntryKind.HOLIDAY, CalendarEntryKind.EXAMS

# (kind, Danish name, English name, first day, last day), both days included; every school.
CALENDAR: tuple[tuple[CalendarEntryKind, str, str, date, date], ...] = (
    (HOLIDAY, "Sommerferie", "Summer holiday", date(2026, 6, 27), date(2026, 8, 9)),
    (HOLIDAY, "Efterårsferie", "Autumn holiday", date(2026, 10, 10), date(2026, 10, 18)),
    (HOLIDAY, "Juleferie", "Christmas holiday", date(2026, 12, 19), date(2027, 1, 3)),
    (HOLIDAY, "Vinterferie", "Winter holiday", date(2027, 2, 13), date(2027, 2, 21)),
    # Easter Sunday is 28 March 2027.
    (HOLIDAY, "Påskeferie", "Easter holiday", date(2027, 3, 20), date(2027, 3, 29)),
    # The written and oral exams are for grades 9 and 10, but grades 7 and 8 are busy with the
    # end of the year too: the demo keeps the whole period free of meetings at every school.
    (EXAMS, "Prøveperiode", "Exam period", date(2027, 5, 3), date(2027, 6, 18)),
    (
        HOLIDAY,
        "Kristi himmelfartsferie",
        "Ascension holiday",
        date(2027, 5, 6),
        date(2027, 5, 9),
    ),
    (HOLIDAY, "2. pinsedag", "Whit Monday", date(2027, 5, 17), date(2027, 5, 17)),
    (HOLIDAY, "Grundlovsdag", "Constitution Day", date(2027, 6, 5), date(2027, 6, 5)),
    (HOLIDAY, "Sommerferie", "Summer holiday", date(2027, 6, 26), date(2027, 8, 8)),
)


def _week(days: range, start: str, end: str) -> list[dict[str, object]]:
    return [{"weekday": day, "start": start, "end": end} for day in days]


# The lower secondary school day: long days Monday to Thursday, a short Friday.
_UDSKOLING = [*_week(range(4), "08:00", "15:30"), *_week(range(4, 5), "08:00", "14:00")]
# A school's hours by its code; a school not named keeps the usual hours (an empty list).
SCHOOL_HOURS: dict[str, list[dict[str, object]]] = {
    "HHSK": _UDSKOLING,
    "SBRO": _UDSKOLING,
    "VOJS": _UDSKOLING,
    "ERLV": [*_week(range(5), "08:15", "15:15")],
    "GRAM": [*_week(range(4), "08:00", "15:00"), *_week(range(4, 5), "08:00", "13:00")],
    "10KC": _week(range(5), "08:30", "15:30"),
}
# Small schools whose coordinators let meetings stand without confirming each one; the others
# (the demo coordinator's school among them) confirm.
WITHOUT_CONFIRMATION = frozenset({"SKRY", "SOMM"})


def calendar_entries() -> list[CalendarEntry]:
    """The school year's closed periods for all the municipality's schools, as new rows."""
    return [
        CalendarEntry(kind=kind, name_da=name_da, name_en=name_en, starts_on=first, ends_on=last)
        for kind, name_da, name_en, first, last in CALENDAR
    ]


def set_school_hours(schools: Sequence[Organisation]) -> None:
    """Give the demo schools their hours and say which confirm meetings."""
    for school in schools:
        school.school_hours = [dict(day) for day in SCHOOL_HOURS.get(school.code, [])]
        school.meeting_confirmation_required = school.code not in WITHOUT_CONFIRMATION
