"""Erasing an ambassador on request (GDPR Art. 17): what will go, what stays and why, and doing it.

``forget_ambassadors`` does the work. An ambassador whose matches or meetings are still kept
(they are also the pupils' mentoring records) is anonymised, irreversibly, instead of deleted:
the rows the database would delete with the account go all the same, but the ambassador's row
and the account stay, without a name, an address or a way to log in. The confirmation counts
both from the models' foreign keys, as the cascades will. The audit log keeps its events about
the ambassador, without their details; the request keeps only the former number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.errors import NotFound
from mentor.models import Ambassador, AuditAction, AuditEvent, Match, Meeting, OutboxEmail, User
from mentor.privacy.erasure import ERASURE_REASON, TABLES, ErasurePlan, deleted_rows, kept_rows
from mentor.privacy.forget import cascading_from, count_rows
from mentor.privacy.forget_accounts import (
    AMBASSADOR_OBJECT,
    about_ambassador,
    forget_ambassadors,
    mail_to,
)

# What stays with an anonymised ambassador: the rows themselves, nameless.
ANONYMISED = ("ambassador", "user_account")


def ambassador_erasure_plan(db: Session, ambassador_id: int) -> ErasurePlan:
    """What erasing the ambassador deletes, and what it keeps (anonymised or unlinked), per
    table. ``NotFound`` if there is no such ambassador."""
    ambassador = db.get(Ambassador, ambassador_id)
    if ambassador is None:
        raise NotFound()
    user = db.get_one(User, ambassador.user_id)
    going = cascading_from({User.__tablename__: User.id == user.id})
    matches = count_rows(db, TABLES[Match.__tablename__], Match.ambassador_id == ambassador_id)
    meetings = count_rows(db, TABLES[Meeting.__tablename__], Meeting.ambassador_id == ambassador_id)
    anonymised = bool(matches or meetings)
    deleted = {
        name: rows
        for name, rows in deleted_rows(db, going).items()
        if not (anonymised and name in ANONYMISED)
    }
    if mail := count_rows(db, TABLES[OutboxEmail.__tablename__], mail_to([user.id])):
        deleted[OutboxEmail.__tablename__] = mail
    kept = kept_rows(db, going)
    if anonymised:
        kept.update(dict.fromkeys(ANONYMISED, 1))
        kept.update({Match.__tablename__: matches, Meeting.__tablename__: meetings})
    about = count_rows(
        db, TABLES[AuditEvent.__tablename__], about_ambassador(ambassador_id, user.id)
    )
    if about:
        kept[AuditEvent.__tablename__] += about
    return ErasurePlan(
        subject_id=ambassador_id,
        deleted=deleted,
        kept=dict(sorted((+kept).items())),
        anonymised=anonymised,
    )


def ambassador_names(db: Session, ambassador_id: int) -> list[str]:
    """The words of the ambassador's name and their e-mail address (a reason may hold none)."""
    row = db.execute(
        select(User.full_name, User.email)
        .join(Ambassador, Ambassador.user_id == User.id)
        .where(Ambassador.id == ambassador_id)
    ).one_or_none()
    if row is None:
        return []
    return [word for word in row.full_name.split() if len(word) > 1] + [row.email]


def erase_ambassador(
    db: Session,
    ambassador_id: int,
    *,
    actor_id: int | None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> ErasurePlan:
    """Delete (or anonymise) the ambassador and everything theirs; log it under the former
    number, without a name (``details``: the request, the reason). The caller commits, then
    calls ``mentor.db.forget_deleted`` (the SQLite log)."""
    plan = ambassador_erasure_plan(db, ambassador_id)
    forget_ambassadors(db, [ambassador_id], reason=ERASURE_REASON)
    record(
        db,
        actor_id=actor_id,
        action=AuditAction.ERASE,
        object_type=AMBASSADOR_OBJECT,
        object_id=ambassador_id,
        details={**(details or {}), "anonymised": plan.anonymised},
        ip=ip,
    )
    return plan
