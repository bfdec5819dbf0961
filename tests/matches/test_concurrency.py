"""Parallel accepts never exceed an ambassador's capacity, on SQLite and on PostgreSQL.

Each thread is one request: its own Session and connection on a real database, so the row lock
(PostgreSQL) or BEGIN IMMEDIATE (SQLite) is what keeps the count right, not the test harness.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mentor.db import make_engine, make_sessionmaker
from mentor.errors import Conflict
from mentor.matches import service
from mentor.migrations import upgrade
from mentor.models import Ambassador, Match, MatchState
from tests.factories import make_ambassador, make_match, make_pupil
from tests.throwaway_database import BACKENDS, throwaway_database

CAPACITY = 2
PROPOSALS = 8


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_accepts_cannot_exceed_capacity(backend: str, tmp_path: Path) -> None:
    with throwaway_database(backend, tmp_path) as url:
        upgrade(url)
        engine = (
            make_engine(url, pool_size=PROPOSALS + 2) if backend != "sqlite" else make_engine(url)
        )
        factory = make_sessionmaker(engine)
        try:
            with factory() as session:
                ambassador = make_ambassador(session, capacity=CAPACITY)
                match_ids = [
                    make_match(session, ambassador=ambassador, pupil=make_pupil(session)).id
                    for _ in range(PROPOSALS)
                ]
                ambassador_id = ambassador.id
                session.commit()

            accepted: list[int] = []
            refused: list[int] = []
            errors: list[BaseException] = []
            start = threading.Barrier(PROPOSALS)

            def accept(match_id: int) -> None:
                start.wait()
                try:
                    with factory() as session:
                        match = session.get_one(Match, match_id)
                        owner = session.get_one(Ambassador, ambassador_id)
                        try:
                            service.accept(session, match=match, ambassador=owner)
                            session.commit()
                            accepted.append(match_id)
                        except Conflict:
                            session.rollback()
                            refused.append(match_id)
                except Exception as error:  # a lock timeout would be a lost request
                    errors.append(error)

            threads = [threading.Thread(target=accept, args=(m,)) for m in match_ids]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            with factory() as session:
                stored = session.scalar(
                    select(func.count(Match.id)).where(
                        Match.ambassador_id == ambassador_id, Match.state == MatchState.ACCEPTED
                    )
                )
            assert errors == []
            assert len(accepted) == CAPACITY
            assert len(refused) == PROPOSALS - CAPACITY
            assert stored == CAPACITY
        finally:
            engine.dispose()
