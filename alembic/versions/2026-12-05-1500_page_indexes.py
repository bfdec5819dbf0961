"""Indexes that fit the filters and orders of the staff pages, measured in bench/web_bench.py.

Revision ID: 7c3d9e1f2a40
Revises: 5b8e2f4c9a17
Create Date: 2026-12-05 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c3d9e1f2a40"
down_revision: str | Sequence[str] | None = "5b8e2f4c9a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # --- pupil pages (list, search, pupil page) ---
    # The list of many schools and its name search: ids, count and LIKE from the index alone.
    op.create_index(
        "ix_pupil_status_sort_name_id_school_id",
        "pupil",
        ["status", "sort_name", "id", "school_id"],
    )
    # The list's class options: distinct classes without reading a row.
    op.create_index(
        "ix_pupil_status_class_name_school_id", "pupil", ["status", "class_name", "school_id"]
    )
    # --- other staff pages (homes, follow-up, matching, meetings, exports) ---
    # The schools' meeting lists: meetings that ended a week ago or later, a range per school.
    op.create_index("ix_meeting_school_id_ends_at", "meeting", ["school_id", "ends_at"])
    # The "not logged" queue: ended meetings of a state, their school read from the index.
    op.create_index(
        "ix_meeting_state_ends_at_school_id", "meeting", ["state", "ends_at", "school_id"]
    )
    # Whether a pupil has an open match, without reading the match row.
    op.create_index("ix_match_pupil_id_state", "match", ["pupil_id", "state"])
    # Matches accepted before or after a day (no meeting yet, recently accepted) and their pupils.
    op.create_index(
        "ix_match_state_responded_at_pupil_id", "match", ["state", "responded_at", "pupil_id"]
    )
    # The caseload's "met at least once": a pupil's present participations and their meetings.
    op.create_index(
        "ix_meeting_participant_pupil_id_attendance_meeting_id",
        "meeting_participant",
        ["pupil_id", "attendance", "meeting_id"],
    )
    # The "low feedback" queue: ratings 1 and 2 of recent days, with their meetings.
    op.create_index(
        "ix_feedback_rating_submitted_at_meeting_id",
        "feedback",
        ["rating", "submitted_at", "meeting_id"],
    )


def downgrade() -> None:
    # --- other staff pages ---
    op.drop_index("ix_feedback_rating_submitted_at_meeting_id", table_name="feedback")
    op.drop_index(
        "ix_meeting_participant_pupil_id_attendance_meeting_id", table_name="meeting_participant"
    )
    op.drop_index("ix_match_state_responded_at_pupil_id", table_name="match")
    op.drop_index("ix_match_pupil_id_state", table_name="match")
    op.drop_index("ix_meeting_state_ends_at_school_id", table_name="meeting")
    op.drop_index("ix_meeting_school_id_ends_at", table_name="meeting")
    # --- pupil pages ---
    op.drop_index("ix_pupil_status_class_name_school_id", table_name="pupil")
    op.drop_index("ix_pupil_status_sort_name_id_school_id", table_name="pupil")
