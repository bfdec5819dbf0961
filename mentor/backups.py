"""Backups that restore: `mentor db backup FILE` and `mentor db restore FILE`.

SQLite is copied with its online backup API (a consistent copy while the app runs, WAL
included); PostgreSQL with ``pg_dump --format=custom`` and ``pg_restore``. A restore refuses a
database that already holds tables unless forced: restoring over the live data by mistake would
lose everything written since the backup.

A backup holds every pupil's personal data: keep it as carefully as the database, and no longer
than the retention periods allow (README, "Backups").
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import URL, create_engine, inspect, make_url


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


def _plain(url: URL) -> str:
    # The client tools take libpq's URL, without SQLAlchemy's driver name.
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed")
    return path


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is not a file")
    return Path(url.database)


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target`` (a new file)."""
    url = make_url(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    if url.get_backend_name() == "sqlite":
        source_file = _sqlite_file(url)
        if not source_file.exists():
            raise BackupError(f"no SQLite database at {source_file}")
        with sqlite3.connect(source_file) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return
    subprocess.run(  # noqa: S603 - our own tool and arguments
        [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _plain(url)],
        check=True,
    )


def table_names(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def restore(database_url: str, source: Path, *, force: bool = False) -> None:
    """Replace the database's content with the backup in ``source``.

    Refuses a database that holds tables unless ``force``; with it, what is there is replaced.
    """
    url = make_url(database_url)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if not force and table_names(database_url):
        raise BackupError(
            "the database is not empty; restore into a new database, or add --force to replace "
            "everything in it with the backup"
        )
    if url.get_backend_name() == "sqlite":
        try:
            with sqlite3.connect(source) as backup_copy:
                if backup_copy.execute("PRAGMA quick_check").fetchone() != ("ok",):
                    raise BackupError(f"{source} is not a sound SQLite database")
                with sqlite3.connect(_sqlite_file(url)) as target:
                    backup_copy.backup(target)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a SQLite backup ({error})") from None
        return
    subprocess.run(  # noqa: S603 - our own tool and arguments
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_plain(url)}",
            str(source),
        ],
        check=True,
    )
