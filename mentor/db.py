"""Engine, sessions and the declarative base.

Every column declares in ``info`` whether it holds personal data and its retention class:
together they are the record of processing (GDPR Art. 30) that the privacy work reads.
``column_info`` builds it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
    inspect,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from mentor.data_generation import track_changes

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Retention(StrEnum):
    """How long a column's value is kept; the privacy work acts on these classes."""

    # Configuration and catalogues: kept while the row is in use.
    REFERENCE = "reference"
    # Pupil data: anonymised after the retention period past the pupil's last school year.
    PUPIL = "pupil"
    # Staff and ambassador accounts: kept while the account exists, erased on request.
    ACCOUNT = "account"
    # Mentoring records (matches, meetings, logs, feedback): follow the pupil's retention.
    MENTORING = "mentoring"
    # Security records (sessions, tokens, throttling): short-lived, purged when expired.
    SECURITY = "security"
    # Audit events: kept for the audit period, then deleted.
    AUDIT = "audit"
    # Outgoing e-mail: its bodies name pupils and meetings; deleted a short while after sending.
    OUTBOX = "outbox"


def column_info(*, personal: bool, retention: Retention) -> dict[str, Any]:
    """The ``info`` every column carries: is it personal data, and how long is it kept."""
    return {"personal": personal, "retention": retention}


def utcnow() -> datetime:
    return datetime.now(UTC)


# What services that depend on the time are given, so that tests move time instead of sleeping.
Clock = Callable[[], datetime]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store times in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, info=column_info(personal=False, retention=Retention.REFERENCE)
    )
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow,
        onupdate=utcnow,
        info=column_info(personal=False, retention=Retention.REFERENCE),
    )


def _unicode_lower(text: str | None) -> str | None:
    return text.lower() if isinstance(text, str) else text


# How long a writer waits for this process's other writers before it gives up ("database is
# locked"): longer than SQLite's busy timeout, because a turn in the queue is sure to come.
WRITER_TURN_TIMEOUT = 30.0
# The threads that run a process's sync routes and dependencies (set by ``mentor.app``), and as
# many SQLite connections: a request never waits for a connection held by one that waits for a
# thread. More than anyio's default of 40: a request that waits for its writer's turn holds a
# thread, and the writer whose turn it is needs one free to go on.
REQUEST_THREADS = 100
SQLITE_POOL_SIZE = REQUEST_THREADS


class _SQLiteConnection(sqlite3.Connection):
    """A pysqlite connection that takes its turn among this process's writers.

    SQLite lets one writer in at a time and makes the others poll (the busy handler sleeps and
    retries, ever longer): under load the pollers starve and give up with "database is locked".
    So the writers of one process queue on a lock of their engine instead, taken before ``BEGIN
    IMMEDIATE`` and given back when the transaction has committed or rolled back; SQLite's busy
    timeout is left for other processes (the cron command line, a second server).
    """

    writer_turn: threading.Lock  # the engine's, set when the connection is made
    holds_turn = False

    def take_writer_turn(self) -> None:
        if not self.writer_turn.acquire(timeout=WRITER_TURN_TIMEOUT):
            raise OperationalError(
                "BEGIN IMMEDIATE",
                None,
                sqlite3.OperationalError("database is locked (waited for this process's writers)"),
            )
        self.holds_turn = True

    def give_back_turn(self) -> None:
        if self.holds_turn:
            self.holds_turn = False
            self.writer_turn.release()

    def commit(self) -> None:
        # Given back only once COMMIT is through: a COMMIT that failed leaves the transaction
        # open, and its ROLLBACK gives the turn back.
        super().commit()
        self.give_back_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_turn()


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and ``BEGIN IMMEDIATE`` so that concurrent writers queue.

    pysqlite's own transaction handling starts transactions lazily and as DEFERRED, so two writers
    can both read a free slot and both book it. We switch it off and emit BEGIN ourselves (the
    SQLAlchemy "pysqlite SAVEPOINT workaround"), IMMEDIATE unless the connection says otherwise
    (``read_by_default``); an IMMEDIATE transaction first waits its turn among this process's
    writers (``_SQLiteConnection``).
    """
    writer_turn = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: _SQLiteConnection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.writer_turn = writer_turn
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL mode a commit is written to the log before COMMIT returns and survives the
        # process being killed; NORMAL skips only the fsync that protects against power loss.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted content is overwritten with zeros, not left in free pages: erased and expired
        # personal data must not be recoverable from the file (``forget_deleted`` empties the
        # log as well).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        # SQLite's own lower() folds ASCII only ("Ærø" stays "Ærø"); searches fold Danish names
        # as PostgreSQL does.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        driver = connection.connection.driver_connection
        assert isinstance(driver, _SQLiteConnection)
        if mode != "DEFERRED":
            driver.take_writer_turn()
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            driver.give_back_turn()
            raise


def forget_deleted(engine: Engine) -> bool:
    """After an erasure or a retention run: on SQLite, copy the write-ahead log into the file and
    empty it, so that neither holds what was deleted (the file's freed pages are zeroed already,
    ``secure_delete``). False when readers kept part of the log (run again when they are done).
    On PostgreSQL, VACUUM reclaims deleted rows in its own time (README, "Deleting for real").
    """
    if engine.dialect.name != "sqlite":
        return True
    # On the driver's connection: outside a transaction, which a checkpoint cannot run in.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    return bool(busy == 0)


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    data_generation: bool = True,
    **kwargs: Any,
) -> Engine:
    """The engine for ``url``; the pool sizes apply to PostgreSQL (``Settings.db_pool_size``).

    Its writes move the data's generation (``mentor.data_generation``) unless
    ``data_generation`` is false: the migrations, which run before there is one.
    """
    # A failed statement's message (and so a logged traceback) names the statement, never the
    # values bound to it: names, e-mail addresses, tokens.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # One process serves SQLite: a connection for each of its request threads, so that no
        # request waits for the pool while others wait for their writer's turn. SQLite
        # connections are cheap; the pool settings are PostgreSQL's.
        if "poolclass" not in kwargs:
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 10)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "factory": _SQLiteConnection},
            **kwargs,
        )
        _configure_sqlite(engine)
    else:
        if pool_size is not None:
            kwargs["pool_size"] = pool_size
        if max_overflow is not None:
            kwargs["max_overflow"] = max_overflow
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if data_generation:
        track_changes(engine)
    return engine


def read_by_default(session: Session) -> None:
    """Begin every transaction of ``session`` as a reader (``BEGIN DEFERRED`` on SQLite).

    A reader never waits for writers, but on SQLite it cannot become one: once another
    connection has committed since its first read, its first write fails at once ("database is
    locked", whatever the busy timeout). So a request that reads by default writes in a
    transaction begun by ``begin_writing``, after it committed its reads.
    """
    bind = session.bind
    if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        session.bind = bind.execution_options(sqlite_begin="DEFERRED")


def begin_writing(session: Session) -> None:
    """Begin ``session``'s next transaction as a writer: ``BEGIN IMMEDIATE`` on SQLite, in its
    turn among this process's writers. Between transactions only (commit the reads first)."""
    if session.in_transaction():
        raise RuntimeError("a transaction is in progress; commit it before writing")
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for a command-line action: commit on success, roll back on error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction, as fast as the database allows.

    PostgreSQL: ``COPY … FROM STDIN`` through psycopg (several times faster than an
    ``executemany`` of thousands of rows with JSON columns); elsewhere one Core ``executemany``.
    Every row must give the same keys; JSON values are Python objects, as for a Core insert.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    driver = connection.connection.driver_connection
    assert driver is not None
    quoted = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'

    def value(row: dict[str, Any], name: str) -> Any:
        found = row[name]
        return Jsonb(found) if name in json_columns and found is not None else found

    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([value(row, name) for name in columns])


RowT = TypeVar("RowT", bound=Base)


def locked(db: Session, row: RowT) -> RowT:
    """``row`` read afresh and locked until the transaction ends (``SELECT ... FOR UPDATE`` on
    PostgreSQL; SQLite locks the whole database on write instead)."""
    identity = inspect(row).identity
    if identity is None:
        raise ValueError("only a stored row can be locked")
    return db.get_one(type(row), identity, with_for_update=True, populate_existing=True)
