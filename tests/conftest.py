"""The test harness: every test on a real database, in a transaction rolled back at its end.

The schema is built once per run by the real migrations, on SQLite and — when
``MENTOR_TEST_DATABASE_URL`` is set — on PostgreSQL too: each database test then runs on both.
A test's Session and the app's request Sessions share one connection whose outer transaction is
never committed (SQLAlchemy's "join a Session into an external transaction" recipe; route commits
release SAVEPOINTs).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, sessionmaker

from mentor import data_generation
from mentor.app import create_app
from mentor.config import Environment, Settings
from mentor.db import make_engine, utcnow
from mentor.migrations import upgrade
from tests.log_scan import LogScan
from tests.throwaway_database import throwaway_database

POSTGRES_URL = os.environ.get("MENTOR_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-checks"

# Every log record of the run, scanned for personal data and secrets (tests/log_scan.py).
LOG_SCAN = LogScan()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(LOG_SCAN)
    logging.getLogger("mentor").setLevel(logging.INFO)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when anything logged during it named a person or held a secret."""
    if not LOG_SCAN.findings:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["log lines that held personal data or a secret:", *LOG_SCAN.findings]
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with throwaway_database(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def query_counter(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> Iterator[QueryCounter]:
    """The statements sent on the test's connection. Pages count as they do when the data has
    changed since their last request: no counted aggregate is reused (``remembered``), so that
    two requests compare like with like, whatever the test's own writes did in between."""
    monkeypatch.setattr(data_generation, "MAX_AGE", timedelta(0))
    counter = QueryCounter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            counter.statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    yield counter
    event.remove(connection, "before_cursor_execute", count)


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


# --- a real SMTP server ----------------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: _Inbox

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.inbox.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.inbox.messages

    def wait_for_mail_to(self, address: str, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages to ``address``, once at least one has come: mail another test's
        background delivery sends late cannot be mistaken for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.inbox.messages if m["To"] == address]
            if found:
                return found
            time.sleep(0.02)
        return []

    @staticmethod
    def text_of(message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server_session() -> Iterator[SmtpServer]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(host="127.0.0.1", port=port, inbox=inbox)
    controller.stop()


@pytest.fixture
def smtp_server(smtp_server_session: SmtpServer) -> SmtpServer:
    smtp_server_session.inbox.messages.clear()
    return smtp_server_session


# --- the app -----------------------------------------------------------------------------------


@pytest.fixture
def settings(smtp_server: SmtpServer, tmp_path: Path) -> Settings:
    return Settings(
        env=Environment.TEST,
        database_url="sqlite://",  # unused: the app gets the test's session factory
        secret_key=TEST_SECRET,
        base_url="https://testserver",
        cookie_secure=True,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        mail_dir=tmp_path / "mail",
    )


@dataclass
class FakeClock:
    """A clock a test sets and moves: ``clock.now = ...`` or ``clock.advance(hours=25)``."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session], clock: FakeClock) -> FastAPI:
    return create_app(settings, session_factory=session_factory, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # https, so that the browser-like client keeps Secure cookies.
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client
