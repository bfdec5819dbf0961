"""What the privacy tests share when they work on a database of their own (a SQLite file whose
raw bytes they read, or a throwaway PostgreSQL database): the app over it, and the command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.app import create_app
from mentor.config import Settings
from mentor.db import make_engine, make_sessionmaker
from tests.conftest import FakeClock


def mentor(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``mentor ARGS…`` in a process of its own, on the database at ``url``."""
    return subprocess.run(
        [sys.executable, "-m", "mentor", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MENTOR_DATABASE_URL": url},
        timeout=120,
        check=False,
    )


@contextmanager
def app_on(url: str, settings: Settings, clock: FakeClock) -> Iterator[tuple[TestClient, Session]]:
    """The app served over the (migrated) database at ``url``, and a session on it; what the
    test commits stays."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    app = create_app(
        settings.model_copy(update={"database_url": url}), session_factory=factory, clock=clock
    )
    try:
        with (
            TestClient(app, base_url="https://testserver", follow_redirects=False) as client,
            factory() as db,
        ):
            yield client, db
    finally:
        engine.dispose()
