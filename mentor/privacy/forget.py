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
    MeetingParticipant,
    OutboxEmail,
    Pupil,
)

# Ids per statement: well within SQLite's and PostgreSQL's limits on bound parameters.
CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def count_rows(db: Session, table: Table, condition: ColumnElement[bool]) -> int:
    return int(db.scalar(select(func.count()).select_from(table).where(condition)) or 0)


def cascading_from(start: dict[str, ColumnElement[bool]]) -> dict[str, ColumnElement[bool]]:
    """Which rows of each table go when the rows ``start`` names (a condition per table) are
    deleted: those, and, following the database's ``ON DELETE CASCADE`` keys, every row that
    goes with them."""
    going = dict(start)
    # Parents come before their children: one pass reaches every cascade, however deep.
    for table in Base.metadata.sorted_tables:
        reached = [
            table.c[key.parent.name].in_(select(key.column).where(going[key.column.table.name]))
            for key in table.foreign_keys
            if key.ondelete == "CASCADE" and key.column.table.name in going
        ]
        if reached:
            going[table.name] = (
                or_(going[table.name], *reached) if table.name in going else or_(*reached)
            )
    return going


def going_with(
    pupil_ids: Sequence[int], meeting_ids: Sequence[int]
) -> dict[str, ColumnElement[bool]]:
    """Which rows of each table go when the pupils and the meetings are deleted."""
    return cascading_from(
        {"pupil": Pupil.id.in_(pupil_ids), "meeting": Meeting.id.in_(meeting_ids)}
    )


def emptied_meetings(db: Session, pupil_ids: Sequence[int]) -> list[int]:
    """The meetings that have no pupil left once these pupils are gone."""
    return list(
        db.scalars(
            select(Meeting.id).where(
                Meeting.id.in_(
                    select(MeetingParticipant.meeting_id).where(
                        MeetingParticipant.pupil_id.in_(pupil_ids)
                    )
                ),
                ~exists().where(
                    MeetingParticipant.meeting_id == Meeting.id,
                    MeetingParticipant.pupil_id.not_in(pupil_ids),
                ),
            )
        )
    )


def forget_pupils(db: Session, pupil_ids: Sequence[int], *, reason: str) -> Counter[str]:
    """Delete the pupils and everything that is theirs; rows deleted per table.

    ``reason`` names the job in the audit's maintenance switch ("retention", "erasure"). The
    caller commits, and then calls ``mentor.db.forget_deleted`` for the SQLite file's log.
    """
    # Every table that can lose rows, counted even when none do (a run prints each).
    deleted: Counter[str] = Counter(dict.fromkeys([*going_with([], []), "outbox_email"], 0))
    for chunk in _chunks(sorted(set(pupil_ids))):
        meetings = emptied_meetings(db, chunk)
        for name, condition in going_with(chunk, meetings).items():
            deleted[name] += count_rows(db, Base.metadata.tables[name], condition)
        _forget_mail_about(db, chunk, deleted)
        with audit_maintenance(db, reason=reason):
            db.execute(
                update(AuditEvent)
                .where(AuditEvent.pupil_id.in_(chunk))
                .values(details={})
                .execution_options(synchronize_session=False)
            )
            db.execute(_delete(Pupil, Pupil.id.in_(chunk)))
        for part in _chunks(meetings):
            db.execute(_delete(Meeting, Meeting.id.in_(part)))
    db.expire_all()
    return deleted


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
