"""Invitations as .ics: read back with icalendar, as Outlook and Google would read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from mentor.meetings.ics import feed_ics, invitation_ics, meeting_event, meeting_names
from mentor.models import Meeting, MeetingKind, MeetingPlace, MeetingState
from tests.factories import (
    make_ambassador,
    make_meeting,
    make_meeting_participant,
    make_pupil,
    make_user,
)

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
ORGANISER = "Ambassadør <noreply@ambassador.local>"


def _meeting(starts_at: datetime, **overrides: object) -> Meeting:
    values: dict[str, object] = {
        "id": 7,
        "ambassador_id": 1,
        "school_id": 1,
        "kind": MeetingKind.ONE_TO_ONE,
        "place": MeetingPlace.SCHOOL,
        "starts_at": starts_at.astimezone(UTC),
        "ends_at": (starts_at + timedelta(minutes=45)).astimezone(UTC),
        "location": "Haderslev Bibliotek, Bispebroen 1",
        "state": MeetingState.SCHEDULED,
        "uid": "c0ffee@ambassador.local",
        "sequence": 0,
    }
    return Meeting(**(values | overrides))


def _invite(meeting: Meeting, method: str = "REQUEST", locale: str = "da") -> Calendar:
    data = invitation_ics(
        meeting,
        participants=["Emma", "Ali"],
        ambassador_name="Sofie",
        method=method,  # type: ignore[arg-type]
        organiser=ORGANISER,
        locale=locale,
        attendees=["sofie@example.dk"],
    )
    return Calendar.from_ical(data)


def _event(calendar: Calendar) -> Event:
    (event,) = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    return event


def test_uid_stays_and_sequence_grows_across_a_move_and_a_cancel() -> None:
    meeting = _meeting(datetime(2026, 10, 20, 9, 0, tzinfo=COPENHAGEN))
    created = _invite(meeting)

    meeting.starts_at += timedelta(days=1)
    meeting.ends_at += timedelta(days=1)
    meeting.sequence += 1
    moved = _invite(meeting)

    meeting.state = MeetingState.CANCELLED
    meeting.sequence += 1
    cancelled = _invite(meeting, method="CANCEL")

    assert [str(c["METHOD"]) for c in (created, moved, cancelled)] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    events = [_event(c) for c in (created, moved, cancelled)]
    assert {str(e["UID"]) for e in events} == {"c0ffee@ambassador.local"}
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert events[1].decoded("DTSTART") == datetime(2026, 10, 21, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(20, 7), (26, 8)],  # summer time (UTC+2) until 25 October 2026, then winter time (UTC+1)
)
def test_nine_in_copenhagen_is_written_as_the_right_utc_instant(day: int, utc_hour: int) -> None:
    local = datetime(2026, 10, day, 9, 0, tzinfo=COPENHAGEN)
    data = invitation_ics(
        _meeting(local),
        participants=["Emma"],
        ambassador_name="Sofie",
        method="REQUEST",
        organiser=ORGANISER,
    )

    event = _event(Calendar.from_ical(data))
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == datetime(2026, 10, day, utc_hour, 0, tzinfo=UTC)
    assert start.utcoffset() == timedelta(0)
    assert end - start == timedelta(minutes=45)
    assert f"DTSTART:202610{day}T0{utc_hour}0000Z".encode() in data


def test_a_pending_meeting_is_tentative_and_the_words_follow_the_locale() -> None:
    meeting = _meeting(datetime(2026, 11, 3, 14, 0, tzinfo=COPENHAGEN))
    meeting.state = MeetingState.PENDING

    danish = _event(_invite(meeting, locale="da"))
    english = _event(_invite(meeting, locale="en"))

    assert str(danish["STATUS"]) == "TENTATIVE"
    assert str(english["SUMMARY"]) == "Ambassador meeting: Sofie with Emma, Ali"
    assert str(danish["SUMMARY"]) == "Ambassadørmøde: Sofie med Emma, Ali"
    assert str(danish["LOCATION"]) == "Haderslev Bibliotek, Bispebroen 1"
    assert str(danish["ORGANIZER"]) == "mailto:noreply@ambassador.local"
    assert str(danish["ATTENDEE"]) == "mailto:sofie@example.dk"


def test_an_online_meeting_carries_its_link() -> None:
    meeting = _meeting(
        datetime(2026, 11, 3, 14, 0, tzinfo=COPENHAGEN),
        place=MeetingPlace.ONLINE,
        online_url="https://meet.example.dk/abc",
        location="Online",
    )

    event = _event(_invite(meeting, locale="en"))

    assert str(event["URL"]) == "https://meet.example.dk/abc"
    assert "https://meet.example.dk/abc" in str(event["DESCRIPTION"])


def test_a_feed_publishes_every_event() -> None:
    first = _meeting(datetime(2026, 11, 3, 14, 0, tzinfo=COPENHAGEN))
    second = _meeting(
        datetime(2026, 11, 4, 14, 0, tzinfo=COPENHAGEN), id=8, uid="tea@ambassador.local"
    )
    events = [
        meeting_event(m, participants=["Emma"], ambassador_name="Sofie", organiser=ORGANISER)
        for m in (first, second)
    ]

    calendar = Calendar.from_ical(feed_ics(events, name="Ambassadør"))

    assert str(calendar["METHOD"]) == "PUBLISH"
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        "c0ffee@ambassador.local",
        "tea@ambassador.local",
    ]


def test_meeting_names_are_first_names_only(db: Session) -> None:
    user = make_user(db, full_name="Sofie Marie Hansen", role="ambassador")
    ambassador = make_ambassador(db, user=user)
    meeting = make_meeting(db, ambassador=ambassador)
    make_meeting_participant(db, meeting=meeting, pupil=make_pupil(db, first_name="Emma"))
    make_meeting_participant(db, meeting=meeting, pupil=make_pupil(db, first_name="Ali"))

    names = meeting_names(db, [meeting.id])[meeting.id]

    assert names.ambassador == "Sofie"
    assert names.participants == ("Emma", "Ali")
