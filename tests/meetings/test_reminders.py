"""`mentor reminders send`: the day-before reminder and the log nudges, each e-mail once.

Time moves through the ``now`` the service takes; nothing sleeps.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mentor.cli import app as cli
from mentor.config import Settings, get_settings
from mentor.db import make_engine, make_sessionmaker, utcnow
from mentor.meetings.reminders import ReminderResult, send_reminders
from mentor.migrations import upgrade
from mentor.models import Meeting, MeetingState, OutboxEmail, Role, User
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)
from tests.throwaway_database import BACKENDS, throwaway_database

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 10, 25, 9, 0, tzinfo=COPENHAGEN).astimezone(UTC)


@dataclass
class People:
    ambassador: User
    coordinator: User
    counsellor: User
    other_counsellor: User


def _people_and_meeting(
    db: Session, starts_at: datetime, **overrides: object
) -> tuple[People, Meeting]:
    school = make_school(db)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=school)
    counsellor = make_user(db, role=Role.COUNSELLOR, locale="en")
    make_counsellor_school(db, counsellor=counsellor, school=school)
    # A counsellor of another school hears nothing.
    other_counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=other_counsellor, school=make_school(db))
    ambassador_user = make_user(db, role=Role.AMBASSADOR, full_name="Sofie Lund")
    ambassador = make_ambassador(db, user=ambassador_user)
    meeting = make_meeting(
        db,
        ambassador=ambassador,
        school=school,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        **overrides,
    )
    make_meeting_participant(
        db, meeting=meeting, pupil=make_pupil(db, school=school, first_name="Emma")
    )
    return People(ambassador_user, coordinator, counsellor, other_counsellor), meeting


def _mails(db: Session) -> Counter[tuple[str, str]]:
    rows = db.execute(select(OutboxEmail.to_address, OutboxEmail.subject)).all()
    return Counter((to, subject) for to, subject in rows)


def _run(db: Session, settings: Settings, now: datetime) -> ReminderResult:
    return send_reminders(db, now=now, settings=settings)


# The day-before reminder


def test_the_day_before_the_ambassador_and_the_coordinator_are_reminded_once(
    db: Session, settings: Settings
) -> None:
    # 9:00 on Monday 26 October 2026 in Copenhagen: 08:00 UTC, winter time again.
    starts_at = datetime(2026, 10, 26, 9, 0, tzinfo=COPENHAGEN).astimezone(UTC)
    people, meeting = _people_and_meeting(db, starts_at)

    too_early = _run(db, settings, starts_at - timedelta(hours=25))
    first = _run(db, settings, starts_at - timedelta(hours=23))
    second = _run(db, settings, starts_at - timedelta(hours=22))

    assert (too_early.reminders, first.reminders, second.reminders) == (0, 1, 0)
    subject = "Påmindelse: møde 26.10.2026 09:00"
    assert _mails(db) == Counter(
        {(people.ambassador.email, subject): 1, (people.coordinator.email, subject): 1}
    )
    assert meeting.reminder_sent_at == starts_at - timedelta(hours=23)
    body = db.scalars(
        select(OutboxEmail.body_text).where(OutboxEmail.to_address == people.ambassador.email)
    ).one()
    assert "Emma" in body
    assert f"https://testserver/meetings/{meeting.id}" in body


def test_a_pending_meeting_asks_the_coordinator_to_confirm(db: Session, settings: Settings) -> None:
    people, _meeting = _people_and_meeting(db, NOW + timedelta(hours=5), state=MeetingState.PENDING)

    _run(db, settings, NOW)

    body = db.scalars(
        select(OutboxEmail.body_text).where(OutboxEmail.to_address == people.coordinator.email)
    ).one()
    assert "Skolen har ikke bekræftet mødet endnu. Bekræft eller afvis det:" in body


@pytest.mark.parametrize("state", [MeetingState.CANCELLED, MeetingState.DECLINED])
def test_a_meeting_that_is_off_is_not_reminded(
    db: Session, settings: Settings, state: MeetingState
) -> None:
    _people_and_meeting(db, NOW + timedelta(hours=5), state=state, cancelled_at=NOW)

    assert _run(db, settings, NOW).reminders == 0
    assert _mails(db) == Counter()


# Log nudges


def test_nudges_after_a_day_and_three_days_then_the_counsellor_once(
    db: Session, settings: Settings
) -> None:
    people, meeting = _people_and_meeting(db, NOW - timedelta(hours=1))
    ended = meeting.ends_at

    results = [
        _run(db, settings, ended + after)
        for after in (
            timedelta(hours=23),  # nothing yet
            timedelta(hours=24),  # the first nudge
            timedelta(hours=30),
            timedelta(days=3),  # the second
            timedelta(days=3, hours=12),
            timedelta(days=4),  # the counsellor is told
            timedelta(days=5),
            timedelta(days=20),
        )
    ]

    assert [(r.nudges, r.overdue_reports) for r in results] == [
        (0, 0),
        (1, 0),
        (0, 0),
        (1, 0),
        (0, 0),
        (0, 1),
        (0, 0),
        (0, 0),
    ]
    assert _mails(db) == Counter(
        {
            (people.ambassador.email, "Husk at logge dit møde 25.10.2026 08:00"): 1,
            (people.ambassador.email, "Sidste påmindelse: log dit møde 25.10.2026 08:00"): 1,
            (people.counsellor.email, "A meeting has not been logged: 25.10.2026 08:00"): 1,
        }
    )
    assert meeting.log_nudges_sent == 2
    assert meeting.log_overdue_reported_at == ended + timedelta(days=4)


def test_a_logged_meeting_is_not_nudged(db: Session, settings: Settings) -> None:
    _people, meeting = _people_and_meeting(db, NOW - timedelta(days=2))
    make_meeting_log(db, meeting=meeting)

    result = _run(db, settings, NOW + timedelta(days=5))

    assert (result.nudges, result.overdue_reports) == (0, 0)
    assert _mails(db) == Counter()


def test_a_late_first_run_nudges_once_and_tells_the_counsellor(
    db: Session, settings: Settings
) -> None:
    people, meeting = _people_and_meeting(db, NOW - timedelta(days=10))

    first = _run(db, settings, NOW)
    second = _run(db, settings, NOW + timedelta(minutes=15))

    assert (first.nudges, first.overdue_reports) == (1, 1)
    assert (second.nudges, second.overdue_reports) == (0, 0)
    assert sum(n for (to, _), n in _mails(db).items() if to == people.ambassador.email) == 1
    nudge = db.scalars(
        select(OutboxEmail.body_text).where(OutboxEmail.to_address == people.ambassador.email)
    ).one()
    assert "har elevernes vejleder også fået besked" in nudge
    assert meeting.log_nudges_sent == 2


def test_old_meetings_and_unconfirmed_ones_are_left_alone(db: Session, settings: Settings) -> None:
    _people_and_meeting(db, NOW - timedelta(days=40))
    _people_and_meeting(db, NOW - timedelta(days=2), state=MeetingState.PENDING)

    result = _run(db, settings, NOW)

    assert result == ReminderResult(reminders=0, nudges=0, overdue_reports=0)


# Two machines at once


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_runs_at_once_send_each_mail_once(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    runs = 2
    with throwaway_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url, pool_size=runs + 2) if backend != "sqlite" else make_engine(url)
        factory = make_sessionmaker(engine)
        try:
            now = utcnow()
            with factory() as session:
                expected: Counter[str] = Counter()
                for hours in range(1, 11):  # ten meetings in the next day
                    people, _ = _people_and_meeting(session, now + timedelta(hours=hours))
                    expected.update([people.ambassador.email, people.coordinator.email])
                for days in range(2, 7):  # five meetings that were not logged
                    people, _ = _people_and_meeting(session, now - timedelta(days=days))
                    expected.update([people.ambassador.email])
                    if days >= 5:  # over for more than 4 days: the counsellor is told
                        expected.update([people.counsellor.email])
                session.commit()

            start = threading.Barrier(runs)
            results: list[ReminderResult] = []
            errors: list[BaseException] = []

            def run() -> None:
                start.wait()
                try:
                    with factory() as session:
                        results.append(send_reminders(session, now=now, settings=settings))
                        session.commit()
                except Exception as error:  # a lock timeout would be a lost run
                    errors.append(error)

            threads = [threading.Thread(target=run) for _ in range(runs)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            with factory() as session:
                sent = Counter(session.scalars(select(OutboxEmail.to_address)).all())
            assert errors == []
            assert sum(r.reminders for r in results) == 10
            assert sum(r.nudges for r in results) == 5
            assert sum(r.overdue_reports for r in results) == 2
            assert sent == expected
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", [p for p in BACKENDS if p.id == "postgresql"])
def test_a_run_skips_the_meetings_another_run_holds(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    with throwaway_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        try:
            now = utcnow()
            with factory() as session:
                _people_and_meeting(session, now + timedelta(hours=2))
                _people_and_meeting(session, now - timedelta(days=2))
                session.commit()

            with factory() as first:
                # The first machine has claimed the rows and not yet committed ...
                held = send_reminders(first, now=now, settings=settings)
                # ... so the second one skips them at once instead of waiting or repeating.
                with factory() as second:
                    second.execute(text("SET LOCAL lock_timeout = '2s'"))
                    skipped = send_reminders(second, now=now, settings=settings)
                    second.commit()
                first.commit()

            with factory() as session:
                mails = session.scalars(select(OutboxEmail.to_address)).all()
            assert held == ReminderResult(reminders=1, nudges=1, overdue_reports=0)
            assert skipped == ReminderResult(reminders=0, nudges=0, overdue_reports=0)
            assert len(mails) == len(set(mails)) == 3
        finally:
            engine.dispose()


# The command


def test_the_command_sends_each_mail_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'reminders.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as session:
        _people_and_meeting(session, utcnow() + timedelta(hours=3))
        _people_and_meeting(session, utcnow() - timedelta(days=2))
        session.commit()
    monkeypatch.setenv("MENTOR_DATABASE_URL", url)
    monkeypatch.setenv("MENTOR_MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.delenv("MENTOR_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(cli, ["reminders", "send"])
        second = runner.invoke(cli, ["reminders", "send"])
    finally:
        get_settings.cache_clear()

    assert first.exit_code == 0, first.output
    assert "1 møde påmindet, 1 påmindelse om log, 0 forsinkede logs meldt" in first.output
    assert second.exit_code == 0, second.output
    assert "0 møder påmindet, 0 påmindelser om log, 0 forsinkede logs meldt" in second.output
    with factory() as session:
        mails = session.scalars(select(OutboxEmail)).all()
    # The ambassador and the coordinator of the first, the ambassador of the second; all sent.
    assert len(mails) == 3
    assert {mail.state.value for mail in mails} == {"sent"}
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3
    engine.dispose()
