"""Writing audit events. Every read or write of pupil data, and every account event, is recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, String, cast, insert, literal, select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import AuditEvent


def record(
    db: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | str | None = None,
    pupil_id: int | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        pupil_id=pupil_id,
        details=details or {},
        ip=ip,
    )
    db.add(event)
    db.flush()
    return event


def record_selected(
    db: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    rows: Select[tuple[int, int]],
    details: dict[str, Any],
) -> None:
    """One audit event per ``(object_id, pupil_id)`` row of ``rows``, written by the database
    (``INSERT … SELECT``): a run's thousands of proposals never pass through Python."""
    source = rows.subquery()
    object_id, pupil_id = source.c[0], source.c[1]
    insert_events = insert(AuditEvent).from_select(
        ["at", "actor_id", "action", "object_type", "object_id", "pupil_id", "details", "ip"],
        select(
            literal(utcnow(), AuditEvent.__table__.c.at.type),
            literal(actor_id, Integer()),
            literal(action, String()),
            literal(object_type, String()),
            cast(object_id, String()),
            pupil_id,
            literal(details, AuditEvent.__table__.c.details.type),
            literal(None, String()),
        ),
    )
    db.execute(insert_events)
