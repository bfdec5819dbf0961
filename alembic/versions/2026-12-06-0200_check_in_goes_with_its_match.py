"""A counsellor's check-in about a match goes with the match: when a pupil is erased or past
retention, their matches go and so do the notes about them (they may name the pupil).

Revision ID: 8a5b1d0f4e37
Revises: 7f4a0c9e3d26
Create Date: 2026-12-06 02:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8a5b1d0f4e37"
down_revision: str | Sequence[str] | None = "7f4a0c9e3d26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "fk_ambassador_check_in_match_id_match"


def _match_key(ondelete: str) -> None:
    with op.batch_alter_table("ambassador_check_in", schema=None) as batch_op:
        batch_op.drop_constraint(NAME, type_="foreignkey")
        batch_op.create_foreign_key(NAME, "match", ["match_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    _match_key("CASCADE")


def downgrade() -> None:
    _match_key("SET NULL")
