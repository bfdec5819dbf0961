"""The ambassador vetting pipeline, profile details, decline reasons and proposal reminders.

The ambassador's state becomes the whole vetting pipeline (applied → approved → certificate
requested → certificate cleared → trained → active; paused, left, rejected), so the separate
børneattest status column goes: existing rows are mapped onto the pipeline from their state, their
certificate status and their training date, and back again on downgrade. Also: blackout dates,
phone and contact preference, a rejection reason; a decline category, an ``expired`` match state
and the reminder stamp on matches; a table counting rate-limited public actions.

Revision ID: 71d475b902d3
Revises: 982149ca501d
Create Date: 2026-11-28 17:37:50.505605
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import Text

revision: str = "71d475b902d3"
down_revision: str | Sequence[str] | None = "982149ca501d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NEW_STATES = (
    "applied",
    "approved",
    "certificate_requested",
    "certificate_cleared",
    "trained",
    "active",
    "paused",
    "left",
    "rejected",
)
OLD_STATES = ("applied", "approved", "paused", "rejected", "left")
MATCH_STATES = ("proposed", "accepted", "declined", "closed", "withdrawn", "expired")
OLD_MATCH_STATES = ("proposed", "accepted", "declined", "closed", "withdrawn")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=Text()), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "rate_limit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=40), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_event")),
    )
    with op.batch_alter_table("rate_limit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_event_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_rate_limit_event_bucket_key_hash_at", ["bucket", "key_hash", "at"], unique=False
        )

    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ambassador_state"), type_="check")
        batch_op.drop_constraint(op.f("ck_ambassador_child_certificate_assessed"), type_="check")
        batch_op.add_column(
            sa.Column("blackout_dates", _json(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("phone", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column(
                "contact_preference", sa.String(length=40), nullable=False, server_default="email"
            )
        )
        batch_op.add_column(sa.Column("rejection_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("child_certificate_requested_at", sa.DateTime(timezone=True), nullable=True)
        )

    # Map the old state and certificate status onto the pipeline.
    op.execute(
        "UPDATE ambassador SET state = CASE"
        " WHEN child_certificate_status = 'rejected' THEN 'rejected'"
        " WHEN child_certificate_status = 'approved' AND training_completed_at IS NOT NULL"
        " THEN 'active'"
        " WHEN child_certificate_status = 'approved' THEN 'certificate_cleared'"
        " WHEN child_certificate_status = 'requested' THEN 'certificate_requested'"
        " ELSE 'approved' END"
        " WHERE state = 'approved'"
    )
    op.execute(
        "UPDATE ambassador SET rejection_reason = 'Ikke angivet (før sporet af årsager)'"
        " WHERE state = 'rejected' AND rejection_reason IS NULL"
    )

    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ambassador_child_certificate_status"), type_="check")
        batch_op.drop_column("child_certificate_status")
        batch_op.alter_column("blackout_dates", server_default=None)
        batch_op.alter_column("contact_preference", server_default=None)
        batch_op.create_check_constraint("state", f"state IN ({_in(NEW_STATES)})")
        batch_op.create_check_constraint(
            "contact_preference", "contact_preference IN ('email', 'phone', 'sms')"
        )
        batch_op.create_check_constraint("capacity_at_most_5", "capacity <= 5")
        batch_op.create_check_constraint(
            "child_certificate_assessed",
            "state NOT IN ('certificate_cleared', 'trained', 'active')"
            " OR child_certificate_assessed_at IS NOT NULL",
        )
        batch_op.create_check_constraint(
            "training_completed",
            "state NOT IN ('trained', 'active') OR training_completed_at IS NOT NULL",
        )
        batch_op.create_check_constraint(
            "rejected", "state <> 'rejected' OR rejection_reason IS NOT NULL"
        )

    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_state"), type_="check")
        batch_op.create_check_constraint("state", f"state IN ({_in(MATCH_STATES)})")
        batch_op.add_column(
            sa.Column(
                "decline_category",
                sa.Enum(
                    "no_capacity",
                    "poor_fit",
                    "know_the_pupil",
                    "schedule",
                    "other",
                    name="decline_category",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    op.execute("UPDATE match SET state = 'declined' WHERE state = 'expired'")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_column("reminder_sent_at")
        batch_op.drop_constraint(op.f("ck_match_decline_category"), type_="check")
        batch_op.drop_column("decline_category")
        batch_op.drop_constraint(op.f("ck_match_state"), type_="check")
        batch_op.create_check_constraint("state", f"state IN ({_in(OLD_MATCH_STATES)})")

    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        for name in (
            "state",
            "contact_preference",
            "capacity_at_most_5",
            "child_certificate_assessed",
            "training_completed",
            "rejected",
        ):
            batch_op.drop_constraint(op.f(f"ck_ambassador_{name}"), type_="check")
        batch_op.add_column(
            sa.Column(
                "child_certificate_status",
                sa.String(length=40),
                nullable=False,
                server_default="not_requested",
            )
        )
    op.execute(
        "UPDATE ambassador SET child_certificate_status = CASE"
        " WHEN state IN ('certificate_cleared', 'trained', 'active') THEN 'approved'"
        " WHEN state = 'certificate_requested' THEN 'requested'"
        " ELSE 'not_requested' END"
    )
    op.execute(
        "UPDATE ambassador SET state = 'approved' WHERE state IN"
        " ('certificate_requested', 'certificate_cleared', 'trained', 'active')"
    )
    with op.batch_alter_table("ambassador", schema=None) as batch_op:
        batch_op.alter_column("child_certificate_status", server_default=None)
        batch_op.create_check_constraint("state", f"state IN ({_in(OLD_STATES)})")
        batch_op.create_check_constraint(
            "child_certificate_status",
            "child_certificate_status IN ('not_requested', 'requested', 'approved', 'rejected')",
        )
        batch_op.create_check_constraint(
            "child_certificate_assessed",
            "child_certificate_status NOT IN ('approved', 'rejected')"
            " OR child_certificate_assessed_at IS NOT NULL",
        )
        batch_op.drop_column("child_certificate_requested_at")
        batch_op.drop_column("rejection_reason")
        batch_op.drop_column("contact_preference")
        batch_op.drop_column("phone")
        batch_op.drop_column("blackout_dates")

    with op.batch_alter_table("rate_limit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_event_bucket_key_hash_at")
        batch_op.drop_index(batch_op.f("ix_rate_limit_event_at"))

    op.drop_table("rate_limit_event")
