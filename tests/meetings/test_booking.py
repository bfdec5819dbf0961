"""The booking service: the rules, which rule a time breaks, no double booking, every change
told to everyone invited with the same UID and a higher SEQUENCE."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.errors import Conflict, InvalidInput
from mentor.i18n import using_locale
from mentor.meetings import booking, ended_matches
from mentor.meetings.requests import MeetingRequest
from mentor.meetings.rules import load_frame, suggestions, time_problem
from mentor.models import (
    AuditEvent,
    CalendarEntryKind,
    Match,
    MatchState,
    Meeting,
    MeetingKind,
    MeetingParticipant,
    MeetingPlace,
    MeetingState,
    OutboxEmail,
    Pupil,
)
from tests.factories import (
    make_calendar_entry,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_pupil,
)
from tests.meetings.booking_helpers import NOW, local, mentoring, request


def _errors(error: InvalidInput) -> dict[str, str]:
    with using_locale("en"):
        return {field: str(message) for field, message in error.field_errors.items()}


def _propose(db: Session, settings: Settings, m: object, req: MeetingRequest) -> Meeting:
    return booking.propose_meeting(
        db,
        ambassador=m.ambassador,  # type: ignore[attr-defined]
        request=req,
        actor=m.ambassador_user,  # type: ignore[attr-defined]
        now=NOW,
        settings=settings,
    )


def _invitations(db: Session, meeting: Meeting) -> list[Calendar]:
    mails = db.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    return [
        Calendar.from_ical(attachment["content"])
        for mail in mails
        for attachment in mail.attachments or []
        if meeting.uid in attachment["content"]
    ]


def test_a_proposal_is_booked_waits_for_the_school_and_invites_everyone(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db)
    meeting = _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))

    assert meeting.state is MeetingState.PENDING
    assert meeting.school_id == m.school.id
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=45)
    assert m.school.name in meeting.location
    participants = db.scalars(
        select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id)
    ).all()
    assert [(p.pupil_id, p.match_id, p.booked) for p in participants] == [
        (m.pupil_ids[0], m.match_ids[0], True)
    ]
    assert participants[0].starts_at == meeting.starts_at
    recipients = set(db.scalars(select(OutboxEmail.to_address)))
    assert recipients == {m.ambassador_user.email, m.coordinator.email, "elev0@skole.dk"}
    calendars = _invitations(db, meeting)
    assert len(calendars) == 3
    assert {str(c["method"]) for c in calendars} == {"REQUEST"}
    assert db.scalar(
        select(func.count()).where(
            AuditEvent.object_type == "meeting", AuditEvent.pupil_id == m.pupil_ids[0]
        )
    )


def test_a_school_that_does_not_confirm_gets_a_scheduled_meeting(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db, confirmation=False)
    meeting = _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))
    assert meeting.state is MeetingState.SCHEDULED


@pytest.mark.parametrize(
    ("starts", "minutes", "field", "says"),
    [
        ((2026, 11, 2, 9), 45, "starts_at", "This time has passed"),
        ((2026, 11, 3, 10), 45, "starts_at", "outside the ambassador's weekly availability"),
        ((2026, 11, 3, 15, 30), 45, "starts_at", "outside the school's hours"),
        ((2026, 11, 7, 14), 45, "starts_at", "outside the ambassador's weekly availability"),
        ((2026, 11, 3, 14), 10, "minutes", "from 15 to 120 minutes"),
        ((2026, 11, 3, 14), 121, "minutes", "from 15 to 120 minutes"),
        ((2028, 11, 3, 14), 45, "starts_at", "at most a year ahead"),
    ],
)
def test_a_time_outside_the_rules_says_which_rule_and_writes_nothing(
    db: Session,
    settings: Settings,
    starts: tuple[int, ...],
    minutes: int,
    field: str,
    says: str,
) -> None:
    m = mentoring(db)
    with pytest.raises(InvalidInput) as refused:
        _propose(db, settings, m, request(m.match_ids[:1], local(*starts), minutes=minutes))
    assert says in _errors(refused.value)[field]
    assert db.scalar(select(func.count(Meeting.id))) == 0
    assert db.scalar(select(func.count(OutboxEmail.id))) == 0


def test_the_school_calendar_and_the_ambassadors_own_blackouts_close_days(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db)
    make_calendar_entry(
        db,
        kind=CalendarEntryKind.BLACKOUT,
        name_en="Theme week",
        name_da="Temauge",
        starts_on=date(2026, 11, 9),
        ends_on=date(2026, 11, 13),
        school=m.school,
    )
    m.ambassador.blackout_dates = [{"start": "2026-11-17", "end": "2026-11-17"}]
    db.flush()
    with pytest.raises(InvalidInput) as holiday, using_locale("en"):
        _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 10, 14)))
    assert "Theme week (09.11.2026–13.11.2026)" in _errors(holiday.value)["starts_at"]
    with pytest.raises(InvalidInput) as blackout:
        _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 17, 14)))
    assert "marked this day as unavailable" in _errors(blackout.value)["starts_at"]


def test_another_schools_calendar_does_not_close_this_school(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db)
    other = mentoring(db).school
    make_calendar_entry(db, starts_on=date(2026, 11, 10), ends_on=date(2026, 11, 10), school=other)
    assert _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 10, 14)))


def test_no_double_booking_for_the_ambassador_or_a_pupil(db: Session, settings: Settings) -> None:
    m = mentoring(db, mentees=3)
    _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))
    with pytest.raises(InvalidInput) as overlap:
        _propose(db, settings, m, request(m.match_ids[1:2], local(2026, 11, 3, 14, 30)))
    assert "already has a meeting at this time" in _errors(overlap.value)["starts_at"]
    # Back to back is fine.
    assert _propose(db, settings, m, request(m.match_ids[1:2], local(2026, 11, 3, 14, 45)))
    # A pupil already booked cannot be in a group at the same time.
    with pytest.raises(InvalidInput):
        _propose(db, settings, m, request(m.match_ids[:2], local(2026, 11, 3, 15, 15)))
    # A cancelled meeting frees its time.
    taken = db.scalars(select(Meeting).order_by(Meeting.id)).first()
    assert taken is not None
    booking.cancel_meeting(
        db, meeting=taken, reason="Syg", actor=m.ambassador_user, now=NOW, settings=settings
    )
    assert _propose(db, settings, m, request(m.match_ids[2:3], local(2026, 11, 3, 14)))


def test_only_own_accepted_mentees_from_one_school(db: Session, settings: Settings) -> None:
    m = mentoring(db, mentees=2)
    stranger = make_match(db, state=MatchState.ACCEPTED)
    proposed = make_match(db, ambassador=m.ambassador, state=MatchState.PROPOSED)
    for ids in ([stranger.id], [proposed.id], [m.match_ids[0], stranger.id]):
        with pytest.raises(InvalidInput) as refused:
            _propose(db, settings, m, request(ids, local(2026, 11, 3, 14)))
        assert "own mentees" in _errors(refused.value)["pupils"]
    elsewhere = make_match(
        db,
        ambassador=m.ambassador,
        pupil=make_pupil(db),
        state=MatchState.ACCEPTED,
    )
    with pytest.raises(InvalidInput) as schools:
        _propose(db, settings, m, request([m.match_ids[0], elsewhere.id], local(2026, 11, 3, 14)))
    assert "same school" in _errors(schools.value)["pupils"]
    with pytest.raises(InvalidInput) as one:
        _propose(
            db,
            settings,
            m,
            request(m.match_ids, local(2026, 11, 3, 14), kind=MeetingKind.ONE_TO_ONE),
        )
    assert "one mentee" in _errors(one.value)["pupils"]


def test_online_needs_a_link_a_visit_is_at_the_institution_and_no_cpr(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db)
    with pytest.raises(InvalidInput) as refused:
        _propose(
            db,
            settings,
            m,
            request(
                m.match_ids[:1],
                local(2026, 11, 3, 14),
                kind=MeetingKind.INSTITUTION_VISIT,
                place=MeetingPlace.SCHOOL,
                location="Elevens CPR er 010203-1234\x00",
            ),
        )
    errors = _errors(refused.value)
    assert "takes place at your institution" in errors["place"]
    assert "characters that cannot be saved" in errors["location"]
    with pytest.raises(InvalidInput) as cpr:
        _propose(
            db,
            settings,
            m,
            request(m.match_ids[:1], local(2026, 11, 3, 14), location="Ring 010203-1234"),
        )
    assert "CPR" in _errors(cpr.value)["location"]
    with pytest.raises(InvalidInput) as online:
        _propose(
            db,
            settings,
            m,
            request(m.match_ids[:1], local(2026, 11, 3, 14), place=MeetingPlace.ONLINE),
        )
    assert "https://" in _errors(online.value)["online_url"]
    meeting = _propose(
        db,
        settings,
        m,
        request(
            m.match_ids[:1],
            local(2026, 11, 3, 14),
            place=MeetingPlace.ONLINE,
            online_url="https://meet.example.dk/abc",
        ),
    )
    assert meeting.online_url == "https://meet.example.dk/abc"


def test_move_confirm_and_cancel_keep_the_uid_and_raise_the_sequence(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db)
    meeting = _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))
    booking.confirm_meeting(db, meeting=meeting, actor=m.coordinator, now=NOW, settings=settings)
    assert meeting.state is MeetingState.SCHEDULED
    with pytest.raises(InvalidInput) as no_reason:
        booking.move_meeting(
            db,
            meeting=meeting,
            starts_at=local(2026, 11, 4, 14),
            minutes=60,
            reason="  ",
            actor=m.ambassador_user,
            now=NOW,
            settings=settings,
        )
    assert "reason" in _errors(no_reason.value)
    booking.move_meeting(
        db,
        meeting=meeting,
        starts_at=local(2026, 11, 4, 14),
        minutes=60,
        reason="Jeg har eksamen tirsdag",
        actor=m.ambassador_user,
        now=NOW,
        settings=settings,
    )
    # A new time waits for the school again.
    assert meeting.state is MeetingState.PENDING
    participant = db.scalars(
        select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id)
    ).one()
    assert participant.starts_at == local(2026, 11, 4, 14)
    booking.cancel_meeting(
        db,
        meeting=meeting,
        reason="Eleven er syg",
        actor=m.ambassador_user,
        now=NOW,
        settings=settings,
    )
    assert meeting.state is MeetingState.CANCELLED
    assert participant.booked is False

    calendars = _invitations(db, meeting)
    sequences = [int(c.walk("VEVENT")[0]["sequence"]) for c in calendars]
    assert sequences == sorted(sequences)
    assert sorted(set(sequences)) == [0, 1, 2, 3]
    assert {str(c.walk("VEVENT")[0]["uid"]) for c in calendars} == {meeting.uid}
    assert {str(c["method"]) for c in calendars if int(c.walk("VEVENT")[0]["sequence"]) == 3} == {
        "CANCEL"
    }
    cancel_mail = db.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == m.coordinator.email)
    ).all()[-1]
    assert "Eleven er syg" in cancel_mail.body_text

    with pytest.raises(Conflict):
        booking.cancel_meeting(
            db, meeting=meeting, reason="igen", actor=m.ambassador_user, now=NOW, settings=settings
        )


def test_the_school_declines_with_a_reason_and_the_time_is_free_again(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db)
    meeting = _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))
    with pytest.raises(InvalidInput):
        booking.decline_meeting(
            db, meeting=meeting, reason="", actor=m.coordinator, now=NOW, settings=settings
        )
    booking.decline_meeting(
        db,
        meeting=meeting,
        reason="Klassen er på tur",
        actor=m.coordinator,
        now=NOW,
        settings=settings,
    )
    assert meeting.state is MeetingState.DECLINED
    assert meeting.cancel_reason == "Klassen er på tur"
    with pytest.raises(Conflict):
        booking.confirm_meeting(
            db, meeting=meeting, actor=m.coordinator, now=NOW, settings=settings
        )
    assert _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))


def test_an_ended_match_takes_the_pupil_out_of_upcoming_meetings(
    db: Session, settings: Settings
) -> None:
    m = mentoring(db, mentees=3)
    alone = _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))
    group = _propose(db, settings, m, request(m.match_ids, local(2026, 11, 4, 14)))
    past = make_meeting(
        db, ambassador=m.ambassador, school=m.school, starts_at=NOW - timedelta(days=3)
    )
    make_meeting_participant(db, meeting=past, pupil_id=m.pupil_ids[0], match_id=m.match_ids[0])
    ended = db.get_one(Match, m.match_ids[0])
    changed = ended_matches.cancel_meetings_of_ended_match(
        db, match=ended, actor=None, now=NOW, settings=settings
    )
    assert changed == 2
    assert past.state is MeetingState.SCHEDULED
    assert alone.state is MeetingState.CANCELLED
    assert group.state is MeetingState.PENDING
    left = db.scalars(
        select(MeetingParticipant.pupil_id).where(MeetingParticipant.meeting_id == group.id)
    ).all()
    assert sorted(left) == m.pupil_ids[1:]
    assert group.sequence == 1


def test_suggestions_are_free_and_follow_every_rule(db: Session, settings: Settings) -> None:
    m = mentoring(db)
    make_calendar_entry(db, starts_on=date(2026, 11, 4), ends_on=date(2026, 11, 4))
    _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 13)))
    frame = load_frame(
        db,
        ambassador=m.ambassador,
        school=m.school,
        pupil_ids=m.pupil_ids[:1],
        start=NOW,
        end=NOW + timedelta(days=28),
    )
    found = suggestions(frame, minutes=60, now=NOW)
    assert len(found) == 6
    assert local(2026, 11, 3, 13) not in found
    assert all(time_problem(frame, starts_at=s, minutes=60, now=NOW) is None for s in found)
    assert not any(s.astimezone().date() == date(2026, 11, 4) for s in found)
    assert found[0] == local(2026, 11, 3, 14)


def test_ending_or_withdrawing_a_match_cancels_its_upcoming_meetings(
    db: Session, settings: Settings
) -> None:
    from mentor.matches import service as matches
    from mentor.models import CloseReason, ConsentMethod, Role
    from mentor.pupils.consent import withdraw_consent
    from tests.factories import make_user

    m = mentoring(db, mentees=2)
    first = _propose(db, settings, m, request(m.match_ids[:1], local(2026, 11, 3, 14)))
    second = _propose(db, settings, m, request(m.match_ids[1:], local(2026, 11, 4, 14)))
    counsellor = make_user(db, role=Role.COUNSELLOR)
    matches.end_match(
        db,
        actor=counsellor,
        match=db.get_one(Match, m.match_ids[0]),
        reason=CloseReason.APPLIED,
        note=None,
        now=NOW,
    )
    assert first.state is MeetingState.CANCELLED
    assert first.cancelled_by_id == counsellor.id
    withdraw_consent(
        db,
        actor=m.coordinator,
        pupil=db.get_one(Pupil, m.pupil_ids[1]),
        given_by="Mor",
        method=ConsentMethod.PHONE,
        on=date(2026, 11, 2),
        now=NOW,
    )
    assert second.state is MeetingState.CANCELLED
    cancellations = [c for c in _invitations(db, second) if str(c["method"]) == "CANCEL"]
    assert len(cancellations) == 3
