"""The engine's SQLite set-up: concurrent writers queue instead of both winning, and readers
never wait for them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Engine, QueuePool, Table, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.app import create_app
from mentor.config import Settings
from mentor.db import (
    begin_writing,
    bulk_insert,
    make_engine,
    make_sessionmaker,
    read_by_default,
)
from mentor.migrations import upgrade
from mentor.models import MatchRunPupil, Setting
from tests.factories import make_ambassador, make_match_run, make_pupil

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


def _turn_is_taken(engine: Engine) -> bool:
    """Whether a writer of this process holds the engine's writer turn (see mentor.db)."""
    connection = engine.raw_connection()
    try:
        taken: bool = connection.driver_connection.writer_turn.locked()  # type: ignore[union-attr]
        return taken
    finally:
        connection.close()


def test_a_reader_never_waits_for_a_writer_and_writes_after_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'turns.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    writer = factory()
    writer.add(Setting(key="first", value={}))
    writer.flush()  # BEGIN IMMEDIATE: the writer holds its turn
    page = factory()
    read_by_default(page)

    started = time.monotonic()
    assert page.scalar(select(func.count()).select_from(Setting)) == 0
    assert time.monotonic() - started < 1
    page.commit()

    written = threading.Event()

    def write_after_reading() -> None:
        begin_writing(page)
        page.add(Setting(key="second", value={}))
        page.commit()
        written.set()

    thread = threading.Thread(target=write_after_reading)
    thread.start()
    assert not written.wait(0.3)  # queued behind the writer, not failed
    writer.commit()
    thread.join(timeout=10)
    assert written.is_set()
    assert page.scalar(select(func.count()).select_from(Setting)) == 2
    page.close()
    writer.close()
    assert not _turn_is_taken(engine)
    engine.dispose()


def test_begin_writing_refuses_to_turn_a_reading_transaction_into_a_writing_one(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.sqlite3'}")
    with make_sessionmaker(engine)() as page:
        read_by_default(page)
        page.execute(text("SELECT 1"))
        with pytest.raises(RuntimeError, match="commit it"):
            begin_writing(page)
    engine.dispose()


def test_every_way_a_write_ends_gives_the_turn_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'turns.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)

    def writing() -> Session:
        session = factory()
        session.add(Setting(key=f"k{time.monotonic_ns()}", value={}))
        session.flush()
        assert _turn_is_taken(engine)
        return session

    session = writing()
    session.commit()
    assert not _turn_is_taken(engine)
    session.close()

    session = writing()
    session.rollback()
    assert not _turn_is_taken(engine)
    session.close()

    writing().close()  # a request's session closed with its transaction open
    assert not _turn_is_taken(engine)

    session = writing()
    with pytest.raises(IntegrityError):  # a failed statement, then the rollback
        session.execute(text("INSERT INTO setting (key) VALUES ('no value')"))
    session.rollback()
    assert not _turn_is_taken(engine)
    session.close()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with Session(engine) as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_bulk_insert_writes_every_row_with_its_json_and_nulls(db: Session) -> None:
    run = make_match_run(db)
    pupils = [make_pupil(db) for _ in range(3)]
    ambassador = make_ambassador(db)
    explanation = {"reasons": [{"feature": "language_match", "da": "I taler begge “dansk”.\\t"}]}
    rows = [
        {
            "run_id": run.id,
            "pupil_id": pupil.id,
            "ambassador_id": ambassador.id if i != 1 else None,
            "score": 0.5 + i if i != 1 else None,
            "explanation": explanation if i != 1 else None,
            "alternatives": [{"ambassador_id": ambassador.id, "score": 0.25}],
            "locked": i == 0,
            "unmatched_reason": "capacity_used_up" if i == 1 else None,
        }
        for i, pupil in enumerate(pupils)
    ]
    bulk_insert(db, cast(Table, MatchRunPupil.__table__), rows)
    stored = db.execute(
        select(
            MatchRunPupil.pupil_id,
            MatchRunPupil.ambassador_id,
            MatchRunPupil.score,
            MatchRunPupil.explanation,
            MatchRunPupil.alternatives,
            MatchRunPupil.locked,
            MatchRunPupil.unmatched_reason,
        )
        .where(MatchRunPupil.run_id == run.id)
        .order_by(MatchRunPupil.pupil_id)
    ).all()
    assert [tuple(r) for r in stored] == [
        (
            row["pupil_id"],
            row["ambassador_id"],
            row["score"],
            row["explanation"],
            row["alternatives"],
            row["locked"],
            row["unmatched_reason"],
        )
        for row in rows
    ]


def test_searches_fold_danish_capitals_on_every_database(db: Session) -> None:
    """Searching "åse" finds "Åse Ærø": SQLite's own lower() folds ASCII only."""
    assert db.scalar(select(func.lower("Åse ÆRØ Jensen"))) == "åse ærø jensen"
    assert db.scalar(select(func.lower(None))) is None


def test_the_pool_settings_size_each_worker_s_postgresql_pool(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MENTOR_DB_POOL_SIZE", "12")
    monkeypatch.setenv("MENTOR_DB_MAX_OVERFLOW", "3")
    monkeypatch.setenv("MENTOR_WORKERS", "4")
    # Nothing listens there: the engine connects only when a request needs it.
    settings = Settings(
        database_url="postgresql+psycopg://mentor@127.0.0.1:9/none", mail_dir=tmp_path
    )
    assert settings.workers == 4

    engine = create_app(settings).state.session_factory.kw["bind"]

    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.size() == 12
    assert engine.pool._max_overflow == 3
    engine.dispose()
