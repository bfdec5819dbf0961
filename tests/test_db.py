"""The engine's SQLite set-up: concurrent writers queue instead of both winning."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mentor.db import make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import Setting

BOOKERS = 16


def test_sixteen_parallel_bookings_of_a_one_place_slot_give_exactly_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as session:
        session.add(Setting(key="slot", value={"taken_by": None}))
        session.commit()

    winners: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(BOOKERS)

    def book(booker: int) -> None:
        start.wait()
        try:
            attempt(booker)
        except Exception as error:  # a "database is locked" would be a lost booking
            errors.append(error)

    def attempt(booker: int) -> None:
        with factory() as session:
            slot = session.scalars(select(Setting).where(Setting.key == "slot")).one()
            if slot.value["taken_by"] is None:
                time.sleep(0.01)  # widen the window between reading and writing
                slot.value = {"taken_by": booker}
                session.commit()
                winners.append(booker)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(BOOKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with factory() as session:
        stored = session.scalars(select(Setting).where(Setting.key == "slot")).one()
    assert errors == []
    assert len(winners) == 1
    assert stored.value == {"taken_by": winners[0]}
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with Session(engine) as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
