"""Irreversible actions ask first and say what will happen: archiving a pupil, disabling a user, an
ambassador leaving. Without JavaScript the question is a page; a POST without ``confirmed``
answers with that page and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import AmbassadorState, MatchState, MeetingState, PupilStatus, Role
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)
from tests.pages import main_text
from tests.web import log_in_as, post_form


def _asks(response_text: str, action: str) -> None:
    """The question's form: posts to the action, with the CSRF token and ``confirmed``."""
    assert f'action="{action}"' in response_text
    assert 'name="csrf_token"' in response_text
    assert 'name="confirmed" value="1"' in response_text


def test_archiving_a_pupil_asks_first_and_counts_what_ends(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Mads", last_name="Holm")
    ambassador = make_ambassador(db)
    match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
    for _ in range(2):
        meeting = make_meeting(db, ambassador=ambassador, school=school)
        make_meeting_participant(db, meeting=meeting, pupil=pupil, match=match)
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    action = f"/pupils/{pupil.id}/archive"

    question = client.get(action)
    unconfirmed = post_form(client, action, {})

    for answer in (question, unconfirmed):
        assert answer.status_code == 200
        page = main_text(answer)
        assert "Arkivér Mads Holm?" in page
        assert "Matchet med ambassadøren slutter" in page
        assert "2 kommende møder: eleven går ud af dem" in page
        _asks(answer.text, action)
    db.refresh(pupil)
    db.refresh(match)
    assert pupil.status is PupilStatus.ACTIVE
    assert match.state is MatchState.ACCEPTED

    done = post_form(client, action, {"confirmed": "1"})

    assert done.status_code == 303
    db.refresh(pupil)
    assert pupil.status is PupilStatus.ARCHIVED


def test_disabling_a_user_asks_first_and_says_what_stays(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    user = make_user(db, role=Role.AMBASSADOR, full_name="Asta Holm")
    ambassador = make_ambassador(db, user=user)
    make_match(db, ambassador=ambassador, state=MatchState.ACCEPTED)
    make_match(db, ambassador=ambassador)
    action = f"/admin/users/{user.id}/disable"

    question = client.get(action)
    unconfirmed = post_form(client, action, {})

    for answer in (question, unconfirmed):
        assert answer.status_code == 200
        page = main_text(answer)
        assert "Deaktivér Asta Holm?" in page
        assert "logget ud alle steder" in page
        assert "2 mentees og ventende forslag" in page
        _asks(answer.text, action)
    db.refresh(user)
    assert user.is_active


def test_an_ambassador_leaving_is_asked_first_with_mentees_and_meetings_counted(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    user = make_user(db, role=Role.AMBASSADOR, full_name="Karl Berg")
    ambassador = make_ambassador(db, user=user)
    accepted = [make_match(db, ambassador=ambassador, state=MatchState.ACCEPTED) for _ in range(2)]
    make_match(db, ambassador=ambassador)  # a proposal not yet answered
    meeting = make_meeting(db, ambassador=ambassador)
    make_meeting_participant(db, meeting=meeting, pupil_id=accepted[0].pupil_id, match=accepted[0])
    past = make_meeting(
        db,
        ambassador=ambassador,
        starts_at=utcnow() - timedelta(days=3),
        state=MeetingState.SCHEDULED,
    )
    make_meeting_participant(db, meeting=past, pupil_id=accepted[1].pupil_id, match=accepted[1])
    action = f"/admin/ambassadors/{ambassador.id}/leave"

    question = client.get(action)
    unconfirmed = post_form(client, action, {})

    for answer in (question, unconfirmed):
        assert answer.status_code == 200
        page = main_text(answer)
        assert "Er Karl Berg stoppet i programmet?" in page
        assert "1 forslag, der endnu ikke er besvaret, trækkes tilbage" in page
        assert "2 match med mentees slutter" in page
        assert "1 kommende møde aflyses" in page  # the past one is not counted
        _asks(answer.text, action)
    db.refresh(ambassador)
    assert ambassador.state is AmbassadorState.ACTIVE

    done = post_form(client, action, {"confirmed": "1"})

    assert done.status_code == 303
    db.refresh(ambassador)
    assert ambassador.state is AmbassadorState.LEFT
    for match in accepted:
        db.refresh(match)
        assert match.state is MatchState.CLOSED
