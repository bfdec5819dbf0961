"""The switch that lets the retention job and erasure change the append-only audit log.

The database refuses to change or delete an audit event (triggers, migration
``append_only_audit``) unless a row of ``audit_maintenance`` exists. The switch writes that row
at the start of the caller's transaction and removes it before the caller commits, so it is never
seen outside that transaction: the app's requests cannot turn it on by accident, and a crash
rolls it back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, event
from sqlalchemy.orm import Session

from mentor.models import AuditMaintenance


class CommitInMaintenance(RuntimeError):
    """A commit inside the block would make the switch visible to everyone."""


def _refuse_commit(_session: Session) -> None:
    raise CommitInMaintenance("commit after the audit_maintenance block, not inside it")


@contextmanager
def audit_maintenance(db: Session, *, reason: str) -> Iterator[None]:
    """Within the block (inside one transaction of ``db``), audit events may be changed.

    Commit after the block: a commit inside it is refused, since it would publish the switch.
    """
    switch = AuditMaintenance(reason=reason[:40])
    db.add(switch)
    db.flush()
    event.listen(db, "before_commit", _refuse_commit)
    try:
        yield
        db.flush()
    finally:
        event.remove(db, "before_commit", _refuse_commit)
        db.execute(delete(AuditMaintenance).where(AuditMaintenance.id == switch.id))
