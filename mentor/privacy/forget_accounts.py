"""Forgetting accounts: ambassadors who left (or were turned down) and staff whose account was
closed, once ``MENTOR_RETENTION_ACCOUNT_MONTHS`` have passed.

An account is deleted with everything hanging off it (sessions, links, second factors, digests,
schools followed; an ambassador's interests, vetting record, check-ins and certificates).
Records that name the account elsewhere keep their row and lose the person (their columns are
``ON DELETE SET NULL``). One exception: an ambassador whose matches or meetings are still kept
(they are also the pupils' mentoring records, which go with the pupils) cannot be deleted yet;
they are anonymised instead, irreversibly: their name, address, vetting record and profile are
emptied and they can never log in again. A later run deletes them once the last of those
records is gone.

Either way, mail to the account goes, and the audit's events about the account (or the
ambassador) stay without their details: that it happened is kept, what was written is not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from mentor.audit.maintenance import audit_maintenance
from mentor.db import Base
from mentor.models import (
    Ambassador,
    AmbassadorCertificate,
    AmbassadorCheckIn,
    AmbassadorInterest,
    AmbassadorState,
    AuditEvent,
    Match,
    MatchRunPupil,
    Meeting,
    OutboxEmail,
    PairRule,
    User,
)

# How ``forget_ambassadors`` counts the ambassadors it anonymised rather than deleted.
ANONYMISED = "ambassador (anonymised)"

# The e-mail address an anonymised account keeps (the column is unique and required).
ANONYMOUS_DOMAIN = "anonymised.invalid"

# The audit's object types for an ambassador and for an account.
AMBASSADOR_OBJECT = "ambassador"
USER_OBJECT = "user"


def about_accounts(
    *, ambassador_ids: Sequence[int] = (), user_ids: Sequence[int] = ()
) -> ColumnElement[bool]:
    """The audit events about these ambassadors or accounts."""
    return or_(
        and_(
            AuditEvent.object_type == AMBASSADOR_OBJECT,
            AuditEvent.object_id.in_([str(id_) for id_ in ambassador_ids]),
        ),
        and_(
            AuditEvent.object_type == USER_OBJECT,
            AuditEvent.object_id.in_([str(id_) for id_ in user_ids]),
        ),
    )


def about_ambassador(ambassador_id: int, user_id: int) -> ColumnElement[bool]:
    """The audit events about the ambassador or their account."""
    return about_accounts(ambassador_ids=[ambassador_id], user_ids=[user_id])


def mail_to(user_ids: Sequence[int]) -> ColumnElement[bool]:
    """The mail to these accounts' addresses."""
    addresses = select(func.lower(User.email)).where(User.id.in_(user_ids))
    return func.lower(OutboxEmail.to_address).in_(addresses)


def anonymous_address(user_id: int) -> str:
    return f"user-{user_id}@{ANONYMOUS_DOMAIN}"


def is_anonymised() -> Any:
    return User.email.endswith(f"@{ANONYMOUS_DOMAIN}")


def _owned_by_user() -> list[tuple[Table, str]]:
    """Tables whose rows the database deletes with their user (the ambassador row aside)."""
    return [
        (table, key.parent.name)
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == "user_account"
        and key.ondelete == "CASCADE"
        and table.name != "ambassador"
    ]


def _count(db: Session, table: Table, column: str, ids: Sequence[int]) -> int:
    return int(
        db.scalar(select(func.count()).select_from(table).where(table.c[column].in_(ids))) or 0
    )


def forget_users(db: Session, user_ids: Sequence[int], *, reason: str) -> Counter[str]:
    """Delete the accounts (and, by the database's cascades, what is theirs) and the mail to
    them; empty the audit's details about them. ``reason`` names the job in the audit's
    maintenance switch ("retention", "erasure")."""
    ids = sorted(set(user_ids))
    if not ids:
        return Counter({"user_account": 0})
    deleted = _forget_traces(db, user_ids=ids, ambassador_ids=[], reason=reason)
    deleted.update(_delete_users(db, ids))
    return deleted


def _delete_users(db: Session, ids: list[int]) -> Counter[str]:
    deleted: Counter[str] = Counter({"user_account": 0})
    for table, column in _owned_by_user():
        deleted[table.name] += _count(db, table, column, ids)
    deleted["user_account"] += _rowcount(
        db.execute(
            delete(User).where(User.id.in_(ids)).execution_options(synchronize_session=False)
        )
    )
    return deleted


def _forget_traces(
    db: Session, *, user_ids: list[int], ambassador_ids: list[int], reason: str
) -> Counter[str]:
    """Mail to the accounts goes; the audit's events about them stay, without their details."""
    mail = db.execute(
        delete(OutboxEmail).where(mail_to(user_ids)).execution_options(synchronize_session=False)
    )
    with audit_maintenance(db, reason=reason):
        db.execute(
            update(AuditEvent)
            .where(about_accounts(ambassador_ids=ambassador_ids, user_ids=user_ids))
            .values(details={})
            .execution_options(synchronize_session=False)
        )
    return Counter({OutboxEmail.__tablename__: _rowcount(mail)})


def forget_ambassadors(db: Session, ambassador_ids: Sequence[int], *, reason: str) -> Counter[str]:
    """Delete the ambassadors and their accounts; anonymise those whose matches or meetings
    are still kept (and not anonymised before). Either way the mail to them goes and the
    audit's details about them are emptied (``reason``: as for ``forget_users``). Rows per
    table, and anonymised accounts."""
    done: Counter[str] = Counter({"ambassador": 0, ANONYMISED: 0})
    ids = sorted(set(ambassador_ids))
    if not ids:
        return done
    in_use = exists().where(Match.ambassador_id == Ambassador.id) | exists().where(
        Meeting.ambassador_id == Ambassador.id
    )
    free = db.execute(
        select(Ambassador.id, Ambassador.user_id).where(Ambassador.id.in_(ids), ~in_use)
    ).all()
    busy = db.execute(
        select(Ambassador.id, Ambassador.user_id)
        .join(User, User.id == Ambassador.user_id)
        .where(Ambassador.id.in_(ids), in_use, ~is_anonymised())
    ).all()
    if free or busy:
        done.update(
            _forget_traces(
                db,
                user_ids=[row[1] for row in (*free, *busy)],
                ambassador_ids=[row[0] for row in (*free, *busy)],
                reason=reason,
            )
        )
    if free:
        free_ids = [row[0] for row in free]
        for model in (AmbassadorInterest, AmbassadorCheckIn, AmbassadorCertificate):
            table = model.__table__
            assert isinstance(table, Table)
            done[table.name] += _count(db, table, "ambassador_id", free_ids)
        done["ambassador"] += len(free_ids)
        done.update(_delete_users(db, [row[1] for row in free]))
    if busy:
        _anonymise(db, [row[0] for row in busy], [row[1] for row in busy])
        done[ANONYMISED] += len(busy)
    db.expire_all()
    return done


def _anonymise(db: Session, ambassador_ids: list[int], user_ids: list[int]) -> None:
    for model in (
        AmbassadorInterest,
        AmbassadorCheckIn,
        AmbassadorCertificate,
        PairRule,
        MatchRunPupil,
    ):
        db.execute(
            delete(model)
            .where(model.ambassador_id.in_(ambassador_ids))
            .execution_options(synchronize_session=False)
        )
    for table, column in _owned_by_user():
        db.execute(delete(table).where(table.c[column].in_(user_ids)))
    db.execute(
        update(Ambassador)
        .where(Ambassador.id.in_(ambassador_ids))
        .values(
            former_school_id=None,
            birth_year=None,
            languages=[],
            preferred_grades=[],
            availability=[],
            blackout_dates=[],
            about=None,
            phone=None,
            # A rejection must have a reason (a CHECK constraint); its text goes.
            rejection_reason=case((Ambassador.state == AmbassadorState.REJECTED, ""), else_=None),
            child_certificate_requested_at=None,
            child_certificate_assessor_id=None,
            training_booked_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    for user_id in user_ids:
        db.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                email=anonymous_address(user_id),
                full_name=f"#{user_id}",
                password_hash=None,
                is_active=False,
                last_login_at=None,
                locale=None,
                calendar_token_hash=None,
                calendar_token_created_at=None,
            )
            .execution_options(synchronize_session=False)
        )


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
