"""Initial schema: the whole loop, from enrolment to forgetting.

Revision ID: 3f2a9c1e7b40
Revises:
Create Date: 2026-11-28 16:00:00

Written by autogenerate, then read: DateTime columns are plain ``DateTime(timezone=True)`` (the
app's UTCDateTime only converts values); enum columns are VARCHARs with a CHECK constraint, not
native PostgreSQL enums; JSON columns are JSONB on PostgreSQL. The downgrade drops the tables in
reverse dependency order, which drops their indexes with them. Catalogue data (programmes,
interests) is seeded by the app, not here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3f2a9c1e7b40"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSONB on PostgreSQL (equality, containment, GIN indexes), JSON elsewhere.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# Parents before children: upgrade creates them in this order, downgrade drops them in reverse.
TABLES_IN_DEPENDENCY_ORDER = (
    "interest_group",
    "login_attempt",
    "organisation",
    "outbox_email",
    "programme",
    "scoring_model",
    "institution_programme",
    "interest",
    "user_account",
    "account_token",
    "ambassador",
    "counsellor_school",
    "login_session",
    "match_run",
    "pupil",
    "setting",
    "ambassador_interest",
    "audit_event",
    "match",
    "meeting",
    "note",
    "pair_rule",
    "pupil_interest",
    "pupil_programme_interest",
    "feedback",
    "meeting_log",
    "meeting_participant",
    "pupil_link",
)


def upgrade() -> None:
    op.create_table(
        "interest_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=100), nullable=False),
        sa.Column("label_en", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_group")),
        sa.UniqueConstraint("code", name=op.f("uq_interest_group_code")),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index(
        op.f("ix_login_attempt_attempted_at"), "login_attempt", ["attempted_at"], unique=False
    )
    op.create_index(
        "ix_login_attempt_email_hash_attempted_at",
        "login_attempt",
        ["email_hash", "attempted_at"],
        unique=False,
    )
    op.create_index(
        "ix_login_attempt_ip_attempted_at", "login_attempt", ["ip", "attempted_at"], unique=False
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "primary_school",
                "tenth_grade_centre",
                "youth_institution",
                "guidance_unit",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("institution_number", sa.String(length=10), nullable=True),
        sa.Column("municipality_name", sa.String(length=100), nullable=True),
        sa.Column("municipality_code", sa.String(length=3), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "municipality_code IS NULL OR length(municipality_code) = 3",
            name=op.f("ck_organisation_municipality_code"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("code", name=op.f("uq_organisation_code")),
        sa.UniqueConstraint("institution_number", name=op.f("uq_organisation_institution_number")),
    )
    op.create_index(op.f("ix_organisation_kind"), "organisation", ["kind"], unique=False)
    op.create_table(
        "outbox_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("attachments", JSON_DOCUMENT, nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_email_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_email")),
    )
    op.create_index(
        "ix_outbox_email_state_created_at", "outbox_email", ["state", "created_at"], unique=False
    )
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_da", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column(
            "family",
            sa.Enum(
                "gymnasial",
                "vocational",
                "preparatory",
                name="family",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "eud_main_area",
            sa.Enum(
                "care_health_pedagogy",
                "office_trade_business",
                "food_agriculture_experiences",
                "technology_construction_transport",
                name="eud_main_area",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "eud_main_area IS NULL OR family = 'vocational'",
            name=op.f("ck_programme_main_area_only_vocational"),
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name=op.f("ck_programme_valid_period"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("code", name=op.f("uq_programme_code")),
    )
    op.create_table(
        "scoring_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("weights", JSON_DOCUMENT, nullable=False),
        sa.Column("metrics", JSON_DOCUMENT, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_model")),
        sa.UniqueConstraint("version", name=op.f("uq_scoring_model_version")),
    )
    # At most one scoring model in use.
    op.create_index(
        "uq_scoring_model_active",
        "scoring_model",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "institution_programme",
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["organisation.id"],
            name=op.f("fk_institution_programme_institution_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_institution_programme_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "institution_id", "programme_id", name=op.f("pk_institution_programme")
        ),
    )
    op.create_index(
        op.f("ix_institution_programme_programme_id"),
        "institution_programme",
        ["programme_id"],
        unique=False,
    )
    op.create_table(
        "interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=100), nullable=False),
        sa.Column("label_en", sa.String(length=100), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["interest_group.id"], name=op.f("fk_interest_group_id_interest_group")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest")),
        sa.UniqueConstraint("code", name=op.f("uq_interest_code")),
    )
    op.create_index(op.f("ix_interest_group_id"), "interest", ["group_id"], unique=False)
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "counsellor",
                "coordinator",
                "ambassador",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "locale",
            sa.Enum(
                "da", "en", name="locale", native_enum=False, create_constraint=True, length=40
            ),
            nullable=True,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_user_account_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_user_account_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_index(
        op.f("ix_user_account_organisation_id"), "user_account", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_user_account_role"), "user_account", ["role"], unique=False)
    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "invitation",
                "password_reset",
                name="purpose",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_account_token_expires_after_created")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_account_token_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_account_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    op.create_index(
        op.f("ix_account_token_created_by_id"), "account_token", ["created_by_id"], unique=False
    )
    op.create_index(op.f("ix_account_token_user_id"), "account_token", ["user_id"], unique=False)
    op.create_table(
        "ambassador",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("year_of_study", sa.SmallInteger(), nullable=False),
        sa.Column("former_school_id", sa.Integer(), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("languages", JSON_DOCUMENT, nullable=False),
        sa.Column("preferred_grades", JSON_DOCUMENT, nullable=False),
        sa.Column("capacity", sa.SmallInteger(), nullable=False),
        sa.Column("availability", JSON_DOCUMENT, nullable=False),
        sa.Column("about", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "applied",
                "approved",
                "paused",
                "rejected",
                "left",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "child_certificate_status",
            sa.Enum(
                "not_requested",
                "requested",
                "approved",
                "rejected",
                name="child_certificate_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("child_certificate_assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("child_certificate_assessor_id", sa.Integer(), nullable=True),
        sa.Column("training_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "child_certificate_status NOT IN ('approved', 'rejected')"
            " OR child_certificate_assessed_at IS NOT NULL",
            name=op.f("ck_ambassador_child_certificate_assessed"),
        ),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1950 AND 2100",
            name=op.f("ck_ambassador_birth_year"),
        ),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_ambassador_capacity")),
        sa.CheckConstraint(
            "year_of_study BETWEEN 1 AND 6", name=op.f("ck_ambassador_year_of_study")
        ),
        sa.ForeignKeyConstraint(
            ["child_certificate_assessor_id"],
            ["user_account.id"],
            name=op.f("fk_ambassador_child_certificate_assessor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["former_school_id"],
            ["organisation.id"],
            name=op.f("fk_ambassador_former_school_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["organisation.id"],
            name=op.f("fk_ambassador_institution_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_ambassador_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_ambassador_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ambassador")),
        sa.UniqueConstraint("user_id", name=op.f("uq_ambassador_user_id")),
    )
    op.create_index(
        op.f("ix_ambassador_child_certificate_assessor_id"),
        "ambassador",
        ["child_certificate_assessor_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ambassador_former_school_id"), "ambassador", ["former_school_id"], unique=False
    )
    op.create_index(
        op.f("ix_ambassador_institution_id"), "ambassador", ["institution_id"], unique=False
    )
    op.create_index(
        op.f("ix_ambassador_programme_id"), "ambassador", ["programme_id"], unique=False
    )
    op.create_index(op.f("ix_ambassador_state"), "ambassador", ["state"], unique=False)
    op.create_table(
        "counsellor_school",
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["user_account.id"],
            name=op.f("fk_counsellor_school_counsellor_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisation.id"],
            name=op.f("fk_counsellor_school_school_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("counsellor_id", "school_id", name=op.f("pk_counsellor_school")),
    )
    op.create_index(
        op.f("ix_counsellor_school_school_id"), "counsellor_school", ["school_id"], unique=False
    )
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_login_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_session_token_hash")),
    )
    op.create_index(
        op.f("ix_login_session_expires_at"), "login_session", ["expires_at"], unique=False
    )
    op.create_index(op.f("ix_login_session_user_id"), "login_session", ["user_id"], unique=False)
    op.create_table(
        "match_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("scope", JSON_DOCUMENT, nullable=False),
        sa.Column("options", JSON_DOCUMENT, nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "preview",
                "committed",
                "discarded",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("stats", JSON_DOCUMENT, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_run_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_run")),
    )
    op.create_index(
        op.f("ix_match_run_created_by_id"), "match_run", ["created_by_id"], unique=False
    )
    op.create_index(op.f("ix_match_run_state"), "match_run", ["state"], unique=False)
    op.create_table(
        "pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("school_ref", sa.String(length=40), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("class_name", sa.String(length=20), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("guardian_name", sa.String(length=200), nullable=True),
        sa.Column("guardian_email", sa.String(length=254), nullable=True),
        sa.Column("guardian_phone", sa.String(length=30), nullable=True),
        sa.Column("languages", JSON_DOCUMENT, nullable=False),
        sa.Column("availability", JSON_DOCUMENT, nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "archived",
                "anonymised",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("last_school_year", sa.SmallInteger(), nullable=False),
        sa.Column(
            "consent_state",
            sa.Enum(
                "missing",
                "given",
                "refused",
                "withdrawn",
                name="consent_state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("consent_given_by", sa.String(length=200), nullable=True),
        sa.Column(
            "consent_method",
            sa.Enum(
                "paper",
                "email",
                "phone",
                "digital",
                "in_person",
                name="consent_method",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("questionnaire_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "consent_state <> 'given' OR (consent_at IS NOT NULL AND consent_method IS NOT NULL"
            " AND consent_given_by IS NOT NULL)",
            name=op.f("ck_pupil_consent_given_recorded"),
        ),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1990 AND 2100",
            name=op.f("ck_pupil_birth_year"),
        ),
        sa.CheckConstraint("grade BETWEEN 7 AND 10", name=op.f("ck_pupil_grade")),
        sa.CheckConstraint(
            "last_school_year BETWEEN 2000 AND 2100", name=op.f("ck_pupil_last_school_year")
        ),
        sa.ForeignKeyConstraint(
            ["consent_recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_pupil_consent_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["organisation.id"], name=op.f("fk_pupil_school_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupil")),
        sa.UniqueConstraint("school_id", "school_ref", name=op.f("uq_pupil_school_id_school_ref")),
    )
    op.create_index(
        op.f("ix_pupil_consent_recorded_by_id"), "pupil", ["consent_recorded_by_id"], unique=False
    )
    op.create_index(op.f("ix_pupil_consent_state"), "pupil", ["consent_state"], unique=False)
    op.create_index(op.f("ix_pupil_grade"), "pupil", ["grade"], unique=False)
    op.create_index(op.f("ix_pupil_last_school_year"), "pupil", ["last_school_year"], unique=False)
    op.create_index(op.f("ix_pupil_status"), "pupil", ["status"], unique=False)
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", JSON_DOCUMENT, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_setting_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_index(op.f("ix_setting_updated_by_id"), "setting", ["updated_by_id"], unique=False)
    op.create_table(
        "ambassador_interest",
        sa.Column("ambassador_id", sa.Integer(), nullable=False),
        sa.Column("interest_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ambassador_id"],
            ["ambassador.id"],
            name=op.f("fk_ambassador_interest_ambassador_id_ambassador"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interest_id"],
            ["interest.id"],
            name=op.f("fk_ambassador_interest_interest_id_interest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "ambassador_id", "interest_id", name=op.f("pk_ambassador_interest")
        ),
    )
    op.create_index(
        op.f("ix_ambassador_interest_interest_id"),
        "ambassador_interest",
        ["interest_id"],
        unique=False,
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("details", JSON_DOCUMENT, nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_audit_event_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
            name=op.f("fk_audit_event_pupil_id_pupil"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_actor_id"), "audit_event", ["actor_id"], unique=False)
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"], unique=False)
    op.create_index(op.f("ix_audit_event_pupil_id"), "audit_event", ["pupil_id"], unique=False)
    op.create_table(
        "match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("ambassador_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "proposed",
                "accepted",
                "declined",
                "closed",
                "withdrawn",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("explanation", JSON_DOCUMENT, nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "close_reason",
            sa.Enum(
                "applied",
                "moved",
                "no_longer_wanted",
                "ambassador_left",
                "other",
                name="close_reason",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state <> 'closed' OR (closed_at IS NOT NULL AND close_reason IS NOT NULL)",
            name=op.f("ck_match_closed_has_reason"),
        ),
        sa.CheckConstraint(
            "state <> 'declined' OR responded_at IS NOT NULL", name=op.f("ck_match_declined_at")
        ),
        sa.ForeignKeyConstraint(
            ["ambassador_id"], ["ambassador.id"], name=op.f("fk_match_ambassador_id_ambassador")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_closed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_match_pupil_id_pupil"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["match_run.id"],
            name=op.f("fk_match_run_id_match_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match")),
    )
    op.create_index(
        "ix_match_ambassador_id_state", "match", ["ambassador_id", "state"], unique=False
    )
    op.create_index(op.f("ix_match_closed_by_id"), "match", ["closed_by_id"], unique=False)
    op.create_index(op.f("ix_match_created_by_id"), "match", ["created_by_id"], unique=False)
    op.create_index(op.f("ix_match_pupil_id"), "match", ["pupil_id"], unique=False)
    op.create_index(op.f("ix_match_run_id"), "match", ["run_id"], unique=False)
    op.create_index("ix_match_state_proposed_at", "match", ["state", "proposed_at"], unique=False)
    # At most one open match per pupil, even when two counsellors commit at once.
    op.create_index(
        "uq_match_pupil_id_open",
        "match",
        ["pupil_id"],
        unique=True,
        sqlite_where=sa.text("state IN ('proposed', 'accepted')"),
        postgresql_where=sa.text("state IN ('proposed', 'accepted')"),
    )
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ambassador_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "one_to_one",
                "small_group",
                "institution_visit",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "scheduled",
                "held",
                "cancelled",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("uid", sa.String(length=100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_meeting_ends_after_start")),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_meeting_sequence")),
        sa.ForeignKeyConstraint(
            ["ambassador_id"], ["ambassador.id"], name=op.f("fk_meeting_ambassador_id_ambassador")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_meeting_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        sa.UniqueConstraint("uid", name=op.f("uq_meeting_uid")),
    )
    op.create_index(
        "ix_meeting_ambassador_id_starts_at",
        "meeting",
        ["ambassador_id", "starts_at"],
        unique=False,
    )
    op.create_index(op.f("ix_meeting_created_by_id"), "meeting", ["created_by_id"], unique=False)
    op.create_index("ix_meeting_state_starts_at", "meeting", ["state", "starts_at"], unique=False)
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_note_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_note_pupil_id_pupil"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    op.create_index(op.f("ix_note_author_id"), "note", ["author_id"], unique=False)
    op.create_index(op.f("ix_note_created_at"), "note", ["created_at"], unique=False)
    op.create_index(op.f("ix_note_pupil_id"), "note", ["pupil_id"], unique=False)
    op.create_table(
        "pair_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("ambassador_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "locked",
                "forbidden",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ambassador_id"],
            ["ambassador.id"],
            name=op.f("fk_pair_rule_ambassador_id_ambassador"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_pair_rule_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_pair_rule_pupil_id_pupil"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_rule")),
        sa.UniqueConstraint(
            "pupil_id", "ambassador_id", name=op.f("uq_pair_rule_pupil_id_ambassador_id")
        ),
    )
    op.create_index(
        op.f("ix_pair_rule_ambassador_id"), "pair_rule", ["ambassador_id"], unique=False
    )
    op.create_index(
        op.f("ix_pair_rule_created_by_id"), "pair_rule", ["created_by_id"], unique=False
    )
    op.create_table(
        "pupil_interest",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("interest_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interest_id"],
            ["interest.id"],
            name=op.f("fk_pupil_interest_interest_id_interest"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
            name=op.f("fk_pupil_interest_pupil_id_pupil"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pupil_id", "interest_id", name=op.f("pk_pupil_interest")),
    )
    op.create_index(
        op.f("ix_pupil_interest_interest_id"), "pupil_interest", ["interest_id"], unique=False
    )
    op.create_table(
        "pupil_programme_interest",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("rank BETWEEN 1 AND 5", name=op.f("ck_pupil_programme_interest_rank")),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_pupil_programme_interest_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
            name=op.f("fk_pupil_programme_interest_pupil_id_pupil"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "pupil_id", "programme_id", name=op.f("pk_pupil_programme_interest")
        ),
        sa.UniqueConstraint(
            "pupil_id", "rank", name=op.f("uq_pupil_programme_interest_pupil_id_rank")
        ),
    )
    op.create_index(
        op.f("ix_pupil_programme_interest_programme_id"),
        "pupil_programme_interest",
        ["programme_id"],
        unique=False,
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_feedback_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_feedback_pupil_id_pupil"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("meeting_id", "pupil_id", name=op.f("uq_feedback_meeting_id_pupil_id")),
    )
    op.create_index(op.f("ix_feedback_pupil_id"), "feedback", ["pupil_id"], unique=False)
    op.create_index(op.f("ix_feedback_rating"), "feedback", ["rating"], unique=False)
    op.create_table(
        "meeting_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("topics", JSON_DOCUMENT, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("needs_follow_up", sa.Boolean(), nullable=False),
        sa.Column("follow_up_resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("logged_by_id", sa.Integer(), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["logged_by_id"],
            ["user_account.id"],
            name=op.f("fk_meeting_log_logged_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_log_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_log")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_meeting_log_meeting_id")),
    )
    op.create_index(
        op.f("ix_meeting_log_logged_by_id"), "meeting_log", ["logged_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_meeting_log_needs_follow_up"), "meeting_log", ["needs_follow_up"], unique=False
    )
    op.create_table(
        "meeting_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column(
            "attendance",
            sa.Enum(
                "unknown",
                "attended",
                "absent",
                name="attendance",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_meeting_participant_match_id_match"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_participant_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
            name=op.f("fk_meeting_participant_pupil_id_pupil"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participant")),
        sa.UniqueConstraint(
            "meeting_id", "pupil_id", name=op.f("uq_meeting_participant_meeting_id_pupil_id")
        ),
    )
    op.create_index(
        op.f("ix_meeting_participant_match_id"), "meeting_participant", ["match_id"], unique=False
    )
    op.create_index(
        op.f("ix_meeting_participant_pupil_id"), "meeting_participant", ["pupil_id"], unique=False
    )
    op.create_table(
        "pupil_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "questionnaire",
                "feedback",
                name="purpose",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose <> 'feedback' OR meeting_id IS NOT NULL",
            name=op.f("ck_pupil_link_feedback_has_meeting"),
        ),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_pupil_link_expires_after_created")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_pupil_link_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
            name=op.f("fk_pupil_link_pupil_id_pupil"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupil_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_pupil_link_token_hash")),
    )
    op.create_index(op.f("ix_pupil_link_expires_at"), "pupil_link", ["expires_at"], unique=False)
    op.create_index(op.f("ix_pupil_link_meeting_id"), "pupil_link", ["meeting_id"], unique=False)
    op.create_index(op.f("ix_pupil_link_pupil_id"), "pupil_link", ["pupil_id"], unique=False)


def downgrade() -> None:
    for table in reversed(TABLES_IN_DEPENDENCY_ORDER):
        op.drop_table(table)
