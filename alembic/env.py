"""Alembic's entry point: run the migrations on a URL or on a connection the caller lends us.

The URL is the caller's ``sqlalchemy.url`` if set, else ``MENTOR_DATABASE_URL``. Tests and the app
may pass an open connection as ``config.attributes["connection"]``; it is then used as is and its
transaction is left to the caller.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

import mentor.models
from mentor.db import UTCDateTime, make_engine

config = context.config

# Only when run as `alembic ...`: a program that runs migrations keeps its own logging.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = mentor.models.Base.metadata


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from mentor.config import get_settings

    return get_settings().database_url


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # A migration must not import the app: it outlives the code it was written against.
    # In the database a UTCDateTime is a plain DateTime(timezone=True).
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table, and is a no-op elsewhere.
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        **kwargs,
    )


def _run_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    _configure(url=_database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_on_sqlite(connection: Connection) -> None:
    """Run with foreign keys off, then check them.

    A batch migration copies a table, drops the old one and renames the copy. With foreign keys
    enforced, SQLite's DROP TABLE first deletes every row, and ON DELETE CASCADE would silently
    empty the child tables (drop and re-create ``pupil`` and every match is gone). SQLite's own
    advice for schema changes: switch enforcement off (outside a transaction, so on the DBAPI
    connection before SQLAlchemy begins one) and run ``foreign_key_check`` before committing.
    """
    connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    _run_on(connection)
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        connection.rollback()
        raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:10]}")
    connection.commit()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # The caller's connection and transaction: the caller commits (and, on SQLite, decides
        # about foreign keys; see _run_on_sqlite).
        _run_on(connection)
        return
    engine = make_engine(_database_url(), poolclass=NullPool, data_generation=False)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _run_on_sqlite(connection)
            else:
                _run_on(connection)
                connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
