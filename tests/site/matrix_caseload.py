"""Authorization-matrix entries for caseloads and check-ins with ambassadors (merged in
authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import COUNSELLOR_ONLY, ENROLMENT_STAFF, Outcome

# The caseload (counts only) is for the school's staff; check-ins name pupils and hold the
# counsellors' notes, so they are the counsellors' alone.
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/followup/caseload"): ENROLMENT_STAFF,
    ("GET", "/followup/check-ins"): COUNSELLOR_ONLY,
    ("POST", "/followup/check-ins"): COUNSELLOR_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
