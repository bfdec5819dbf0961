"""Follow-up: check-ins with ambassadors, exit answers, the school year's key dates, digest
deliveries, ambassadors' certificates; a resolved follow-up flag's note and resolver; exit-question
links (a pupil link's purpose "exit", tied to the closed match).

Revision ID: e41b7d0c2a95
Revises: c7d2e5a91f04
Create Date: 2026-12-05 09:48:57.138394
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e41b7d0c2a95"
down_revision: str | Sequence[str] | None = "c7d2e5a91f04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school_year_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.SmallInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "readiness_assessment",
                "applications_open",
                "application_deadline",
                "bridging",
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
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_school_year_date_ends_after_start")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_year_date")),
    )
    with op.batch_alter_table("school_year_date", schema=None) as batch_op:
        batch_op.create_index(
            "ix_school_year_date_school_year_kind", ["school_year", "kind"], unique=False
        )

    op.create_table(
        "digest_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_digest_delivery_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_delivery")),
        sa.UniqueConstraint("user_id", "week", name=op.f("uq_digest_delivery_user_id_week")),
    )
    op.create_table(
        "ambassador_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ambassador_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("meetings", sa.Integer(), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "meetings >= 0 AND pupils >= 0 AND minutes >= 0",
            name=op.f("ck_ambassador_certificate_counts"),
        ),
        sa.CheckConstraint(
            "period_to >= period_from", name=op.f("ck_ambassador_certificate_period")
        ),
        sa.ForeignKeyConstraint(
            ["ambassador_id"],
            ["ambassador.id"],
            name=op.f("fk_ambassador_certificate_ambassador_id_ambassador"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_ambassador_certificate_issued_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ambassador_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_ambassador_certificate_code")),
    )
    with op.batch_alter_table("ambassador_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ambassador_certificate_ambassador_id"), ["ambassador_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ambassador_certificate_issued_by_id"), ["issued_by_id"], unique=False
        )

    op.create_table(
        "ambassador_check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ambassador_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "phone",
                "email",
                "meeting",
                "message",
                "other",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ambassador_id"],
            ["ambassador.id"],
            name=op.f("fk_ambassador_check_in_ambassador_id_ambassador"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_ambassador_check_in_match_id_match"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["user_account.id"],
            name=op.f("fk_ambassador_check_in_staff_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ambassador_check_in")),
    )
    with op.batch_alter_table("ambassador_check_in", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ambassador_check_in_ambassador_id"), ["ambassador_id"], unique=False
        )
        batch_op.create_index(
            "ix_ambassador_check_in_match_id_at", ["match_id", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ambassador_check_in_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "exit_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column(
            "respondent",
            sa.Enum(
                "pupil",
                "ambassador",
                name="respondent",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_exit_answer_rating")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_exit_answer_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_answer")),
        sa.UniqueConstraint(
            "match_id", "respondent", name=op.f("uq_exit_answer_match_id_respondent")
        ),
    )
    with op.batch_alter_table("meeting_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_up_resolved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_resolution", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_meeting_log_follow_up_resolved_by_id"),
            ["follow_up_resolved_by_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_log_follow_up_resolved_by_id_user_account"),
            "user_account",
            ["follow_up_resolved_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("pupil_link", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_pupil_link_purpose"), type_="check")
        batch_op.create_check_constraint(
            "purpose", "purpose IN ('questionnaire', 'feedback', 'exit')"
        )
        batch_op.add_column(sa.Column("match_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "exit_has_match", "purpose <> 'exit' OR match_id IS NOT NULL"
        )
        batch_op.create_index(batch_op.f("ix_pupil_link_match_id"), ["match_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_pupil_link_match_id_match"),
            "match",
            ["match_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    op.execute("DELETE FROM pupil_link WHERE purpose = 'exit'")
    with op.batch_alter_table("pupil_link", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_pupil_link_exit_has_match"), type_="check")
        batch_op.drop_constraint(op.f("ck_pupil_link_purpose"), type_="check")
        batch_op.create_check_constraint("purpose", "purpose IN ('questionnaire', 'feedback')")
        batch_op.drop_constraint(batch_op.f("fk_pupil_link_match_id_match"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_pupil_link_match_id"))
        batch_op.drop_column("match_id")

    with op.batch_alter_table("meeting_log", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_meeting_log_follow_up_resolved_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_meeting_log_follow_up_resolved_by_id"))
        batch_op.drop_column("follow_up_resolution")
        batch_op.drop_column("follow_up_resolved_by_id")

    op.drop_table("exit_answer")
    with op.batch_alter_table("ambassador_check_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ambassador_check_in_staff_id"))
        batch_op.drop_index("ix_ambassador_check_in_match_id_at")
        batch_op.drop_index(batch_op.f("ix_ambassador_check_in_ambassador_id"))

    op.drop_table("ambassador_check_in")
    with op.batch_alter_table("ambassador_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ambassador_certificate_issued_by_id"))
        batch_op.drop_index(batch_op.f("ix_ambassador_certificate_ambassador_id"))

    op.drop_table("ambassador_certificate")
    op.drop_table("digest_delivery")
    with op.batch_alter_table("school_year_date", schema=None) as batch_op:
        batch_op.drop_index("ix_school_year_date_school_year_kind")

    op.drop_table("school_year_date")
