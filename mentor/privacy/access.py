"""A pupil's subject-access export (GDPR Art. 15): every row about them, and who saw or changed it.

The rows are found from the models' foreign keys, so that a new table is in the export the day
it refers to a pupil: the rows that name the pupil; the mentoring rows those point at (the
meeting of a participation); and the rows that hang off either without naming a pupil of their
own (a meeting's log, a match's exit answers); and the mail to or about the pupil. Rows that
name another pupil (the other participants of a group meeting, their feedback) are theirs, not
this pupil's. The audit log's events about the pupil are given apart, with the name and role of
who did what.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.db import Base, Retention
from mentor.errors import NotFound
from mentor.models import AuditAction, AuditEvent, OutboxEmail, Pupil, User
from mentor.privacy.forget import mail_about

PUPIL_TABLE = "pupil"
# Given apart, with the actors' names (``audit_events``).
AUDIT_TABLE = AuditEvent.__tablename__
EXPORT_FORMAT = 1

Key = tuple[Any, ...]


def tables_besides_audit() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if table.name != AUDIT_TABLE]


def pupil_columns(table: Table) -> list[str]:
    return [key.parent.name for key in table.foreign_keys if key.column.table.name == PUPIL_TABLE]


def _key(table: Table, row: Mapping[str, Any]) -> Key:
    return tuple(row[column.name] for column in table.primary_key.columns)


def _is_mentoring(table: Table) -> bool:
    return all(
        column.info.get("retention") is Retention.MENTORING for column in table.primary_key.columns
    )


class FoundRows:
    """The rows found so far, per table, keyed by primary key (each row once)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[Key, dict[str, Any]]] = {}

    def add(self, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
        kept = self.rows.setdefault(table.name, {})
        for row in rows:
            kept.setdefault(_key(table, row), dict(row))

    def ids(self, table_name: str, column: str) -> set[Any]:
        return {row[column] for row in self.rows.get(table_name, {}).values()} - {None}

    def count(self, table_name: str) -> int:
        return len(self.rows.get(table_name, {}))


def select_rows(db: Session, table: Table, condition: ColumnElement[bool]) -> list[Any]:
    return list(db.execute(select(table).where(condition)).mappings())


def pupil_rows(db: Session, pupil_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the pupil, per table (the audit log apart), in primary-key order."""
    found = FoundRows()
    tables = tables_besides_audit()
    pupil_table = Base.metadata.tables[PUPIL_TABLE]
    found.add(pupil_table, select_rows(db, pupil_table, pupil_table.c.id == pupil_id))
    naming = [table for table in tables if pupil_columns(table)]
    for table in naming:
        for column in pupil_columns(table):
            found.add(table, select_rows(db, table, table.c[column] == pupil_id))
    # The mentoring rows the pupil's rows point at: the meeting of a participation.
    for table in naming:
        for key in table.foreign_keys:
            target = key.column.table
            if target.name == PUPIL_TABLE or pupil_columns(target) or not _is_mentoring(target):
                continue
            ids = found.ids(table.name, key.parent.name)
            if ids:
                found.add(target, select_rows(db, target, key.column.in_(sorted(ids))))
    # The rows that hang off those without naming a pupil: a meeting's log, a match's answers.
    parents = set(found.rows)
    for table in tables:
        if pupil_columns(table):
            continue
        for key in table.foreign_keys:
            parent = key.column.table
            if parent.name == PUPIL_TABLE or parent.name not in parents:
                continue
            ids = found.ids(parent.name, key.column.name)
            if ids:
                found.add(table, select_rows(db, table, table.c[key.parent.name].in_(sorted(ids))))
    # Mail to or naming the pupil, as forgetting them finds it.
    if (about := mail_about(db, [pupil_id])) is not None:
        outbox = Base.metadata.tables[OutboxEmail.__tablename__]
        found.add(outbox, select_rows(db, outbox, about))
    return {
        name: [rows[key] for key in sorted(rows, key=_sortable)]
        for name, rows in sorted(found.rows.items())
        if rows
    }


def _sortable(key: Key) -> tuple[str, ...]:
    return tuple(f"{value:020d}" if isinstance(value, int) else str(value) for value in key)


def json_value(value: Any) -> Any:
    """A column's value as JSON holds it: times and dates ISO 8601, enumerations their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return value


def audit_events(db: Session, pupil_id: int) -> list[dict[str, Any]]:
    """Who read or changed what of the pupil's data, and when (oldest first)."""
    return audit_rows(db, AuditEvent.pupil_id == pupil_id)


def audit_rows(db: Session, condition: ColumnElement[bool]) -> list[dict[str, Any]]:
    """The events that meet ``condition``, with the actor's name and role (oldest first)."""
    rows = db.execute(
        select(AuditEvent, User.full_name, User.role)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(condition)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [
        {
            "at": json_value(event.at),
            "actor": name,
            "actor_role": json_value(role),
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": json_value(event.details or {}),
        }
        for event, name, role in rows
    ]


def pupil_export(db: Session, pupil_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything about the pupil, JSON-safe: ``tables`` (rows per table) and ``audit_events``.

    Raises ``NotFound`` for a pupil that does not exist (or no longer does).
    """
    if db.get(Pupil, pupil_id) is None:
        raise NotFound()
    tables = {
        name: [{column: json_value(value) for column, value in row.items()} for row in rows]
        for name, rows in pupil_rows(db, pupil_id).items()
    }
    return {
        "format": EXPORT_FORMAT,
        "pupil_id": pupil_id,
        "generated_at": json_value(now),
        "tables": tables,
        "audit_events": audit_events(db, pupil_id),
    }


def record_export(
    db: Session,
    *,
    pupil_id: int,
    actor_id: int | None,
    file_format: str,
    request_id: int | None = None,
    ip: str | None = None,
) -> None:
    """The export is itself a read of the pupil's data: on the log."""
    record_subject_export(
        db,
        object_type="pupil",
        object_id=pupil_id,
        pupil_id=pupil_id,
        actor_id=actor_id,
        file_format=file_format,
        request_id=request_id,
        ip=ip,
    )


def record_subject_export(
    db: Session,
    *,
    object_type: str,
    object_id: int,
    pupil_id: int | None,
    actor_id: int | None,
    file_format: str,
    request_id: int | None = None,
    ip: str | None = None,
) -> None:
    """An export of a pupil's or an ambassador's data, on the log under their number."""
    details: dict[str, Any] = {"format": file_format}
    if request_id is not None:
        details["request_id"] = request_id
    record(
        db,
        actor_id=actor_id,
        action=AuditAction.EXPORT,
        object_type=object_type,
        object_id=object_id,
        pupil_id=pupil_id,
        details=details,
        ip=ip,
    )


def record_read(db: Session, *, pupil_id: int, actor_id: int | None, ip: str | None) -> None:
    """A page that names the pupil (a request's page) was read."""
    record(
        db,
        actor_id=actor_id,
        action=AuditAction.READ,
        object_type="pupil",
        object_id=pupil_id,
        pupil_id=pupil_id,
        ip=ip,
    )


def export_html(export: Mapping[str, Any], *, locale: str, stylesheet: bool = False) -> str:
    """The export as a page a person reads or prints, with headings in ``locale``."""
    # Imported here: the command line renders without the web app's request machinery.
    from mentor.i18n import using_locale
    from mentor.web.templating import environment

    with using_locale(locale):
        return (
            environment()
            .get_template("admin/privacy/export.html")
            .render(
                export=export,
                generated_at=datetime.fromisoformat(export["generated_at"]),
                locale=locale,
                stylesheet=stylesheet,
            )
        )
