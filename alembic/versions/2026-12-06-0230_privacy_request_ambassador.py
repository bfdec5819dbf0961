"""A request for access or erasure may concern an ambassador.

Revision ID: 9c6d2e1f5a48
Revises: 8a5b1d0f4e37
Create Date: 2026-12-06 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c6d2e1f5a48"
down_revision: str | Sequence[str] | None = "8a5b1d0f4e37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("privacy_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ambassador_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_privacy_request_ambassador_id"), ["ambassador_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_privacy_request_ambassador_id_ambassador"),
            "ambassador",
            ["ambassador_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("privacy_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_privacy_request_ambassador_id_ambassador"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_privacy_request_ambassador_id"))
        batch_op.drop_column("ambassador_id")
