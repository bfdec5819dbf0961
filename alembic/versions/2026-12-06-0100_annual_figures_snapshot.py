"""The annual report's figures, kept per school and school year when the retention job deletes
the pupils they were counted from.

Revision ID: 6e3f9b8d2c15
Revises: 5d2e8a7c9b14
Create Date: 2026-12-06 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "6e3f9b8d2c15"
down_revision: str | Sequence[str] | None = "5d2e8a7c9b14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "annual_figures_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.SmallInteger(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("figures", JSON_DOCUMENT, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisation.id"],
            name=op.f("fk_annual_figures_snapshot_school_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_figures_snapshot")),
        sa.UniqueConstraint(
            "school_year",
            "school_id",
            name=op.f("uq_annual_figures_snapshot_school_year_school_id"),
        ),
    )
    op.create_index(
        op.f("ix_annual_figures_snapshot_school_id"),
        "annual_figures_snapshot",
        ["school_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_annual_figures_snapshot_school_id"), table_name="annual_figures_snapshot"
    )
    op.drop_table("annual_figures_snapshot")
