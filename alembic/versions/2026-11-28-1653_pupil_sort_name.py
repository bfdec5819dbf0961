"""Pupil sort name: the key that lists pupils in Danish alphabetical order.

Adds ``pupil.sort_name`` (first and last name folded so that byte order is Danish order: æ, ø, å
after z, "aa" as "å") and an index for one school's list. Existing rows are filled in here with a
copy of the key as it was written for this revision, so the migration does not change when the
model's function does. Binary collation ("C") on PostgreSQL, where the database's own collation
would ignore the characters the key uses.

Revision ID: 982149ca501d
Revises: 921077cae2d1
Create Date: 2026-11-28 16:53:36.704668
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "982149ca501d"
down_revision: str | Sequence[str] | None = "921077cae2d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LENGTH = 201
_LETTERS = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"})


def _sort_name(first_name: str, last_name: str) -> str:
    folded = unicodedata.normalize("NFC", f"{first_name} {last_name}").strip().casefold()
    folded = folded.replace("aa", "å").translate(_LETTERS)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:LENGTH]


def upgrade() -> None:
    column_type = sa.String(length=LENGTH).with_variant(
        sa.String(length=LENGTH, collation="C"), "postgresql"
    )
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", column_type, nullable=True))

    pupil = sa.table(
        "pupil",
        sa.column("id", sa.Integer()),
        sa.column("first_name", sa.String()),
        sa.column("last_name", sa.String()),
        sa.column("sort_name", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(pupil.c.id, pupil.c.first_name, pupil.c.last_name))
    keys = [{"pupil_id": id_, "key": _sort_name(first, last)} for id_, first, last in rows]
    if keys:
        connection.execute(
            pupil.update()
            .where(pupil.c.id == sa.bindparam("pupil_id"))
            .values(sort_name=sa.bindparam("key")),
            keys,
        )

    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.alter_column("sort_name", existing_type=column_type, nullable=False)
        batch_op.create_index(
            "ix_pupil_school_id_sort_name", ["school_id", "sort_name"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_index("ix_pupil_school_id_sort_name")
        batch_op.drop_column("sort_name")
