"""Forgetting pupils: deleting a pupil and everything that is theirs, for real.

Used by the retention job (pupils past their period) and by erasure (one pupil, on request).
The pupil's row goes with ``DELETE``; the database's cascades take what hangs off it (interests,
matches and their exit answers, proposals, pair rules, meeting places, feedback, notes, links).
A meeting left with no pupil goes too, and its log with it. The audit log keeps its events (the
fact that something was read or changed) but not the pupil: the database sets their id to NULL,
and the events' details, which may quote what was written, are emptied.

Mail still in the outbox that was written to or about the pupil (to their or their guardian's
address, or naming them) goes as well: sent mail is deleted after ``MENTOR_RETENTION_OUTBOX_DAYS``
anyway, and mail not yet sent should not go out about a pupil who is forgotten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    Result,
    Table,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from mentor.audit.maintenance import audit_maintenance
from mentor.db import Base
from mentor.models import (
    AuditEvent,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    OutboxEmail,
    Pupil,
)

# Ids per statement: well within SQLite's and PostgreSQL's limits on bound parameters.
CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _cascading_from_pupil() -> list[tuple[Table, str]]:
    """Every table whose rows the database deletes with their pupil, and the column naming it."""
    found = []
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "pupil" and key.ondelete == "CASCADE":
                found.append((table, key.parent.name))
    return found


def forget_pupils(db: Session, pupil_ids: Sequence[int], *, reason: str) -> Counter[str]:
    """Delete the pupils and everything that is theirs; rows deleted per table.

    ``reason`` names the job in the audit's maintenance switch ("retention", "erasure"). The
    caller commits, and then calls ``mentor.db.forget_deleted`` for the SQLite file's log.
    """
    cascading = _cascading_from_pupil()
    tables = ["pupil", *(table.name for table, _ in cascading), "meeting", "meeting_log"]
    deleted: Counter[str] = Counter(dict.fromkeys([*tables, "outbox_email"], 0))
    for chunk in _chunks(sorted(set(pupil_ids))):
        meeting_ids = list(
            db.scalars(
                select(MeetingParticipant.meeting_id)
                .where(MeetingParticipant.pupil_id.in_(chunk))
                .distinct()
            )
        )
        _forget_mail_about(db, chunk, deleted)
        for table, column in cascading:
            counted = db.scalar(
                select(func.count()).select_from(table).where(table.c[column].in_(chunk))
            )
            deleted[table.name] += int(counted or 0)
        with audit_maintenance(db, reason=reason):
            db.execute(
                update(AuditEvent)
                .where(AuditEvent.pupil_id.in_(chunk))
                .values(details={})
                .execution_options(synchronize_session=False)
            )
            deleted["pupil"] += _rows(db.execute(_delete(Pupil, Pupil.id.in_(chunk))))
        _forget_empty_meetings(db, meeting_ids, deleted)
    db.expire_all()
    return deleted


def _forget_empty_meetings(db: Session, meeting_ids: list[int], deleted: Counter[str]) -> None:
    for chunk in _chunks(meeting_ids):
        empty = Meeting.id.in_(chunk) & ~exists().where(MeetingParticipant.meeting_id == Meeting.id)
        logs = select(Meeting.id).where(empty)
        deleted["meeting_log"] += int(
            db.scalar(
                select(func.count()).select_from(MeetingLog).where(MeetingLog.meeting_id.in_(logs))
            )
            or 0
        )
        deleted["meeting"] += _rows(db.execute(_delete(Meeting, empty)))


def _forget_mail_about(db: Session, pupil_ids: list[int], deleted: Counter[str]) -> None:
    about = mail_about(db, pupil_ids)
    if about is not None:
        deleted["outbox_email"] += _rows(db.execute(_delete(OutboxEmail, about)))


def mail_about(db: Session, pupil_ids: Sequence[int]) -> ColumnElement[bool] | None:
    """The outbox mail to or naming the pupils (None when nothing can be): what forgetting
    them deletes, and what an erasure's confirmation counts."""
    rows = db.execute(
        select(Pupil.first_name, Pupil.last_name, Pupil.email, Pupil.guardian_email).where(
            Pupil.id.in_(pupil_ids)
        )
    ).all()
    addresses = {address.lower() for row in rows for address in row[2:] if address}
    names = {f"{first} {last}" for first, last, *_ in rows}
    conditions: list[ColumnElement[bool]] = (
        [func.lower(OutboxEmail.to_address).in_(addresses)] if addresses else []
    )
    conditions += [OutboxEmail.body_text.contains(name, autoescape=True) for name in names]
    conditions += [OutboxEmail.subject.contains(name, autoescape=True) for name in names]
    return or_(*conditions) if conditions else None


def _delete(model: type[Base], condition: ColumnElement[bool]) -> Delete:
    return delete(model).where(condition).execution_options(synchronize_session=False)


def _rows(result: Result[Any]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
