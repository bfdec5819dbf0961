"""The audit log is append-only: triggers on SQLite and PostgreSQL refuse to change or delete an
audit event, except while a maintenance switch is on (``mentor.audit.maintenance``: the retention
job and erasure, within their own transaction) and except the database's own SET NULL when the
person an event names is erased.

Revision ID: 5d2e8a7c9b14
Revises: 4b8e2d6f1a93
Create Date: 2026-12-05 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2e8a7c9b14"
down_revision: str | Sequence[str] | None = "4b8e2d6f1a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What may change without the switch: the person columns, to NULL (ON DELETE SET NULL).
_ONLY_PEOPLE_FORGOTTEN_SQLITE = """
    NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.action IS OLD.action
    AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id
    AND NEW.details IS OLD.details AND NEW.ip IS OLD.ip
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.pupil_id IS OLD.pupil_id OR NEW.pupil_id IS NULL)
"""
_ONLY_PEOPLE_FORGOTTEN_POSTGRESQL = """
    NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action
    AND NEW.object_type = OLD.object_type
    AND NEW.object_id IS NOT DISTINCT FROM OLD.object_id
    AND NEW.details IS NOT DISTINCT FROM OLD.details AND NEW.ip IS NOT DISTINCT FROM OLD.ip
    AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.pupil_id IS NOT DISTINCT FROM OLD.pupil_id OR NEW.pupil_id IS NULL)
"""
MESSAGE = "audit_event is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_maintenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_maintenance")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM audit_maintenance) THEN
                    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                END IF;
                IF TG_OP = 'UPDATE' AND {_ONLY_PEOPLE_FORGOTTEN_POSTGRESQL} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{MESSAGE}';
            END
            $$ LANGUAGE plpgsql
            """  # noqa: S608 - built from this file's constants only
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate()"
        )
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC")
    else:
        op.execute(
            f"""
            CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
            WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance)
                AND NOT ({_ONLY_PEOPLE_FORGOTTEN_SQLITE})
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """  # noqa: S608 - built from this file's constants only
        )
        op.execute(
            f"""
            CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
            WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance)
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """  # noqa: S608 - built from this file's constants only
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION audit_event_no_truncate()")
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER audit_event_no_delete")
        op.execute("DROP TRIGGER audit_event_no_update")
    op.drop_table("audit_maintenance")
