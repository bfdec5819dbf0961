"""`mentor db backup` and `mentor db restore` round trip on SQLite and on PostgreSQL: backup,
change, restore, and the content is what it was. A restore into a database that is not empty is
refused without --force."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select, update

from mentor.db import make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import Pupil
from tests.factories import make_pupil
from tests.throwaway_database import BACKENDS, throwaway_database


def _mentor(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mentor", "db", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "MENTOR_DATABASE_URL": url},
        timeout=120,
        check=False,
    )


def _content(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_backup_change_restore_gives_back_the_same_content(backend: str, tmp_path: Path) -> None:
    with throwaway_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                pupil_id = make_pupil(session, first_name="Kanariefugl").id
                session.commit()
            before = _content(url)
            backup = tmp_path / "nightly.backup"

            made = _mentor(url, "backup", str(backup))
            assert made.returncode == 0, made.stderr
            assert backup.stat().st_size > 0

            with make_sessionmaker(engine)() as session:
                session.execute(
                    update(Pupil).where(Pupil.id == pupil_id).values(first_name="Ændret")
                )
                make_pupil(session)
                session.commit()
        finally:
            engine.dispose()
        assert _content(url) != before

        refused = _mentor(url, "restore", str(backup))
        assert refused.returncode == 1
        assert "not empty" in refused.stderr
        assert "Traceback" not in refused.stderr

        restored = _mentor(url, "restore", str(backup), "--force")
        assert restored.returncode == 0, restored.stderr
        assert _content(url) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backup_restores_into_a_new_database(backend: str, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    with throwaway_database(backend, tmp_path / "a") as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                make_pupil(session, first_name="Kanariefugl")
                session.commit()
        finally:
            engine.dispose()
        before = _content(url)
        backup = tmp_path / "nightly.backup"
        assert _mentor(url, "backup", str(backup)).returncode == 0
        assert _mentor(url, "backup", str(backup)).returncode == 1  # never over an old backup
    (tmp_path / "b").mkdir()
    with throwaway_database(backend, tmp_path / "b") as fresh:
        restored = _mentor(fresh, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        assert _content(fresh) == before


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database")
    result = _mentor(url, "restore", str(junk))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
