"""The data's generation, so that counted aggregates are reused until the data changes
(mentor.data_generation): a one-row table on SQLite, a sequence on PostgreSQL.

Revision ID: 9a1f4c7e2b05
Revises: 7c3d9e1f2a40
Create Date: 2026-12-05 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a1f4c7e2b05"
down_revision: str | Sequence[str] | None = "7c3d9e1f2a40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE data_generation_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE data_generation_seq")
    op.drop_table("data_generation")
