"""Pages that record their own view in the audit log.

A GET reads in a deferred transaction (``get_db``). On SQLite such a transaction cannot start
writing once another connection has committed since its first read: WAL keeps the reader's
snapshot and refuses the upgrade at once ("database is locked"), whatever the busy timeout — and
right after a POST, the outbox delivery of that POST is exactly such a writer. So the page's
reads are committed first, and the audit event is written in a transaction of its own, which
waits its turn like any other writer.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session


def commit_view(db: Session, record_view: Callable[[], object]) -> None:
    """End the page's reading transaction, then write and commit its audit events."""
    db.commit()
    record_view()
    db.commit()
