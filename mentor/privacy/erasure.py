"""Erasing a pupil on request (GDPR Art. 17): what will go, what stays and why, and doing it.

The confirmation counts what ``forget_pupils`` deletes with the very conditions it deletes by
(``going_with``, from the models' foreign keys, as the database's cascades will): the pupil's
row; every row deleted with it; the meetings no other pupil took part in; the rows deleted with
those, however deep (a match's exit answers, a meeting's log); and the outbox mail about the
pupil. What stays is what refers to those rows but is only unlinked (``SET NULL``): the
audit log's events, kept for the audit period without the pupil's number or details; the request
itself, with only the number; and rows that belong to others as well (a group meeting).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.db import Base
from mentor.errors import NotFound
from mentor.models import (
    AuditAction,
    Meeting,
    MeetingParticipant,
    OutboxEmail,
    Pupil,
)
from mentor.privacy.forget import (
    count_rows,
    emptied_meetings,
    forget_pupils,
    going_with,
    mail_about,
)

SET_NULL = "SET NULL"
TABLES = Base.metadata.tables
# forget_pupils's name for the audit log's maintenance switch.
ERASURE_REASON = "erasure"


@dataclass(frozen=True)
class ErasurePlan:
    """Rows per table that go (``deleted``) and rows that stay, unlinked (``kept``); for an
    ambassador whose matches or meetings stay for the pupils, ``anonymised``: the ambassador
    and their account are kept without anything that names them."""

    subject_id: int
    deleted: dict[str, int]
    kept: dict[str, int]
    anonymised: bool = False

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())


def deleted_rows(db: Session, going: dict[str, ColumnElement[bool]]) -> dict[str, int]:
    """Rows per table that go (``going``: a condition per table, as ``cascading_from`` gives)."""
    counted = {name: count_rows(db, TABLES[name], going[name]) for name in sorted(going)}
    return {name: rows for name, rows in counted.items() if rows}


def kept_rows(db: Session, going: dict[str, ColumnElement[bool]]) -> Counter[str]:
    """Rows that refer to what goes, are only unlinked (``SET NULL``), and do not go."""
    kept: Counter[str] = Counter()
    for table in Base.metadata.sorted_tables:
        referring = [
            table.c[key.parent.name].in_(select(key.column).where(going[key.column.table.name]))
            for key in table.foreign_keys
            if key.ondelete == SET_NULL and key.column.table.name in going
        ]
        if not referring:
            continue
        condition = or_(*referring)
        if table.name in going:
            condition = condition & ~going[table.name]
        kept[table.name] += count_rows(db, table, condition)
    return +kept


def erasure_plan(db: Session, pupil_id: int) -> ErasurePlan:
    """What erasing the pupil deletes and what it keeps, per table. ``NotFound`` if no pupil."""
    if db.get(Pupil, pupil_id) is None:
        raise NotFound()
    emptied = emptied_meetings(db, [pupil_id])
    going = going_with([pupil_id], emptied)
    deleted = deleted_rows(db, going)
    about = mail_about(db, [pupil_id])
    if about is not None and (mail := count_rows(db, TABLES[OutboxEmail.__tablename__], about)):
        deleted[OutboxEmail.__tablename__] = mail
    kept = kept_rows(db, going)
    attended = select(MeetingParticipant.meeting_id).where(MeetingParticipant.pupil_id == pupil_id)
    # Group meetings go on for the other pupils.
    if shared := count_rows(
        db, TABLES[Meeting.__tablename__], Meeting.id.in_(attended) & Meeting.id.not_in(emptied)
    ):
        kept[Meeting.__tablename__] += shared
    return ErasurePlan(subject_id=pupil_id, deleted=deleted, kept=dict(sorted(kept.items())))


def erase_pupil(
    db: Session,
    pupil_id: int,
    *,
    actor_id: int | None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> ErasurePlan:
    """Delete the pupil and everything theirs; log it under the former number, without a name
    (``details``: the request, the reason). The caller commits, then calls
    ``mentor.db.forget_deleted`` (the SQLite log)."""
    plan = erasure_plan(db, pupil_id)
    forget_pupils(db, [pupil_id], reason=ERASURE_REASON)
    record(
        db,
        actor_id=actor_id,
        action=AuditAction.ERASE,
        object_type="pupil",
        object_id=pupil_id,
        pupil_id=None,
        details=details or {},
        ip=ip,
    )
    return plan
