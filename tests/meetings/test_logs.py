"""Meeting logs through HTTP: not before the start, bad input, the edit window, the state, the
high-priority e-mail over real SMTP, the audit, and who sees what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import (
    Ambassador,
    Attendance,
    AuditEvent,
    FollowUpPriority,
    MatchState,
    Meeting,
    MeetingKind,
    MeetingLog,
    MeetingParticipant,
    MeetingState,
    MeetingTopic,
    Organisation,
    Pupil,
    PupilLink,
    Role,
    User,
)
from mentor.privacy.cpr import contains_cpr
from mentor.web.middleware import LOCALE_COOKIE
from tests.conftest import FakeClock, SmtpServer
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_meeting_topic,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import csrf_token, sign_in


@dataclass
class Setting:
    school: Organisation
    ambassador_user: User
    ambassador: Ambassador
    counsellor: User
    coordinator: User
    asta: Pupil
    bjorn: Pupil
    meeting: Meeting
    topics: list[MeetingTopic]

    @property
    def url(self) -> str:
        return f"/meetings/{self.meeting.id}/log"


@pytest.fixture
def setting(db: Session, clock: FakeClock) -> Setting:
    school = make_school(db)
    counsellor = make_user(
        db, role=Role.COUNSELLOR, full_name="Kirsten Lund", email="kirsten.lund@haderslev.dk"
    )
    make_counsellor_school(db, counsellor=counsellor, school=school)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation_id=school.id)
    user = make_user(db, role=Role.AMBASSADOR, full_name="Sara Holm")
    ambassador = make_ambassador(db, user=user)
    asta = make_pupil(db, school=school, first_name="Asta", email="asta@skole.dk")
    bjorn = make_pupil(db, school=school, first_name="Bjørn", email=None)
    meeting = make_meeting(
        db,
        ambassador=ambassador,
        school=school,
        kind=MeetingKind.SMALL_GROUP,
        starts_at=clock.now + timedelta(hours=2),
    )
    for pupil in (asta, bjorn):
        match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
        make_meeting_participant(db, meeting=meeting, pupil=pupil, match=match)
    topics = [
        make_meeting_topic(db, label_en="Programmes", label_da="Uddannelser", sort_order=1),
        make_meeting_topic(db, label_en="Doubts", label_da="Tvivl", sort_order=2),
        make_meeting_topic(db, label_en="Retired topic", active=False, sort_order=3),
    ]
    return Setting(school, user, ambassador, counsellor, coordinator, asta, bjorn, meeting, topics)


def _as(client: TestClient, db: Session, user: User) -> TestClient:
    client.cookies.clear()
    sign_in(client, db, user)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    return client


def _form(s: Setting, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        f"attendance_{s.asta.id}": "present",
        f"attendance_{s.bjorn.id}": "absent",
        "topic": [s.topics[0].code, s.topics[1].code],
        "summary": "We talked about HTX and what a school day is like.",
    }
    return values | overrides


def _post(client: TestClient, s: Setting, data: dict[str, Any]) -> Response:
    return client.post(s.url, data={**data, "csrf_token": csrf_token(client, "/")})


def _log(db: Session, s: Setting) -> MeetingLog | None:
    db.expire_all()
    return db.scalar(select(MeetingLog).where(MeetingLog.meeting_id == s.meeting.id))


def _attendance(db: Session, s: Setting) -> dict[int, Attendance]:
    rows = db.scalars(
        select(MeetingParticipant).where(MeetingParticipant.meeting_id == s.meeting.id)
    )
    return {row.pupil_id: row.attendance for row in rows}


def test_a_meeting_cannot_be_logged_before_it_starts(
    client: TestClient, db: Session, setting: Setting
) -> None:
    _as(client, db, setting.ambassador_user)

    page = client.get(setting.url)
    response = _post(client, setting, _form(setting))

    assert page.status_code == 200
    assert "You can log the meeting once it has started" in page.text
    assert 'name="summary"' not in page.text
    assert response.status_code == 409
    assert "You can log the meeting once it has started" in response.text
    assert _log(db, setting) is None


def test_the_ambassador_logs_a_held_meeting(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting, smtp_server: SmtpServer
) -> None:
    clock.advance(hours=3)
    _as(client, db, setting.ambassador_user)

    form = client.get(setting.url)
    assert form.status_code == 200
    assert "Asta" in form.text
    assert "Bjørn" in form.text
    assert "Programmes" in form.text
    assert "Doubts" in form.text
    assert "Retired topic" not in form.text
    response = _post(client, setting, _form(setting))

    assert response.status_code == 303
    assert response.headers["location"] == setting.url
    log = _log(db, setting)
    assert log is not None
    assert log.summary == "We talked about HTX and what a school day is like."
    assert log.topics == [setting.topics[0].code, setting.topics[1].code]
    assert (log.logged_by_id, log.logged_at, log.needs_follow_up) == (
        setting.ambassador_user.id,
        clock.now,
        False,
    )
    assert _attendance(db, setting) == {
        setting.asta.id: Attendance.PRESENT,
        setting.bjorn.id: Attendance.ABSENT,
    }
    assert db.get_one(Meeting, setting.meeting.id).state is MeetingState.HELD
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "meeting_log").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.pupil_id, e.object_id) for e in events] == [
        ("create", setting.asta.id, str(log.id)),
        ("create", setting.bjorn.id, str(log.id)),
    ]
    assert "summary" not in str(events[0].details) or "HTX" not in str(events[0].details)
    # The pupil who came gets a feedback link, e-mailed to her own address; the absent one none.
    links = db.scalars(select(PupilLink).where(PupilLink.meeting_id == setting.meeting.id)).all()
    assert [link.pupil_id for link in links] == [setting.asta.id]
    assert len(smtp_server.wait_for_mail_to("asta@skole.dk")) == 1
    # The page after saving: the form again, filled in, with the edit window.
    page = client.get(setting.url)
    assert "We talked about HTX" in page.text
    assert "You can change the log until" in page.text


def test_a_meeting_no_pupil_came_to_is_logged_but_not_held(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting
) -> None:
    clock.advance(hours=3)
    _as(client, db, setting.ambassador_user)
    nobody = _form(setting, **{f"attendance_{setting.asta.id}": "cancelled_late"})

    assert _post(client, setting, nobody).status_code == 303
    assert _log(db, setting) is not None
    assert db.get_one(Meeting, setting.meeting.id).state is MeetingState.SCHEDULED
    assert db.scalars(select(PupilLink)).all() == []

    # Asta came after all: held, and she gets her link; then changed back: the link is taken back.
    assert _post(client, setting, _form(setting)).status_code == 303
    db.expire_all()
    assert db.get_one(Meeting, setting.meeting.id).state is MeetingState.HELD
    [link] = db.scalars(select(PupilLink)).all()
    assert link.revoked_at is None
    assert _post(client, setting, nobody).status_code == 303
    db.expire_all()
    assert db.get_one(Meeting, setting.meeting.id).state is MeetingState.SCHEDULED
    assert db.get_one(PupilLink, link.id).revoked_at is not None


def test_bad_input_comes_back_with_messages_next_to_the_fields_and_nothing_written(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting
) -> None:
    clock.advance(hours=3)
    _as(client, db, setting.ambassador_user)
    data = _form(setting, summary="Asta's CPR is 010310-1234, see her file.", needs_follow_up="1")
    del data[f"attendance_{setting.bjorn.id}"]
    data["topic"] = [setting.topics[0].code, "not-a-topic"]

    response = _post(client, setting, data)

    assert response.status_code == 422
    text = response.text
    assert 'id="summary-error"' in text
    assert "Do not write CPR numbers" in text
    assert f'id="attendance_{setting.bjorn.id}-error"' in text
    assert "Choose whether the pupil came." in text
    assert 'id="topics-error"' in text
    assert 'id="priority-error"' in text
    assert "Choose a priority" in text
    assert 'id="reason-error"' in text
    assert "Say why the pupil needs follow-up." in text
    # The user's values are kept.
    assert "010310-1234, see her file." in text
    start = text.find(f'id="attendance_{setting.asta.id}-present"')
    radio = text[start : start + 120]
    assert 'value="present" required checked' in radio, radio
    assert _log(db, setting) is None
    assert db.get_one(Meeting, setting.meeting.id).state is MeetingState.SCHEDULED

    empty = _post(client, setting, _form(setting, summary="   "))
    too_long = _post(client, setting, _form(setting, summary="x" * 2001))
    reason_cpr = _post(
        client,
        setting,
        _form(setting, needs_follow_up="1", priority="low", reason="Ring til 0103101234"),
    )
    assert empty.status_code == too_long.status_code == reason_cpr.status_code == 422
    assert "Write a short summary of the meeting." in empty.text
    assert "At most 2000 characters" in too_long.text
    assert 'id="reason-error"' in reason_cpr.text
    assert "Do not write CPR numbers" in reason_cpr.text
    assert _log(db, setting) is None


@pytest.mark.parametrize(
    ("text", "cpr"),
    [
        ("010310-1234", True),
        ("født 0103101234.", True),
        ("290200-1234", True),  # 29 February 2000
        ("300299-1234", False),  # no 30 February
        ("Ring på 20 30 40 50 eller 20304050", False),
        ("konto 12345678901234", False),
        ("3213451234", False),
        ("1234-5678", False),
        ("", False),
    ],
)
def test_what_counts_as_a_cpr_number(text: str, cpr: bool) -> None:
    assert contains_cpr(text) is cpr


def test_a_high_priority_flag_reaches_the_counsellor_over_smtp(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting, smtp_server: SmtpServer
) -> None:
    clock.advance(hours=3)
    other_school = make_school(db)
    make_counsellor_school(
        db,
        counsellor=make_user(db, role=Role.COUNSELLOR, email="anden@haderslev.dk"),
        school=other_school,
    )
    _as(client, db, setting.ambassador_user)
    data = _form(
        setting,
        **{f"attendance_{setting.asta.id}": "absent"},
        needs_follow_up="1",
        priority="high",
        reason="Bjørn says he wants to leave school after 9th grade.",
    )

    assert _post(client, setting, data).status_code == 303

    [mail] = smtp_server.wait_for_mail_to("kirsten.lund@haderslev.dk")
    body = smtp_server.text_of(mail)
    assert "Asta" in body
    assert "Bjørn" in body
    assert f"https://testserver/meetings/{setting.meeting.id}/log" in body
    assert "leave school" not in body
    assert "We talked about HTX" not in body
    log = _log(db, setting)
    assert log is not None
    assert (log.needs_follow_up, log.follow_up_priority) == (True, FollowUpPriority.HIGH)

    # Saving again with the same flag tells no one twice.
    assert _post(client, setting, data).status_code == 303
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1


def test_the_author_may_change_the_log_for_seven_days(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting
) -> None:
    clock.advance(hours=3)
    _as(client, db, setting.ambassador_user)
    assert _post(client, setting, _form(setting)).status_code == 303

    clock.advance(days=6, hours=23)
    changed = _post(client, setting, _form(setting, summary="A better summary."))
    assert changed.status_code == 303
    log = _log(db, setting)
    assert log is not None
    assert log.summary == "A better summary."
    assert log.updated_at == clock.now
    updates = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "meeting_log", AuditEvent.action == "update"
        )
    ).all()
    assert len(updates) == 2
    assert updates[0].details["changed"] == ["summary"]

    clock.advance(hours=2)
    page = client.get(setting.url)
    late = _post(client, setting, _form(setting, summary="Too late."))
    assert page.status_code == 200
    assert "The log can no longer be changed" in page.text
    assert 'name="summary"' not in page.text
    assert "A better summary." in page.text
    assert late.status_code == 409
    log = _log(db, setting)
    assert log is not None
    assert log.summary == "A better summary."


def test_a_cancelled_meeting_cannot_be_logged(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting
) -> None:
    setting.meeting.state = MeetingState.CANCELLED
    setting.meeting.cancelled_at = clock.now
    db.flush()
    clock.advance(hours=3)
    _as(client, db, setting.ambassador_user)

    response = _post(client, setting, _form(setting))

    assert response.status_code == 409
    assert "A cancelled or declined meeting cannot be logged." in response.text
    assert _log(db, setting) is None


def test_who_sees_what_of_a_log(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting
) -> None:
    clock.advance(hours=3)
    _as(client, db, setting.ambassador_user)
    data = _form(setting, needs_follow_up="1", priority="normal", reason="Unsure about EUX.")
    assert _post(client, setting, data).status_code == 303
    summary = "We talked about HTX"

    counsellor = _as(client, db, setting.counsellor).get(setting.url)
    assert counsellor.status_code == 200
    assert summary in counsellor.text
    assert "Unsure about EUX." in counsellor.text
    assert "Programmes" in counsellor.text
    assert "No feedback from the pupils yet." in counsellor.text

    coordinator = _as(client, db, setting.coordinator).get(setting.url)
    assert coordinator.status_code == 200
    assert "Asta" in coordinator.text
    assert "Came" in coordinator.text
    assert "Did not come" in coordinator.text
    assert summary not in coordinator.text
    assert "Unsure about EUX." not in coordinator.text
    reads = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "meeting_log", AuditEvent.action == "read"
        )
    ).all()
    assert {(e.actor_id, e.pupil_id) for e in reads} == {
        (user.id, pupil.id)
        for user in (setting.counsellor, setting.coordinator)
        for pupil in (setting.asta, setting.bjorn)
    }

    other_school = make_school(db)
    other_counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=other_counsellor, school=other_school)
    outsiders = [
        make_ambassador(db).user_id,
        make_user(db, role=Role.COORDINATOR, organisation_id=other_school.id).id,
        other_counsellor.id,
    ]
    for user_id in outsiders:
        response = _as(client, db, db.get_one(User, user_id)).get(setting.url)
        assert response.status_code == 404, user_id
        assert summary not in response.text
    # Another ambassador cannot write it either; staff never write logs.
    assert _post(_as(client, db, db.get_one(User, outsiders[0])), setting, data).status_code == 404
    assert _post(_as(client, db, setting.counsellor), setting, data).status_code == 403
    assert _post(_as(client, db, setting.coordinator), setting, data).status_code == 403
    assert _as(client, db, make_user(db, role=Role.ADMIN)).get(setting.url).status_code == 403
