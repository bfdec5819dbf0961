"""Parallel bookings never double-book anyone, on SQLite and on PostgreSQL.

Each thread is one request: its own Session and connection on a real database (a throwaway one,
committed to), so the row locks (PostgreSQL) or BEGIN IMMEDIATE (SQLite) and PostgreSQL's
exclusion constraints are what keep the bookings apart, not the test harness.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mentor.config import Settings
from mentor.db import make_engine, make_sessionmaker
from mentor.errors import InvalidInput
from mentor.i18n import using_locale
from mentor.meetings import booking
from mentor.migrations import upgrade
from mentor.models import Ambassador, Meeting, MeetingParticipant, MeetingState, User
from tests.factories import make_match, make_meeting, make_meeting_participant
from tests.meetings.booking_helpers import NOW, local, mentoring, request
from tests.throwaway_database import BACKENDS, throwaway_database

PARALLEL = 50
CONFLICT = "already has a meeting at this time"


@dataclass
class Outcome:
    booked: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with throwaway_database(backend, tmp_path) as url:
        upgrade(url)
        engine: Engine = (
            make_engine(url, pool_size=PARALLEL + 2, max_overflow=0)
            if backend != "sqlite"
            else make_engine(url, pool_size=PARALLEL + 2)
        )
        try:
            yield make_sessionmaker(engine)
        finally:
            engine.dispose()


def run_in_parallel(
    factory: sessionmaker[Session], attempts: list[Callable[[Session], Meeting]]
) -> Outcome:
    outcome = Outcome()
    start = threading.Barrier(len(attempts))

    def attempt(book: Callable[[Session], Meeting]) -> None:
        start.wait()
        try:
            with factory() as session:
                try:
                    meeting = book(session)
                    session.commit()
                    outcome.booked.append(meeting.id)
                except InvalidInput as refused:
                    session.rollback()
                    with using_locale("en"):
                        outcome.refused.append(str(refused.field_errors.get("starts_at", "")))
        except Exception as error:  # a lock timeout would be a lost request
            outcome.errors.append(error)

    threads = [threading.Thread(target=attempt, args=(book,)) for book in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def booker(
    ambassador_id: int,
    user_id: int,
    match_id: int,
    settings: Settings,
    *,
    starts_at: datetime,
    minutes: int = 45,
) -> Callable[[Session], Meeting]:
    """One request: book ``match_id`` at ``starts_at``."""

    def book(session: Session) -> Meeting:
        return booking.propose_meeting(
            session,
            ambassador=session.get_one(Ambassador, ambassador_id),
            request=request([match_id], starts_at, minutes=minutes),
            actor=session.get_one(User, user_id),
            now=NOW,
            settings=settings,
        )

    return book


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_overlapping_bookings_for_one_ambassador_book_exactly_one(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    with database(backend, tmp_path) as factory:
        with factory() as session:
            m = mentoring(session, mentees=PARALLEL)
            ids = (m.ambassador.id, m.ambassador_user.id, m.match_ids)
            session.commit()
        ambassador_id, user_id, match_ids = ids
        # Fifty mentees, each wanting 13:00–13:45 give or take a few minutes: all overlap.
        attempts = [
            booker(
                ambassador_id,
                user_id,
                match_id,
                settings,
                starts_at=local(2026, 11, 3, 13) + timedelta(minutes=n % 3),
            )
            for n, match_id in enumerate(match_ids)
        ]
        outcome = run_in_parallel(factory, attempts)
        assert outcome.errors == []
        assert len(outcome.booked) == 1
        assert len(outcome.refused) == PARALLEL - 1
        assert all(CONFLICT in message for message in outcome.refused)
        with factory() as session:
            assert session.scalar(select(func.count(Meeting.id))) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_bookings_of_one_pupil_by_two_ambassadors_book_exactly_one(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    with database(backend, tmp_path) as factory:
        with factory() as session:
            # One open match a pupil is the rule; to show that the meeting guard holds on its
            # own, this database lets the pupil have an accepted match with two ambassadors.
            session.execute(text("DROP INDEX uq_match_pupil_id_open"))
            first = mentoring(session, mentees=1)
            second = mentoring(session, mentees=0)
            shared = make_match(
                session,
                pupil_id=first.pupil_ids[0],
                ambassador=second.ambassador,
                state="accepted",
            )
            plans = [
                (first.ambassador.id, first.ambassador_user.id, first.match_ids[0]),
                (second.ambassador.id, second.ambassador_user.id, shared.id),
            ]
            session.commit()
        attempts = [
            booker(
                *plans[n % 2],
                settings,
                starts_at=local(2026, 11, 3, 13) + timedelta(minutes=(n // 2) % 3),
            )
            for n in range(PARALLEL)
        ]
        outcome = run_in_parallel(factory, attempts)
        assert outcome.errors == []
        assert len(outcome.booked) == 1
        assert len(outcome.refused) == PARALLEL - 1
        assert all(CONFLICT in message for message in outcome.refused)
        with factory() as session:
            assert session.scalar(select(func.count(MeetingParticipant.id))) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_bookings_of_separate_times_all_succeed(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    with database(backend, tmp_path) as factory:
        with factory() as session:
            m = mentoring(session, mentees=PARALLEL)
            ids = (m.ambassador.id, m.ambassador_user.id, m.match_ids)
            session.commit()
        ambassador_id, user_id, match_ids = ids
        # 13:00–15:30 on ten weekdays holds five half-hour meetings a day without overlap:
        # each on its own day and slot.
        attempts = []
        for n, match_id in enumerate(match_ids):
            day, slot = divmod(n, 5)
            week, weekday = divmod(day, 5)
            offset = timedelta(days=7 * week + weekday, minutes=30 * slot)
            # From Monday 9 November 2026, 13:00.
            starts_at = local(2026, 11, 9, 13) + offset
            attempts.append(
                booker(ambassador_id, user_id, match_id, settings, starts_at=starts_at, minutes=30)
            )
        outcome = run_in_parallel(factory, attempts)
        assert outcome.errors == []
        assert outcome.refused == []
        assert len(outcome.booked) == PARALLEL
        with factory() as session:
            assert session.scalar(select(func.count(Meeting.id))) == PARALLEL


def test_postgresql_itself_refuses_overlapping_meetings(db: Session) -> None:
    """The database's own guard, for a writer that skipped the service's check."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; its writers are serialised instead")
    first = make_meeting(db, starts_at=local(2026, 11, 3, 13))
    with pytest.raises(IntegrityError), db.begin_nested():
        make_meeting(db, ambassador_id=first.ambassador_id, starts_at=local(2026, 11, 3, 13, 30))
    pupil = make_meeting_participant(db, meeting=first).pupil_id
    other = make_meeting(db, starts_at=local(2026, 11, 3, 13, 15))
    with pytest.raises(IntegrityError), db.begin_nested():
        make_meeting_participant(db, meeting=other, pupil_id=pupil)
    # A meeting that no longer stands holds no time.
    other.state = MeetingState.CANCELLED
    other.cancelled_at = NOW
    db.flush()
    assert make_meeting_participant(db, meeting=other, pupil_id=pupil, booked=False)
