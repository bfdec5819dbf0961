"""Pupil contact and questionnaire answers; revocable pupil links.

Adds the pupil's own e-mail (questionnaire links can go to it), two questionnaire answers (what to
talk about; whether an ambassador from the pupil's own school is wanted) and ``revoked_at`` on
pupil links. All nullable: existing rows need no values.

Revision ID: 921077cae2d1
Revises: 3f2a9c1e7b40
Create Date: 2026-11-28 16:48:12.045344
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "921077cae2d1"
down_revision: str | Sequence[str] | None = "3f2a9c1e7b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("conversation_wish", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("wants_alumnus", sa.Boolean(), nullable=True))

    with op.batch_alter_table("pupil_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pupil_link", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")

    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_column("wants_alumnus")
        batch_op.drop_column("conversation_wish")
        batch_op.drop_column("email")
