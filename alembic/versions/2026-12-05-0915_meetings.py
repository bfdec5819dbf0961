"""Meetings: scheduling, the school-year calendar, logs with follow-up, feedback, calendar feeds.

Meetings get a place (the school, the institution, online), the participants' school, a
coordinator's confirmation, cancellation details and the log nudges' count; participants repeat
their meeting's time so that PostgreSQL can refuse double booking by exclusion constraints (a
pupil's, and on the meeting an ambassador's, booked meetings never overlap); the attendance
"attended" becomes "present" and "cancelled late" is added; logs get a follow-up priority and
reason; feedback asks whether the meeting helped. New: the school-year calendar (holidays, exam
weeks, blackout dates), meeting topics, each school's hours and whether it confirms meetings,
the personal calendar feed's token hash, and when a coordinator handed a match over.

The meeting tables had no writer before this revision, so the new required columns need no
values for old rows.

Revision ID: c7d2e5a91f04
Revises: 3b0b89148619
Create Date: 2026-12-05 08:47:45.983827
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import Text

revision: str = "c7d2e5a91f04"
down_revision: str | Sequence[str] | None = "3b0b89148619"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


MEETING_STATES = ("pending", "scheduled", "held", "declined", "cancelled")
OLD_MEETING_STATES = ("scheduled", "held", "cancelled")
ATTENDANCE = ("unknown", "present", "absent", "cancelled_late")
OLD_ATTENDANCE = ("unknown", "attended", "absent")
BOOKED = "state IN ('pending', 'scheduled', 'held')"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    op.create_table(
        "meeting_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=100), nullable=False),
        sa.Column("label_en", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_topic")),
        sa.UniqueConstraint("code", name=op.f("uq_meeting_topic_code")),
    )
    op.create_table(
        "calendar_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "holiday",
                "exams",
                "blackout",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name_da", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_calendar_entry_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisation.id"],
            name=op.f("fk_calendar_entry_school_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_entry")),
    )
    with op.batch_alter_table("calendar_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calendar_entry_ends_on_starts_on", ["ends_on", "starts_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_entry_school_id"), ["school_id"], unique=False
        )

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "helped",
                sa.Enum(
                    "yes",
                    "partly",
                    "no",
                    name="helped",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=False,
            )
        )

    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meeting_state"), type_="check")
        batch_op.create_check_constraint("state", f"state IN ({_in(MEETING_STATES)})")
        batch_op.add_column(sa.Column("school_id", sa.Integer(), nullable=False))
        batch_op.add_column(
            sa.Column(
                "place",
                sa.Enum(
                    "school",
                    "institution",
                    "online",
                    name="place",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("online_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("log_nudges_sent", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("log_overdue_reported_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_cancelled_by_id"), ["cancelled_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_confirmed_by_id"), ["confirmed_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_meeting_school_id_starts_at", ["school_id", "starts_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_confirmed_by_id_user_account"),
            "user_account",
            ["confirmed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_cancelled_by_id_user_account"),
            "user_account",
            ["cancelled_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_school_id_organisation"), "organisation", ["school_id"], ["id"]
        )
        batch_op.create_check_constraint(
            "online_has_link", "place <> 'online' OR online_url IS NOT NULL"
        )
        batch_op.create_check_constraint(
            "ended_has_time", "state NOT IN ('declined', 'cancelled') OR cancelled_at IS NOT NULL"
        )
        batch_op.create_check_constraint("log_nudges_sent", "log_nudges_sent BETWEEN 0 AND 2")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.alter_column("log_nudges_sent", server_default=None)

    with op.batch_alter_table("meeting_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "follow_up_priority",
                sa.Enum(
                    "low",
                    "normal",
                    "high",
                    name="follow_up_priority",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("follow_up_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            "follow_up_has_priority_and_reason",
            "NOT needs_follow_up OR (follow_up_priority IS NOT NULL"
            " AND follow_up_reason IS NOT NULL)",
        )

    op.execute(
        "UPDATE meeting_participant SET attendance = 'present' WHERE attendance = 'attended'"
    )
    with op.batch_alter_table("meeting_participant", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meeting_participant_attendance"), type_="check")
        batch_op.create_check_constraint("attendance", f"attendance IN ({_in(ATTENDANCE)})")
        batch_op.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False))
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False))
        batch_op.add_column(sa.Column("booked", sa.Boolean(), nullable=False))
        batch_op.drop_index(batch_op.f("ix_meeting_participant_pupil_id"))
        batch_op.create_index(
            "ix_meeting_participant_pupil_id_starts_at", ["pupil_id", "starts_at"], unique=False
        )
        batch_op.create_check_constraint("ends_after_start", "ends_at > starts_at")

    if op.get_bind().dialect.name == "postgresql":
        # No double booking, held by the database too. A range of one integer stands in for
        # equality so that no extension (btree_gist) is needed; '[)' ranges let one meeting
        # start when another ends.
        op.execute(
            "ALTER TABLE meeting ADD CONSTRAINT ex_meeting_ambassador_overlap EXCLUDE USING gist"
            " (int4range(ambassador_id, ambassador_id, '[]') WITH =,"
            f" tstzrange(starts_at, ends_at) WITH &&) WHERE ({BOOKED})"
        )
        op.execute(
            "ALTER TABLE meeting_participant ADD CONSTRAINT ex_meeting_participant_pupil_overlap"
            " EXCLUDE USING gist (int4range(pupil_id, pupil_id, '[]') WITH =,"
            " tstzrange(starts_at, ends_at) WITH &&) WHERE (booked)"
        )

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "school_hours",
                sa.JSON(none_as_null=True).with_variant(
                    postgresql.JSONB(none_as_null=True, astext_type=Text()), "postgresql"
                ),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.add_column(
            sa.Column(
                "meeting_confirmation_required",
                sa.Boolean(),
                nullable=False,
                server_default=sa.true(),
            )
        )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.alter_column("school_hours", server_default=None)
        batch_op.alter_column("meeting_confirmation_required", server_default=None)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("calendar_token_created_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_calendar_token_hash"), ["calendar_token_hash"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE meeting_participant DROP CONSTRAINT ex_meeting_participant_pupil_overlap"
        )
        op.execute("ALTER TABLE meeting DROP CONSTRAINT ex_meeting_ambassador_overlap")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_calendar_token_hash"), type_="unique")
        batch_op.drop_column("calendar_token_created_at")
        batch_op.drop_column("calendar_token_hash")

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("meeting_confirmation_required")
        batch_op.drop_column("school_hours")

    op.execute(
        "UPDATE meeting_participant SET attendance = CASE attendance"
        " WHEN 'present' THEN 'attended' WHEN 'cancelled_late' THEN 'absent' ELSE attendance END"
    )
    with op.batch_alter_table("meeting_participant", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meeting_participant_ends_after_start"), type_="check")
        batch_op.drop_constraint(op.f("ck_meeting_participant_attendance"), type_="check")
        batch_op.create_check_constraint("attendance", f"attendance IN ({_in(OLD_ATTENDANCE)})")
        batch_op.drop_index("ix_meeting_participant_pupil_id_starts_at")
        batch_op.create_index(
            batch_op.f("ix_meeting_participant_pupil_id"), ["pupil_id"], unique=False
        )
        batch_op.drop_column("booked")
        batch_op.drop_column("ends_at")
        batch_op.drop_column("starts_at")

    with op.batch_alter_table("meeting_log", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_meeting_log_follow_up_has_priority_and_reason"), type_="check"
        )
        batch_op.drop_constraint(op.f("ck_meeting_log_follow_up_priority"), type_="check")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("follow_up_reason")
        batch_op.drop_column("follow_up_priority")

    # The old states have no "pending" or "declined": such a meeting did not take place.
    op.execute("UPDATE meeting SET state = 'cancelled' WHERE state IN ('pending', 'declined')")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meeting_state"), type_="check")
        batch_op.create_check_constraint("state", f"state IN ({_in(OLD_MEETING_STATES)})")
        batch_op.drop_constraint(op.f("ck_meeting_online_has_link"), type_="check")
        batch_op.drop_constraint(op.f("ck_meeting_ended_has_time"), type_="check")
        batch_op.drop_constraint(op.f("ck_meeting_log_nudges_sent"), type_="check")
        batch_op.drop_constraint(op.f("ck_meeting_place"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_meeting_school_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_meeting_cancelled_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_meeting_confirmed_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_index("ix_meeting_school_id_starts_at")
        batch_op.drop_index(batch_op.f("ix_meeting_confirmed_by_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_cancelled_by_id"))
        batch_op.drop_column("log_overdue_reported_at")
        batch_op.drop_column("log_nudges_sent")
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("confirmed_by_id")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("online_url")
        batch_op.drop_column("place")
        batch_op.drop_column("school_id")

    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_column("handed_over_at")

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_feedback_helped"), type_="check")
        batch_op.drop_column("helped")

    with op.batch_alter_table("calendar_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_entry_school_id"))
        batch_op.drop_index("ix_calendar_entry_ends_on_starts_on")

    op.drop_table("calendar_entry")
    op.drop_table("meeting_topic")
