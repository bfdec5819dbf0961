"""Every personal column is covered by the retention job: its rows are deleted by a rule, or
with the person they belong to (a pupil, an account, an ambassador, a meeting, and what the
database deletes with them), or it points at such a row and is emptied when that row goes
(``ON DELETE SET NULL``). A new table or column holding personal data without a rule fails here.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from mentor.db import Base
from mentor.privacy.retention import FORGOTTEN_WITH_THEIR_PERSON, RULES


def _deleted_tables() -> set[str]:
    """The tables whose rows some rule deletes, directly or by the database's cascades."""
    deleted = {rule.table for rule in RULES} | set(FORGOTTEN_WITH_THEIR_PERSON)
    grew = True
    while grew:
        grew = False
        for table in Base.metadata.sorted_tables:
            if table.name in deleted:
                continue
            if any(
                key.ondelete == "CASCADE" and key.column.table.name in deleted
                for key in table.foreign_keys
            ):
                deleted.add(table.name)
                grew = True
    return deleted


def _emptied_with_its_row(column: Column[object], deleted: set[str]) -> bool:
    return any(
        key.ondelete in ("SET NULL", "CASCADE") and key.column.table.name in deleted
        for key in column.foreign_keys
    )


def _uncovered() -> list[str]:
    deleted = _deleted_tables()
    found = []
    for table in Base.metadata.sorted_tables:
        assert isinstance(table, Table)
        for column in table.columns:
            if not column.info.get("personal"):
                continue
            if table.name in deleted or _emptied_with_its_row(column, deleted):
                continue
            found.append(f"{table.name}.{column.name}")
    return found


def test_every_personal_column_is_covered_by_a_retention_rule() -> None:
    assert _uncovered() == []


def test_the_check_finds_a_table_without_a_rule() -> None:
    extra = Table(
        "shoe_size",
        Base.metadata,
        Column("id", String(10), primary_key=True, info={"personal": True}),
        Column("size", String(10), info={"personal": True}),
    )
    try:
        assert [name for name in _uncovered() if name.startswith("shoe_size.")] == [
            "shoe_size.id",
            "shoe_size.size",
        ]
    finally:
        Base.metadata.remove(extra)
