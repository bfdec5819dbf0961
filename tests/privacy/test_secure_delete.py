"""What is deleted from a SQLite database is gone from its raw bytes: the file's freed pages are
zeroed (secure_delete) and the write-ahead log is emptied (forget_deleted)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete

from mentor.db import forget_deleted, make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import Pupil
from tests.factories import make_pupil

CANARY = "Kanariefuglesangerinde"


def _raw(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_deleted_name_is_not_in_the_file_or_its_log(tmp_path: Path) -> None:
    path = tmp_path / "erase.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        with factory() as db:
            pupil_id = make_pupil(db, first_name=CANARY, guardian_name=f"{CANARY} Forælder").id
            db.commit()
        assert forget_deleted(engine)
        assert CANARY.encode() in _raw(path)  # the test can see a name where it is

        with factory() as db:
            db.execute(delete(Pupil).where(Pupil.id == pupil_id))
            db.commit()
        assert CANARY.encode() in _raw(path)  # still in the log until it is emptied
        assert forget_deleted(engine)
    finally:
        engine.dispose()

    raw = _raw(path)
    assert CANARY.encode() not in raw
    assert CANARY.lower().encode() not in raw  # the sort name
