"""The audit log cannot be rewritten: UPDATE and DELETE of an audit event fail on both databases,
except the database's own SET NULL when the person an event names is erased, and except within
the maintenance switch (the retention job, erasure)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mentor.audit.maintenance import CommitInMaintenance, audit_maintenance
from mentor.models import AuditEvent, AuditMaintenance, Role, User
from tests.factories import make_audit_event, make_user


def _refused(db: Session, statement: object) -> None:
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(statement)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "change",
    [
        {"action": "delete"},
        {"details": {"fields": ["first_name"]}},
        {"ip": None},
        {"object_id": "999"},
    ],
)
def test_an_audit_event_cannot_be_changed(db: Session, change: dict[str, object]) -> None:
    event = make_audit_event(db, actor=make_user(db, role=Role.COUNSELLOR))

    _refused(db, update(AuditEvent).where(AuditEvent.id == event.id).values(**change))

    db.expire_all()
    assert db.get_one(AuditEvent, event.id).action == "read"


def test_an_audit_event_cannot_be_deleted_even_in_raw_sql(db: Session) -> None:
    event = make_audit_event(db)

    _refused(db, delete(AuditEvent).where(AuditEvent.id == event.id))
    _refused(db, text("DELETE FROM audit_event"))

    assert db.scalar(select(func.count()).select_from(AuditEvent)) >= 1


def test_erasing_the_person_keeps_the_event_without_them(db: Session) -> None:
    actor = make_user(db, role=Role.COUNSELLOR)
    event = make_audit_event(db, actor=actor)

    db.execute(delete(User).where(User.id == actor.id))
    db.expire_all()

    kept = db.get_one(AuditEvent, event.id)
    assert kept.actor_id is None
    assert kept.action == "read"


def test_the_maintenance_switch_lets_the_retention_job_delete(db: Session) -> None:
    event = make_audit_event(db)

    with audit_maintenance(db, reason="retention"):
        db.execute(delete(AuditEvent).where(AuditEvent.id == event.id))

    assert db.get(AuditEvent, event.id) is None
    assert db.scalar(select(func.count()).select_from(AuditMaintenance)) == 0
    other = make_audit_event(db)
    _refused(db, delete(AuditEvent).where(AuditEvent.id == other.id))


def test_a_commit_inside_the_switch_is_refused(db: Session) -> None:
    with pytest.raises(CommitInMaintenance), audit_maintenance(db, reason="retention"):
        db.commit()
    assert db.scalar(select(func.count()).select_from(AuditMaintenance)) == 0
