"""Pages that record their own view in the audit log.

A GET reads in a deferred transaction (``get_db``). On SQLite such a transaction cannot start
writing once another connection has committed since its first read: WAL keeps the reader's
snapshot and refuses the upgrade at once ("database is locked"), whatever the busy timeout — and
with twenty readers of a page at once, each one's audit event is such a commit for the others. So
the page's reads are committed first, and the audit event is written in a short transaction of
its own, which waits its turn among the writers (mentor.db.begin_writing).

The event is committed before the page is rendered and sent: a server killed right after
answering has every answered read on record.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mentor.db import begin_writing


def commit_view(db: Session, record_view: Callable[[], object]) -> None:
    """End the page's reading transaction, then write and commit its audit events."""
    db.commit()
    begin_writing(db)
    record_view()
    db.commit()
