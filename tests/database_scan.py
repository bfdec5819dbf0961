"""Where a value stands in the database: every text or JSON column of every table, searched."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, Text, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from mentor.db import Base


def _scanned(column_type: object) -> bool:
    return isinstance(column_type, String | Text | JSON)


def columns_holding(db: Session, needles: Iterable[str]) -> set[tuple[str, str]]:
    """Every (table, column) of text or JSON where a value holds one of ``needles`` (in lower
    case: the search ignores case)."""
    db.expire_all()
    wanted = [needle.lower() for needle in needles]
    found = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not _scanned(column.type):
                continue
            text = func.lower(cast(column, Text()))
            hit = or_(*(text.contains(needle, autoescape=True) for needle in wanted))
            if db.scalar(select(func.count()).select_from(table).where(hit)):
                found.add((table.name, column.name))
    return found
