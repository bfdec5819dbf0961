"""Match run pupils: the rows of a previewed run (proposed pair or reason, alternatives).

Revision ID: 3b0b89148619
Revises: 71d475b902d3
Create Date: 2026-11-28 20:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3b0b89148619"
down_revision: str | Sequence[str] | None = "71d475b902d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_run_pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("ambassador_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "explanation",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "alternatives",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("unmatched_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["ambassador_id"],
            ["ambassador.id"],
            name=op.f("fk_match_run_pupil_ambassador_id_ambassador"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
            name=op.f("fk_match_run_pupil_pupil_id_pupil"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["match_run.id"],
            name=op.f("fk_match_run_pupil_run_id_match_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_run_pupil")),
        sa.UniqueConstraint("run_id", "pupil_id", name=op.f("uq_match_run_pupil_run_id_pupil_id")),
    )
    with op.batch_alter_table("match_run_pupil", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_run_pupil_ambassador_id"), ["ambassador_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_match_run_pupil_pupil_id"), ["pupil_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_run_pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_run_pupil_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_match_run_pupil_ambassador_id"))

    op.drop_table("match_run_pupil")
