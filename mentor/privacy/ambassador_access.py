"""An ambassador's subject-access export (GDPR Art. 15): their account, profile, vetting,
interests, certificates, the check-ins about them, their matches and meetings, the mail to them,
who read or changed their data, and what they did.

The rows are found as erasing the account would delete them (the database's cascades from the
account), plus the matches and meetings they took part in and their own exit answers. Secrets
are never exported (a password's or a token's hash, the two-step login's shared secret, recovery
codes): ``account`` says only whether they exist. A match or a meeting is also the pupil's
record: the pupil appears only as the match's number; the pupil's number, the scoring's
explanation, the counsellor's notes about the pupil, the meeting logs and the pupils' feedback
are the pupils' data and are left out (the pupil can ask for those).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.db import Base
from mentor.errors import NotFound
from mentor.models import (
    Ambassador,
    AuditAction,
    AuditEvent,
    ExitAnswer,
    ExitRespondent,
    Match,
    Meeting,
    OutboxEmail,
    RecoveryCode,
    TotpCredential,
    User,
)
from mentor.privacy.access import (
    EXPORT_FORMAT,
    FoundRows,
    audit_rows,
    json_value,
    record_subject_export,
    select_rows,
)
from mentor.privacy.forget import cascading_from
from mentor.privacy.forget_accounts import AMBASSADOR_OBJECT, about_ambassador

PUPIL_TABLE = "pupil"
# Secrets: never in an export (``account`` says whether they are set).
SECRET_COLUMNS = frozenset(
    {"password_hash", "calendar_token_hash", "token_hash", "csrf_secret", "secret", "code_hash"}
)
# Free text in shared rows that is about the pupil, not the ambassador.
PUPILS_TEXT: dict[str, frozenset[str]] = {
    "match": frozenset({"explanation", "close_note"}),
    "match_run_pupil": frozenset({"explanation", "alternatives", "unmatched_reason"}),
    "pair_rule": frozenset({"reason"}),
}


def _found(db: Session, ambassador: Ambassador) -> FoundRows:
    found = FoundRows()
    # The account and everything the database deletes with it.
    for name, condition in cascading_from(
        {User.__tablename__: User.id == ambassador.user_id}
    ).items():
        found.add(
            Base.metadata.tables[name], select_rows(db, Base.metadata.tables[name], condition)
        )
    matches = Base.metadata.tables[Match.__tablename__]
    found.add(matches, select_rows(db, matches, matches.c.ambassador_id == ambassador.id))
    meetings = Base.metadata.tables[Meeting.__tablename__]
    found.add(meetings, select_rows(db, meetings, meetings.c.ambassador_id == ambassador.id))
    answers = Base.metadata.tables[ExitAnswer.__tablename__]
    match_ids = sorted(found.ids(Match.__tablename__, "id"))
    if match_ids:
        found.add(
            answers,
            select_rows(
                db,
                answers,
                answers.c.match_id.in_(match_ids)
                & (answers.c.respondent == ExitRespondent.AMBASSADOR.value),
            ),
        )
    user = db.get_one(User, ambassador.user_id)
    outbox = Base.metadata.tables[OutboxEmail.__tablename__]
    found.add(
        outbox, select_rows(db, outbox, func.lower(outbox.c.to_address) == user.email.lower())
    )
    return found


def _left_out(table_name: str) -> frozenset[str]:
    table = Base.metadata.tables[table_name]
    pupils = {key.parent.name for key in table.foreign_keys if key.column.table.name == PUPIL_TABLE}
    return SECRET_COLUMNS | pupils | PUPILS_TEXT.get(table_name, frozenset())


def ambassador_rows(db: Session, ambassador: Ambassador) -> dict[str, list[dict[str, Any]]]:
    """The ambassador's rows per table, JSON-safe, without secrets or pupils' data."""
    found = _found(db, ambassador)
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, rows in sorted(found.rows.items()):
        left_out = _left_out(name)
        tables[name] = [
            {column: json_value(value) for column, value in row.items() if column not in left_out}
            for _key, row in sorted(rows.items(), key=lambda item: str(item[0]))
        ]
    return {name: rows for name, rows in tables.items() if rows}


def account_summary(db: Session, user: User) -> dict[str, Any]:
    """That the secrets exist, never what they are."""
    unused_codes = db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    two_step = db.scalar(
        select(func.count()).select_from(TotpCredential).where(TotpCredential.user_id == user.id)
    )
    return {
        "password": "set" if user.password_hash else "not set",
        "two_step_login": "set up" if two_step else "not set up",
        "unused_recovery_codes": int(unused_codes or 0),
        "calendar_feed": "on" if user.calendar_token_hash else "off",
    }


def _actions(db: Session, ambassador: Ambassador) -> list[dict[str, Any]]:
    """What the ambassador did; where it was about a pupil, only that it was, and when."""
    events = audit_rows(
        db, (AuditEvent.actor_id == ambassador.user_id) & AuditEvent.pupil_id.is_(None)
    )
    about_pupils = audit_rows(
        db, (AuditEvent.actor_id == ambassador.user_id) & AuditEvent.pupil_id.is_not(None)
    )
    for event in about_pupils:
        event.update(object_type=PUPIL_TABLE, object_id=None, details={})
    return sorted(events + about_pupils, key=lambda event: str(event["at"]))


def ambassador_export(db: Session, ambassador_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything about the ambassador, JSON-safe: ``account`` (what secrets exist),
    ``tables``, ``audit_events`` (who read or changed their data) and ``actions`` (what they
    did). Raises ``NotFound`` for an ambassador that does not exist."""
    ambassador = db.get(Ambassador, ambassador_id)
    if ambassador is None:
        raise NotFound()
    user = db.get_one(User, ambassador.user_id)
    return {
        "format": EXPORT_FORMAT,
        "ambassador_id": ambassador_id,
        "generated_at": json_value(now),
        "account": account_summary(db, user),
        "tables": ambassador_rows(db, ambassador),
        "audit_events": audit_rows(db, about_ambassador(ambassador.id, ambassador.user_id)),
        "actions": _actions(db, ambassador),
    }


def record_ambassador_read(
    db: Session, *, ambassador_id: int, actor_id: int | None, ip: str | None
) -> None:
    """A page that names the ambassador (a request's page) was read."""
    record(
        db,
        actor_id=actor_id,
        action=AuditAction.READ,
        object_type=AMBASSADOR_OBJECT,
        object_id=ambassador_id,
        ip=ip,
    )


def record_ambassador_export(
    db: Session, *, ambassador_id: int, actor_id: int | None, file_format: str
) -> None:
    """The command line's export, on the log under the ambassador's number."""
    record_subject_export(
        db,
        object_type=AMBASSADOR_OBJECT,
        object_id=ambassador_id,
        pupil_id=None,
        actor_id=actor_id,
        file_format=file_format,
    )
