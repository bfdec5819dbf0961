"""The engine's SQLite set-up: concurrent writers queue instead of both winning."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from mentor.db import bulk_insert, make_engine, make_sessionmaker
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
