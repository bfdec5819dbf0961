"""Aggregates counted once and reused while the data they were counted from is unchanged.

The counsellor's queues, caseload and matching overview count every pupil and meeting of a
caseload (tens of milliseconds at 10,000 pupils and 50,000 meetings). They change only when the
data does, or as time passes a threshold. So the database keeps a *generation*, a value that
changes with every committed change of the programme's data, and ``remembered`` keeps a result
in this process beside the generation it was counted at: reused while the generation is the same
and the result is younger than ``MAX_AGE`` by the request's clock, counted anew otherwise.

Every worker keeps its own results and reads the generation from the database, so a change made
by one worker is seen by all at their next request; no worker needs another's memory.

How a change is noticed: every INSERT, UPDATE and DELETE the engine sends marks its connection
(``_note_write``), except on the tables of bookkeeping that no aggregate reads (sessions, the
audit, throttling, the outbox). Then

- on SQLite the transaction itself draws a new random generation just before it commits (or
  releases a savepoint), so that a reader's snapshot holds the new generation exactly when it
  holds the change; a value is never reused, so a rolled-back change cannot bring back a result
  counted from it;
- on PostgreSQL, where each statement reads the newest committed data, the sequence
  ``data_generation_seq`` is advanced *after* the commit: a result counted while the change
  was not yet visible is stored under the old value, which the advance makes stale.

A write outside a Session on PostgreSQL (none in the app; a script's bulk load) is noticed by
``MAX_AGE`` at the latest.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import Pool

T = TypeVar("T")

# How long a result is reused at most, by the request's clock: the queues' thresholds are days,
# so a result may lag the passing time by this much, never a change of the data.
MAX_AGE = timedelta(seconds=60)
# Results kept a process (a caseload's dashboard is a few hundred bytes).
MAX_ENTRIES = 1024

# Tables no aggregate reads: their writes (on every request, some of them) leave it alone.
BOOKKEEPING_TABLES = frozenset(
    {
        "audit_event",
        "audit_maintenance",
        "login_session",
        "login_attempt",
        "rate_limit_event",
        "account_token",
        "outbox_email",
        "digest_delivery",
        "data_generation",
        "alembic_version",
    }
)
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)"?',
    re.IGNORECASE,
)
_CHANGED = "mentor.data_changed"
_COMMITTED = "mentor.data_change_committed"
_CONNECTIONS = "mentor.connections"
_ADVANCE = "SELECT nextval('data_generation_seq')"
_READ_SEQUENCE = "SELECT last_value, is_called FROM data_generation_seq"


def changes_table(statement: str) -> str | None:
    """The table ``statement`` writes to, if it is a write an aggregate could read."""
    found = _WRITE.match(statement)
    if found is None:
        return None
    table = found.group(1).lower()
    return None if table in BOOKKEEPING_TABLES else table


def _note_write(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if changes_table(statement) is not None:
        conn.info[_CHANGED] = True


def _forget_writes(conn: Connection) -> None:
    conn.info.pop(_CHANGED, None)
    conn.info.pop(_COMMITTED, None)


def _draw_in_transaction(conn: Connection, *_args: Any) -> None:
    """SQLite: a new generation inside the transaction that changed the data."""
    if conn.info.pop(_CHANGED, False):
        _execute_quietly(
            conn,
            "INSERT INTO data_generation (id, value) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET value = excluded.value",
            secrets.randbits(62),
        )


def _mark_committed(conn: Connection, *_args: Any) -> None:
    """PostgreSQL: the change is being committed; the sequence moves once it is through."""
    if conn.info.pop(_CHANGED, False):
        conn.info[_COMMITTED] = True


def _remember_connection(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    if connection.dialect.name == "postgresql":
        session.info.setdefault(_CONNECTIONS, []).append(connection)


def _advance_after_commit(session: Session) -> None:
    connections: list[Connection] = session.info.pop(_CONNECTIONS, [])
    if not any(conn.info.pop(_COMMITTED, False) for conn in connections):
        return
    bind = session.get_bind()
    if isinstance(bind, Connection):
        # A session joined to an outer connection (the tests): the sequence is not
        # transactional, so advancing it on that connection is seen by everyone at once.
        _execute_quietly(bind, _ADVANCE)
        return
    with bind.connect() as conn:
        _execute_quietly(conn, _ADVANCE)
        conn.commit()


def _execute_quietly(conn: Connection, statement: str, *parameters: object) -> None:
    """On the driver's connection: bookkeeping, not one of the page's statements (the tests'
    statement counters listen to the engine's events)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if parameters:
            cursor.execute(statement, parameters)
        else:
            cursor.execute(statement)
    finally:
        cursor.close()


def _forget_connections(session: Session, *_args: Any) -> None:
    session.info.pop(_CONNECTIONS, None)


def track_changes(engine: Engine) -> None:
    """Keep ``engine``'s data generation as its connections change the data."""
    event.listen(engine, "after_cursor_execute", _note_write)
    event.listen(engine, "rollback", _forget_writes)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "commit", _draw_in_transaction)
        event.listen(engine, "release_savepoint", _draw_in_transaction)
    else:
        event.listen(engine, "commit", _mark_committed)
        event.listen(engine, "release_savepoint", _mark_committed)


# Session events are global: they act only on connections of a tracked PostgreSQL engine.
event.listen(Session, "after_begin", _remember_connection)
event.listen(Session, "after_commit", _advance_after_commit)
event.listen(Session, "after_rollback", _forget_connections)


def current(db: Session) -> Hashable:
    """The data's generation as ``db`` sees it now."""
    if db.get_bind().dialect.name == "sqlite":
        value: int | None = db.scalar(text("SELECT value FROM data_generation WHERE id = 1"))
        return value
    row = db.execute(text(_READ_SEQUENCE)).one()
    return (row[0], row[1])


@dataclass(frozen=True)
class _Entry:
    generation: Hashable
    counted_at: datetime
    value: Any


class _Results:
    """A process's results of one database, oldest dropped first."""

    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> _Entry | None:
        with self.lock:
            return self.entries.get(key)

    def put(self, key: Hashable, entry: _Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


# Per engine's pool (shared by the engine's copies with other execution options, such as a
# reading session's) or per connection (a test's): results never cross databases.
_results: WeakKeyDictionary[Pool | Connection, _Results] = WeakKeyDictionary()
_results_lock = threading.Lock()


def _results_of(db: Session) -> _Results:
    bind = db.get_bind()
    owner = bind if isinstance(bind, Connection) else bind.pool
    with _results_lock:
        found = _results.get(owner)
        if found is None:
            found = _results[owner] = _Results()
        return found


def remembered(db: Session, key: Hashable, *, now: datetime, count: Callable[[], T]) -> T:
    """``count()``'s result for ``key``, counted at most ``MAX_AGE`` ago (by ``now``) at the data's
    present generation; counted anew, and kept, otherwise. ``key`` names everything the result
    depends on besides the data and the time: the user, the choice of figures, the language.
    Inside a transaction that has changed the data, counted every time."""
    generation = current(db)
    if db.connection().info.get(_CHANGED):
        # Counted from this transaction's own writes, which may yet be rolled back: neither
        # reused (they are not in a kept result) nor kept.
        return count()
    results = _results_of(db)
    entry = results.get(key)
    if (
        entry is not None
        and entry.generation == generation
        and timedelta(0) <= now - entry.counted_at < MAX_AGE
    ):
        return entry.value  # type: ignore[no-any-return]
    value = count()
    results.put(key, _Entry(generation, now, value))
    return value
