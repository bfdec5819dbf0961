"""A mentoring set-up the booking tests share: a school, an ambassador with weekly slots, and
accepted mentees; times in Danish local time, turned into UTC the way the forms do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mentor.i18n import LOCAL_TIMEZONE
from mentor.meetings.requests import MeetingRequest
from mentor.models import (
    Ambassador,
    MatchState,
    MeetingKind,
    MeetingPlace,
    Organisation,
    Role,
    User,
)
from tests.factories import make_ambassador, make_match, make_pupil, make_school, make_user

# Monday 2 November 2026, 10:00 in Copenhagen (winter time, UTC+1).
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)
# Every weekday 13:00–17:00: inside the school's usual hours until 16:00.
AFTERNOONS = [{"weekday": day, "start": "13:00", "end": "17:00"} for day in range(5)]


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)


@dataclass
class Mentoring:
    school: Organisation
    ambassador: Ambassador
    ambassador_user: User
    coordinator: User
    match_ids: list[int]
    pupil_ids: list[int]


def mentoring(
    db: Session,
    *,
    mentees: int = 2,
    confirmation: bool = True,
    school: Organisation | None = None,
) -> Mentoring:
    school = school or make_school(db, meeting_confirmation_required=confirmation)
    user = make_user(db, role=Role.AMBASSADOR, full_name="Sara Holm")
    ambassador = make_ambassador(db, user=user, capacity=5, availability=AFTERNOONS)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation_id=school.id)
    match_ids, pupil_ids = [], []
    for n in range(mentees):
        pupil = make_pupil(db, school=school, first_name=f"Elev{n}", email=f"elev{n}@skole.dk")
        match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
        match_ids.append(match.id)
        pupil_ids.append(pupil.id)
    return Mentoring(school, ambassador, user, coordinator, match_ids, pupil_ids)


def request(
    match_ids: list[int],
    starts_at: datetime,
    *,
    minutes: int = 45,
    kind: MeetingKind | None = None,
    place: MeetingPlace = MeetingPlace.SCHOOL,
    online_url: str = "",
    location: str = "",
) -> MeetingRequest:
    chosen = kind or (MeetingKind.ONE_TO_ONE if len(match_ids) == 1 else MeetingKind.SMALL_GROUP)
    return MeetingRequest(
        kind=chosen,
        place=place,
        starts_at=starts_at,
        minutes=minutes,
        match_ids=tuple(match_ids),
        location=location,
        online_url=online_url,
    )
