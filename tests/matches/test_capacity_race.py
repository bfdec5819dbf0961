"""An ambassador lowering their capacity while a proposal is being accepted never ends with more
mentees than capacity: the profile's save and the accept take the same lock (the ambassador's
row), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from mentor.ambassadors import profile
from mentor.db import make_engine, make_sessionmaker
from mentor.errors import Conflict, InvalidInput
from mentor.matches import service
from mentor.migrations import upgrade
from mentor.models import Ambassador, Match, MatchState, User
from tests.factories import make_ambassador, make_match, make_pupil
from tests.throwaway_database import BACKENDS, throwaway_database

ROUNDS = 3


def _update_of(ambassador: Ambassador) -> profile.ProfileUpdate:
    return profile.ProfileUpdate(
        institution_id=ambassador.institution_id,
        programme_id=ambassador.programme_id,
        year_of_study=ambassador.year_of_study,
        former_school_id=ambassador.former_school_id,
        interest_ids=frozenset(),
        languages=tuple(ambassador.languages),
        preferred_grades=tuple(ambassador.preferred_grades),
        capacity=ambassador.capacity,
        availability=(),
        blackout_dates=(),
        about=ambassador.about,
        phone=ambassador.phone,
        contact_preference=ambassador.contact_preference,
    )


def _race(factory: sessionmaker[Session]) -> tuple[int, int]:
    """One round: an ambassador with 2 mentees, capacity 3 and a proposal accepts it while
    lowering the capacity to 2. Returns (mentees, capacity) afterwards.

    The two requests are put in the order that lost a mentee's place before: the accept has
    written (and holds its lock) when the profile's save starts checking, and commits only once
    the save has checked (or after 2 s). Without the lock in the save, it counted the mentees
    without the accepted one and then wrote the lower capacity; with it, the save waits for the
    accept and counts its mentee.
    """
    with factory() as session:
        ambassador = make_ambassador(session, capacity=3)
        for _ in range(2):
            make_match(
                session, ambassador=ambassador, pupil=make_pupil(session), state=MatchState.ACCEPTED
            )
        proposal_id = make_match(session, ambassador=ambassador, pupil=make_pupil(session)).id
        ambassador_id, user_id = ambassador.id, ambassador.user_id
        session.commit()

    accept_written = threading.Event()
    save_checked = threading.Event()
    errors: list[BaseException] = []

    def accept() -> None:
        with factory() as session:
            match = session.get_one(Match, proposal_id)
            owner = session.get_one(Ambassador, ambassador_id)
            try:
                service.accept(session, match=match, ambassador=owner)
                accept_written.set()
                save_checked.wait(timeout=2)
                session.commit()
            except Conflict:
                session.rollback()
            finally:
                accept_written.set()

    def lower_capacity() -> None:
        assert accept_written.wait(timeout=30)
        with factory() as session:
            # The save has checked when it writes.
            event.listen(session, "before_flush", lambda *_: save_checked.set())
            user = session.get_one(User, user_id)
            owner = profile.load_profile(session, user=user)
            assert owner is not None
            update = replace(_update_of(owner), capacity=2)
            try:
                profile.update_profile(session, actor=user, ambassador=owner, update=update)
                session.commit()
            except InvalidInput:
                session.rollback()

    def run(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:  # a lock timeout would be a lost request
            errors.append(error)

    threads = [threading.Thread(target=run, args=(work,)) for work in (accept, lower_capacity)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with factory() as session:
        capacity = session.get_one(Ambassador, ambassador_id).capacity
        mentees = session.scalar(
            select(func.count(Match.id)).where(
                Match.ambassador_id == ambassador_id, Match.state == MatchState.ACCEPTED
            )
        )
    return mentees or 0, capacity


@pytest.mark.parametrize("backend", BACKENDS)
def test_lowering_capacity_while_accepting_never_exceeds_it(backend: str, tmp_path: Path) -> None:
    with throwaway_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            rounds = [_race(make_sessionmaker(engine)) for _ in range(ROUNDS)]
        finally:
            engine.dispose()
    # The accept went first: its mentee keeps the place, and the save is refused.
    assert rounds == [(3, 3)] * ROUNDS
