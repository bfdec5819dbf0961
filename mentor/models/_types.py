"""Column types shared by the model modules."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum
from sqlalchemy.dialects.postgresql import JSONB

from mentor.db import Retention, column_info

# JSON on SQLite, JSONB on PostgreSQL: JSONB has equality (so DISTINCT and UNION over rows work),
# containment (`languages @> '["ar"]'`) and GIN indexes; plain json has none of these.
JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

# Room to grow: a new, longer member must not need a column change on PostgreSQL.
ENUM_LENGTH = 40


def str_enum(enum_class: type[StrEnum], *, name: str) -> Enum:
    """A ``StrEnum`` stored as its *values* in a VARCHAR guarded by a CHECK constraint.

    Not a native PostgreSQL ENUM: the same DDL on SQLite and PostgreSQL, and a new member is a
    one-line migration that replaces the CHECK constraint instead of an ``ALTER TYPE``. ``name``
    names the constraint (``ck_<table>_<name>`` through the naming convention), so it only needs
    to be unique within its table; pass the column name.
    """
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=ENUM_LENGTH,
        values_callable=lambda members: [member.value for member in members],
    )


def personal(retention: Retention) -> dict[str, Any]:
    """``info`` for a column whose value is about an identifiable person (GDPR Art. 4(1))."""
    return column_info(personal=True, retention=retention)


def not_personal(retention: Retention) -> dict[str, Any]:
    """``info`` for a column that says nothing about a person once the personal ones are gone."""
    return column_info(personal=False, retention=retention)
