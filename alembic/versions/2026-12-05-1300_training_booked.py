"""When an ambassador's training was booked: a vetting step between the cleared børneattest and
the completed training. Ambassadors already trained count as booked on the day they completed it.

Revision ID: 5b8e2f4c9a17
Revises: e41b7d0c2a95
Create Date: 2026-12-05 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8e2f4c9a17"
down_revision: str | Sequence[str] | None = "e41b7d0c2a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("training_booked_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE ambassador SET training_booked_at = training_completed_at"
        " WHERE training_completed_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        batch_op.drop_column("training_booked_at")
