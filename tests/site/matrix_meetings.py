"""Authorization-matrix entries for the meeting pages (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mentor.models import Role
from tests.site.matrix_calendar import MEETING_PEOPLE
from tests.site.matrix_roles import AMBASSADOR_ONLY, ANONYMOUS, Outcome

# A school's coordinator and the counsellors who follow it.
SCHOOL_STAFF = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.DENY,
    Role.COUNSELLOR.value: Outcome.ALLOW,
    Role.COORDINATOR.value: Outcome.ALLOW,
    Role.AMBASSADOR.value: Outcome.DENY,
}

# "meeting_id" (matrix_calendar) is a meeting at a school none of the matrix's users belongs
# to: the roles that pass the policy then get a 404 (tests/meetings/test_meeting_pages.py).
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/ambassador/meetings"): AMBASSADOR_ONLY,
    ("GET", "/ambassador/meetings/new"): AMBASSADOR_ONLY,
    ("POST", "/ambassador/meetings/new"): AMBASSADOR_ONLY,
    ("GET", "/meetings/{meeting_id:int}"): MEETING_PEOPLE,
    ("POST", "/meetings/{meeting_id:int}/move"): MEETING_PEOPLE,
    ("POST", "/meetings/{meeting_id:int}/cancel"): MEETING_PEOPLE,
    ("POST", "/meetings/{meeting_id:int}/confirm"): MEETING_PEOPLE,
    ("POST", "/meetings/{meeting_id:int}/decline"): MEETING_PEOPLE,
    ("GET", "/school/meetings"): SCHOOL_STAFF,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
