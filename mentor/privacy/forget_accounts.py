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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, case, delete, exists, func, select, update
from sqlalchemy.orm import Session

from mentor.db import Base
from mentor.models import (
    Ambassador,
    AmbassadorCertificate,
    AmbassadorCheckIn,
    AmbassadorInterest,
    AmbassadorState,
    Match,
    MatchRunPupil,
    Meeting,
    PairRule,
    User,
)

# How ``forget_ambassadors`` counts the ambassadors it anonymised rather than deleted.
ANONYMISED = "ambassador (anonymised)"

# The e-mail address an anonymised account keeps (the column is unique and required).
ANONYMOUS_DOMAIN = "anonymised.invalid"


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


def forget_users(db: Session, user_ids: Sequence[int]) -> Counter[str]:
    """Delete the accounts (and, by the database's cascades, what is theirs)."""
    deleted: Counter[str] = Counter({"user_account": 0})
    ids = sorted(set(user_ids))
    if not ids:
        return deleted
    for table, column in _owned_by_user():
        deleted[table.name] += _count(db, table, column, ids)
    deleted["user_account"] += _rowcount(
        db.execute(
            delete(User).where(User.id.in_(ids)).execution_options(synchronize_session=False)
        )
    )
    return deleted


def forget_ambassadors(db: Session, ambassador_ids: Sequence[int]) -> Counter[str]:
    """Delete the ambassadors and their accounts; anonymise those whose matches or meetings
    are still kept (and not anonymised before). Rows per table, and anonymised accounts."""
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
    if free:
        free_ids = [row[0] for row in free]
        for model in (AmbassadorInterest, AmbassadorCheckIn, AmbassadorCertificate):
            table = model.__table__
            assert isinstance(table, Table)
            done[table.name] += _count(db, table, "ambassador_id", free_ids)
        done["ambassador"] += len(free_ids)
        done.update(forget_users(db, [row[1] for row in free]))
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
