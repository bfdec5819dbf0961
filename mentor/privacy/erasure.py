"""Erasing a pupil on request (GDPR Art. 17): what will go, what stays and why, and doing it.

The confirmation counts what ``forget_pupils`` deletes from the models' foreign keys, as the
database's cascades will: the pupil's row; every row that names the pupil and is deleted with
them; the meetings no other pupil took part in; then, until nothing more is found, the rows
deleted with any of those (a match's exit answers, a meeting's log); and the outbox mail about
the pupil. What stays is what refers to those rows but is only unlinked (``SET NULL``): the
audit log's events, kept for the audit period without the pupil's number or details; the request
itself, with only the number; and rows that belong to others as well (a group meeting).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
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
from mentor.privacy.access import FoundRows, select_rows
from mentor.privacy.forget import forget_pupils, mail_about

PUPIL_TABLE = Pupil.__tablename__
CASCADE = "CASCADE"
SET_NULL = "SET NULL"
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


def _doomed(db: Session, pupil_id: int) -> FoundRows:
    doomed = FoundRows()
    tables = Base.metadata.sorted_tables
    pupil_table = Base.metadata.tables[PUPIL_TABLE]
    doomed.add(pupil_table, select_rows(db, pupil_table, pupil_table.c.id == pupil_id))
    for table in tables:
        for key in table.foreign_keys:
            if key.column.table.name == PUPIL_TABLE and key.ondelete == CASCADE:
                doomed.add(table, select_rows(db, table, table.c[key.parent.name] == pupil_id))
    # A meeting goes when no other pupil took part (forget_pupils: "empty meetings").
    others = exists().where(
        MeetingParticipant.meeting_id == Meeting.id, MeetingParticipant.pupil_id != pupil_id
    )
    attended = select(MeetingParticipant.meeting_id).where(MeetingParticipant.pupil_id == pupil_id)
    meeting_table = Base.metadata.tables[Meeting.__tablename__]
    doomed.add(meeting_table, select_rows(db, meeting_table, Meeting.id.in_(attended) & ~others))
    return with_cascades(db, doomed)


def with_cascades(db: Session, doomed: FoundRows) -> FoundRows:
    """Add what the database deletes with ``doomed``, and with that, until nothing more is
    found."""
    tables = Base.metadata.sorted_tables
    grew = True
    while grew:
        grew = False
        for table in tables:
            for key in table.foreign_keys:
                parent = key.column.table.name
                if key.ondelete != CASCADE or parent not in doomed.rows:
                    continue
                ids = doomed.ids(parent, key.column.name)
                if not ids:
                    continue
                before = doomed.count(table.name)
                column = table.c[key.parent.name]
                doomed.add(table, select_rows(db, table, column.in_(sorted(ids))))
                grew = grew or doomed.count(table.name) > before
    return doomed


def kept_rows(db: Session, doomed: FoundRows) -> Counter[str]:
    """Rows that refer to what goes, are only unlinked, and are not going themselves."""
    kept: Counter[str] = Counter()
    for table in Base.metadata.sorted_tables:
        going = set(doomed.rows.get(table.name, {}))
        found = FoundRows()
        for key in table.foreign_keys:
            parent = key.column.table.name
            if key.ondelete != SET_NULL or parent not in doomed.rows:
                continue
            # Staff references to the pupil's rows do not exist; user_account is never doomed.
            ids = doomed.ids(parent, key.column.name)
            if ids:
                found.add(table, select_rows(db, table, table.c[key.parent.name].in_(sorted(ids))))
        kept[table.name] += len(set(found.rows.get(table.name, {})) - going)
    return +kept


def _shared_meetings(db: Session, pupil_id: int, doomed: FoundRows) -> int:
    attended = set(
        db.scalars(
            select(MeetingParticipant.meeting_id).where(MeetingParticipant.pupil_id == pupil_id)
        )
    )
    return len(attended - doomed.ids(Meeting.__tablename__, "id"))


def erasure_plan(db: Session, pupil_id: int) -> ErasurePlan:
    """What erasing the pupil deletes and what it keeps, per table. ``NotFound`` if no pupil."""
    if db.get(Pupil, pupil_id) is None:
        raise NotFound()
    doomed = _doomed(db, pupil_id)
    deleted = {name: len(rows) for name, rows in sorted(doomed.rows.items()) if rows}
    about = mail_about(db, [pupil_id])
    if about is not None:
        mail = int(db.scalar(select(func.count()).select_from(OutboxEmail).where(about)) or 0)
        if mail:
            deleted[OutboxEmail.__tablename__] = mail
    kept = kept_rows(db, doomed)
    if shared := _shared_meetings(db, pupil_id, doomed):
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
