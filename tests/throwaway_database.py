"""Empty databases that a test owns: a SQLite file, and a PostgreSQL database when configured.

Tests that build or drop a schema of their own (migrations, constraints) use these, so they never
disturb the shared test database. PostgreSQL takes part when ``MENTOR_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

POSTGRES_URL = os.environ.get("MENTOR_TEST_DATABASE_URL")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="MENTOR_TEST_DATABASE_URL is not set"),
    ),
]


@contextmanager
def throwaway_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'throwaway.sqlite3'}"
        return
    assert POSTGRES_URL is not None
    name = f"mentor_throwaway_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE: a test that failed half-way may still hold a connection.
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
