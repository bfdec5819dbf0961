"""A page that records its own view must not fail when someone else wrote meanwhile (SQLite WAL).

The defect: right after a POST, its outbox delivery writes while the next GET is reading; the GET
then wrote its audit event in the same (deferred, reading) transaction and SQLite refused the
upgrade at once: "database is locked", a 500 on the meeting page after proposing a meeting.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.db import make_engine, make_sessionmaker, read_by_default
from mentor.migrations import upgrade
from mentor.models import AuditEvent, Setting
from mentor.web.views import commit_view


def _reading_then_someone_else_writes(path: Path) -> tuple[Session, Session]:
    url = f"sqlite:///{path / 'wal.sqlite3'}"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    page = factory()
    page.connection(execution_options={"sqlite_begin": "DEFERRED"})
    page.scalar(select(func.count(AuditEvent.id)))  # the page has read
    with factory() as writer:  # the outbox delivery of the previous POST, say
        writer.add(Setting(key="x", value={"n": 1}))
        writer.commit()
    return page, factory()


def test_writing_in_the_reading_transaction_is_refused_at_once(tmp_path: Path) -> None:
    page, other = _reading_then_someone_else_writes(tmp_path)
    with pytest.raises(OperationalError, match="locked"):
        record(page, actor_id=None, action="read", object_type="meeting")
    page.close()
    other.close()


def test_commit_view_writes_the_audit_event_in_a_transaction_of_its_own(tmp_path: Path) -> None:
    page, other = _reading_then_someone_else_writes(tmp_path)
    commit_view(page, lambda: record(page, actor_id=None, action="read", object_type="meeting"))
    page.close()
    assert other.scalar(select(func.count(AuditEvent.id))) == 1
    other.close()


def _turn_is_taken(engine: Engine) -> bool:
    connection = engine.raw_connection()
    try:
        taken: bool = connection.driver_connection.writer_turn.locked()  # type: ignore[union-attr]
        return taken
    finally:
        connection.close()


def test_after_its_audit_event_a_page_reads_on_without_holding_up_writers(tmp_path: Path) -> None:
    """The template may still read after ``commit_view``: as a reader, not holding the writers'
    turn while the page is rendered and sent."""
    url = f"sqlite:///{tmp_path / 'wal.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    page = make_sessionmaker(engine)()
    read_by_default(page)
    page.scalar(select(func.count(AuditEvent.id)))

    commit_view(page, lambda: record(page, actor_id=None, action="read", object_type="pupil"))
    assert page.scalar(select(func.count(AuditEvent.id))) == 1  # rendering reads on

    assert not _turn_is_taken(engine)
    page.close()
    engine.dispose()
