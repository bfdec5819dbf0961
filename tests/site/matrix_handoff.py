"""Authorization-matrix entries for passing new matches on to pupils (merged in
authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import ENROLMENT_STAFF, Outcome

# The school's staff: a coordinator for the own school, a counsellor for the caseload's schools.
# "match_id" comes from matrix_proposals: a proposal at some other school, so staff get through
# the policy and then a 404 (tests/matches/test_handoff.py).
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/school/matches"): ENROLMENT_STAFF,
    ("GET", "/school/matches/{match_id:int}/note"): ENROLMENT_STAFF,
    ("POST", "/school/matches/{match_id:int}/handed-over"): ENROLMENT_STAFF,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
