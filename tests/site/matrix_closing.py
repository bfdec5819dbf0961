"""Authorization-matrix entries for ending matches (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import COUNSELLOR_ONLY, Outcome

# Ending a match is the counsellors' follow-up: coordinators see the history but get a 403 here.
# The pupil and the match come from matrix_pupils and matrix_proposals ("pupil_id", "match_id"):
# a pupil outside the counsellor's schools, so the counsellor gets through the policy and then a
# 404 (tests/matches/test_closing.py).
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("POST", "/pupils/{pupil_id:int}/matches/{match_id:int}/end"): COUNSELLOR_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
