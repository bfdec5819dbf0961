"""Writing audit events. Every read or write of pupil data, and every account event, is recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
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


def record_many(
    db: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    events: list[tuple[int | str | None, int | None, dict[str, Any]]],
) -> None:
    """One audit event per ``(object_id, pupil_id, details)``, in one bulk insert (a run's
    thousands of proposals would otherwise be thousands of ORM flushes)."""
    if not events:
        return
    at = utcnow()
    db.execute(
        insert(AuditEvent),
        [
            {
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "object_type": object_type,
                "object_id": None if object_id is None else str(object_id),
                "pupil_id": pupil_id,
                "details": details,
                "ip": None,
            }
            for object_id, pupil_id, details in events
        ],
    )
