"""Readers of a pupil page at once all get it, and every answered read leaves its audit event.

Each read of a pupil page writes (its audit event; once a minute the session's idle clock). These
tests serve the real app over a socket on a real database, so that SQLite's locks and
PostgreSQL's pool are what is tested, not the test harness: 20 readers at once, half of them
with a session old enough to be touched, must all get 200 and leave 20 audit events; and a server
killed (``kill -9``) right after answering has every answered read on record.
"""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from mentor.accounts.sessions import COOKIE_NAME, TOUCH_INTERVAL, start_session
from mentor.app import create_app
from mentor.config import Environment, Settings
from mentor.db import make_engine, make_sessionmaker, utcnow
from mentor.migrations import upgrade
from mentor.models import AuditEvent, LoginSession, Role
from tests.conftest import TEST_SECRET, free_port
from tests.factories import make_counsellor_school, make_pupil, make_school, make_user
from tests.served import start_serving
from tests.throwaway_database import BACKENDS, throwaway_database

READERS = 20


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        env=Environment.TEST,
        database_url=url,
        secret_key=TEST_SECRET,
        cookie_secure=False,  # plain http on 127.0.0.1
        mail_dir=tmp_path / "mail",
    )


def _pupil_with_readers(
    factory: sessionmaker[Session], settings: Settings, *, readers: int
) -> tuple[int, list[str]]:
    """A pupil, and one logged-in counsellor session per reader; every other session has been
    quiet for longer than the touch interval, so its first request moves the idle clock on."""
    with factory() as db:
        school = make_school(db)
        pupil = make_pupil(db, school=school)
        counsellor = make_user(db, role=Role.COUNSELLOR)
        make_counsellor_school(db, counsellor=counsellor, school=school)
        tokens = [
            start_session(db, user=counsellor, ip=None, user_agent=None, settings=settings)
            for _ in range(readers)
        ]
        quiet_since = utcnow() - TOUCH_INTERVAL - timedelta(seconds=5)
        quiet = db.scalars(select(LoginSession.id).order_by(LoginSession.id)).all()[::2]
        db.execute(
            update(LoginSession)
            .where(LoginSession.id.in_(quiet))
            .values(last_seen_at=quiet_since)
            .execution_options(synchronize_session=False)
        )
        db.commit()
        return pupil.id, tokens


def _reads_of(factory: sessionmaker[Session], pupil_id: int) -> int:
    with factory() as db:
        return (
            db.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "read",
                    AuditEvent.object_type == "pupil",
                    AuditEvent.object_id == str(pupil_id),
                )
            )
            or 0
        )


def _get(port: int, path: str, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": f"{COOKIE_NAME}={token}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextmanager
def _served(settings: Settings) -> Iterator[int]:
    """The real app (its own engine and pool, as ``mentor serve`` builds it) on a free port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.mark.parametrize("backend", BACKENDS)
def test_twenty_readers_at_once_all_get_the_pupil_page_and_each_read_is_audited(
    backend: str, tmp_path: Path
) -> None:
    with throwaway_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        settings = _settings(url, tmp_path)
        pupil_id, tokens = _pupil_with_readers(factory, settings, readers=READERS)
        statuses: list[int | str] = []
        start = threading.Barrier(READERS)

        def read(token: str) -> None:
            start.wait()
            try:
                statuses.append(_get(port, f"/pupils/{pupil_id}", token))
            except OSError as error:  # a dropped connection is a lost read too
                statuses.append(repr(error))

        try:
            with _served(settings) as port:
                threads = [threading.Thread(target=read, args=(token,)) for token in tokens]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            assert statuses == [200] * READERS
            assert _reads_of(factory, pupil_id) == READERS
            with factory() as db:
                touched = db.scalar(select(func.min(LoginSession.last_seen_at)))
            assert touched is not None
            assert utcnow() - touched < TOUCH_INTERVAL  # every quiet session was touched
        finally:
            engine.dispose()


KILL_AFTER = 60
KILLERS = 6


def test_a_server_killed_right_after_answering_has_every_answered_read_on_record(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    settings = _settings(url, tmp_path)
    pupil_id, tokens = _pupil_with_readers(factory, settings, readers=KILLERS)
    engine.dispose()
    server, port = start_serving(tmp_path, url)
    answered: list[int] = []
    lock = threading.Lock()
    try:

        def read(token: str) -> None:
            while True:
                try:
                    status = _get(port, f"/pupils/{pupil_id}", token)
                except OSError:
                    return  # killed
                with lock:
                    answered.append(status)
                    if len(answered) == KILL_AFTER:
                        # The moment the last answer arrives; other reads are still in flight.
                        os.kill(server.pid, signal.SIGKILL)
                    if len(answered) >= KILL_AFTER:
                        return

        threads = [threading.Thread(target=read, args=(token,)) for token in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGKILL)
        server.wait()
    assert server.returncode == -signal.SIGKILL
    assert len(answered) >= KILL_AFTER
    assert set(answered) == {200}
    # A fresh engine, as after a restart: SQLite recovers the WAL of the killed process.
    engine = make_engine(url)
    try:
        assert _reads_of(make_sessionmaker(engine), pupil_id) >= len(answered)
    finally:
        engine.dispose()
