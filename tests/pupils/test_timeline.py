"""The pupil's timeline: every kind of event, newest first with who and when; what a
coordinator does not see; and a bounded number of queries however long the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import utcnow
from mentor.models import (
    Attendance,
    CloseReason,
    DeclineReason,
    ExitRespondent,
    MatchState,
    MeetingState,
)
from mentor.pupils.timeline import RESPONDENT_LABELS, SHOWN, EventKind, pupil_timeline
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_exit_answer,
    make_feedback,
    make_match,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_note,
)
from tests.pupils.casework import Casework, casework
from tests.web import post_form, sign_in


@pytest.fixture
def case(db: Session) -> Casework:
    return casework(db)


def test_the_counsellor_sees_every_kind_of_event_newest_first(
    db: Session, client: TestClient, case: Casework, clock: FakeClock, settings: Settings
) -> None:
    earlier = make_match(
        db,
        pupil=case.pupil,
        state=MatchState.DECLINED,
        decline_category=DeclineReason.SCHEDULE,
        proposed_at=clock.now - timedelta(days=60),
        responded_at=clock.now - timedelta(days=59),
    )
    make_match(
        db,
        pupil=case.pupil,
        state=MatchState.EXPIRED,
        proposed_at=clock.now - timedelta(days=50),
    )
    make_note(db, pupil=case.pupil, author=case.counsellor, body="En note fra vejlederen.")
    clock.advance(minutes=5)
    sign_in(client, db, case.counsellor)
    post_form(client, f"/meetings/{case.meeting.id}/log/resolve", {"resolution": "Klaret."})
    clock.advance(minutes=5)
    ended = post_form(
        client,
        f"/pupils/{case.pupil.id}/matches/{case.match.id}/end",
        {"reason": "ambassador_left"},
    )
    assert ended.status_code == 303, ended.text
    db.expire_all()

    events = pupil_timeline(db, user=case.counsellor, pupil=case.pupil, settings=settings).events
    kinds = [event.kind for event in events]
    assert set(kinds) == {
        EventKind.ENROLLED,
        EventKind.CONSENT,
        EventKind.QUESTIONNAIRE,
        EventKind.PROPOSED,
        EventKind.ACCEPTED,
        EventKind.DECLINED,
        EventKind.EXPIRED,
        EventKind.CLOSED,
        EventKind.MEETING,
        EventKind.LOGGED,
        EventKind.FLAG_RAISED,
        EventKind.FLAG_RESOLVED,
        EventKind.FEEDBACK,
        EventKind.NOTE,
    }
    times = [event.at for event in events]
    assert times == sorted(times, reverse=True)
    assert kinds[0] is EventKind.CLOSED
    assert kinds[1] is EventKind.FLAG_RESOLVED
    by_kind = {event.kind: event for event in events}
    assert by_kind[EventKind.CLOSED].who == "Karen Vejleder"
    assert by_kind[EventKind.FLAG_RESOLVED].text == "Klaret."
    assert by_kind[EventKind.FLAG_RESOLVED].who == "Karen Vejleder"
    assert by_kind[EventKind.LOGGED].who == "Sara Holm"
    assert by_kind[EventKind.LOGGED].text == "Vi talte om HTX og EUX."
    assert by_kind[EventKind.FEEDBACK].rating == 2
    assert by_kind[EventKind.NOTE].who == "Karen Vejleder"
    assert by_kind[EventKind.CONSENT].who == case.coordinator.full_name
    assert by_kind[EventKind.MEETING].who == "Sara Holm"
    assert by_kind[EventKind.EXPIRED].at == earlier.proposed_at + timedelta(
        days=10 + settings.proposal_answer_days
    )

    page = client.get(f"/pupils/{case.pupil.id}").text
    assert "Tidslinje" in page
    timeline = page[page.index('id="timeline-heading"') :]
    assert timeline.index("Matchet blev afsluttet") < timeline.index("Opfølgning afsluttet")
    assert timeline.index("Opfølgning afsluttet") < timeline.index("Spørgeskema besvaret")
    assert "Ambassadøren er stoppet" in timeline
    assert "Vurdering 2 af 5" in timeline
    assert "En note fra vejlederen." in timeline


def test_an_exit_answer_is_on_the_counsellors_timeline(
    db: Session, case: Casework, settings: Settings
) -> None:
    make_exit_answer(
        db, match=case.match, respondent=ExitRespondent.AMBASSADOR, rating=3, comment="Fint."
    )
    events = pupil_timeline(db, user=case.counsellor, pupil=case.pupil, settings=settings).events
    (answer,) = [event for event in events if event.kind is EventKind.EXIT_ANSWER]
    assert (answer.rating, answer.text) == (3, "Fint.")
    assert answer.label is RESPONDENT_LABELS[ExitRespondent.AMBASSADOR]
    coordinator = pupil_timeline(db, user=case.coordinator, pupil=case.pupil, settings=settings)
    assert EventKind.EXIT_ANSWER not in {event.kind for event in coordinator.events}


def test_a_coordinator_sees_no_notes_log_text_flags_or_ratings(
    db: Session, client: TestClient, case: Casework, settings: Settings
) -> None:
    make_note(db, pupil=case.pupil, author=case.counsellor, body="En note fra vejlederen.")
    events = pupil_timeline(db, user=case.coordinator, pupil=case.pupil, settings=settings).events
    kinds = {event.kind for event in events}
    assert EventKind.NOTE not in kinds
    assert EventKind.FLAG_RAISED not in kinds
    assert {EventKind.LOGGED, EventKind.FEEDBACK, EventKind.MEETING} <= kinds
    assert all(event.text is None and event.rating is None for event in events)

    sign_in(client, db, case.coordinator)
    page = client.get(f"/pupils/{case.pupil.id}")
    assert page.status_code == 200
    timeline = page.text[page.text.index('id="timeline-heading"') :]
    assert "Mødet er logget" in timeline
    assert "Feedback fra eleven" in timeline
    for secret in (
        "En note fra vejlederen.",
        "Vi talte om HTX og EUX.",
        "Eleven virker usikker",
        "Vurdering",
        "Markeret til opfølgning",
    ):
        assert secret not in timeline


def _more_history(db: Session, case: Casework, n: int) -> None:
    for _ in range(n):
        meeting = make_meeting(
            db, ambassador=case.ambassador, school=case.school, state=MeetingState.HELD
        )
        make_meeting_participant(
            db, meeting=meeting, pupil=case.pupil, attendance=Attendance.PRESENT
        )
        make_meeting_log(db, meeting=meeting, logged_by=case.ambassador_user, needs_follow_up=False)
        make_feedback(db, meeting=meeting, pupil=case.pupil)
        make_note(db, pupil=case.pupil, author=case.counsellor)
        closed = make_match(
            db,
            pupil=case.pupil,
            state=MatchState.CLOSED,
            close_reason=CloseReason.MOVED,
            closed_by=case.counsellor,
        )
        make_exit_answer(db, match=closed)


def test_the_pupil_page_costs_the_same_queries_however_long_the_history(
    db: Session, client: TestClient, case: Casework, query_counter: QueryCounter
) -> None:
    sign_in(client, db, case.counsellor)
    client.get(f"/pupils/{case.pupil.id}")
    query_counter.reset()
    assert client.get(f"/pupils/{case.pupil.id}").status_code == 200
    short = query_counter.count
    _more_history(db, case, 6)
    query_counter.reset()
    page = client.get(f"/pupils/{case.pupil.id}")
    assert page.status_code == 200
    assert query_counter.count == short
    assert page.text.count("Mødet er logget") == 7


def _newer_meetings_with_logs(db: Session, case: Casework, n: int) -> None:
    for day in range(n):
        starts = utcnow() - timedelta(days=2, hours=day)
        meeting = make_meeting(
            db,
            ambassador=case.ambassador,
            school=case.school,
            state=MeetingState.HELD,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
        )
        make_meeting_participant(db, meeting=meeting, pupil=case.pupil)
        # Logged after the case's own log (logged when the case was made).
        logged = utcnow() + timedelta(seconds=day + 1)
        make_meeting_log(db, meeting=meeting, logged_by=case.ambassador_user, logged_at=logged)


def test_a_short_timeline_is_the_newest_part_of_the_whole_one(
    db: Session, case: Casework, settings: Settings
) -> None:
    _more_history(db, case, 4)
    whole = pupil_timeline(db, user=case.counsellor, pupil=case.pupil, settings=settings)
    short = pupil_timeline(db, user=case.counsellor, pupil=case.pupil, settings=settings, shown=5)

    assert not whole.more
    assert len(whole.events) > 5
    assert short.more
    assert [(e.at, e.kind) for e in short.events] == [(e.at, e.kind) for e in whole.events[:5]]


def test_an_old_log_resolved_today_and_an_old_match_closed_today_are_on_a_short_timeline(
    db: Session, case: Casework, settings: Settings
) -> None:
    # Five newer meetings with logs, and newer proposals: by the time they were written, the
    # case's log and match are the oldest of their kind, but each has today's event.
    _newer_meetings_with_logs(db, case, 5)
    for _ in range(5):
        make_match(db, pupil=case.pupil, state=MatchState.DECLINED, responded_at=utcnow())
    now = utcnow() + timedelta(minutes=1)
    case.log.follow_up_resolved_at = now
    case.log.follow_up_resolved_by_id = case.counsellor.id
    case.log.follow_up_resolution = "Talt med eleven."
    case.match.state = MatchState.CLOSED
    case.match.closed_at = now + timedelta(minutes=1)
    case.match.close_reason = CloseReason.MOVED
    db.flush()

    short = pupil_timeline(db, user=case.counsellor, pupil=case.pupil, settings=settings, shown=3)

    assert [event.kind for event in short.events][:2] == [
        EventKind.CLOSED,
        EventKind.FLAG_RESOLVED,
    ]
    assert short.events[1].text == "Talt med eleven."


def test_the_page_shows_the_newest_hundred_events_and_says_so_at_the_same_cost(
    db: Session, client: TestClient, case: Casework, query_counter: QueryCounter
) -> None:
    sign_in(client, db, case.counsellor)
    client.get(f"/pupils/{case.pupil.id}")
    query_counter.reset()
    first = client.get(f"/pupils/{case.pupil.id}")
    short = query_counter.count
    assert "nyeste hændelser" not in first.text
    for minutes in range(SHOWN + 5):
        make_note(
            db,
            pupil=case.pupil,
            author=case.counsellor,
            body=f"Note nummer {minutes}.",
            created_at=utcnow() - timedelta(minutes=minutes),
        )

    query_counter.reset()
    page = client.get(f"/pupils/{case.pupil.id}")

    assert page.status_code == 200
    assert query_counter.count == short, query_counter.statements
    timeline = page.text[page.text.index('id="timeline-heading"') :]
    assert timeline.count('<li class="timeline-') == SHOWN
    assert f"Kun de {SHOWN} nyeste hændelser vises." in timeline
    assert "Note nummer 0." in timeline
    assert f"Note nummer {SHOWN + 4}." not in timeline  # the oldest note is left out
