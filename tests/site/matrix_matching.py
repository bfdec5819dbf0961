"""Authorization-matrix entries for the matching routes (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_match_run, make_pair_rule
from tests.site.matrix_roles import COUNSELLOR_ONLY, Outcome

# "run_id" and "rule_id" belong to nobody's caseload: a counsellor passes the policy and then gets
# a 404 (tests/matches/test_run_pages.py); the other roles never get that far.
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/matching"): COUNSELLOR_ONLY,
    ("POST", "/matching/runs"): COUNSELLOR_ONLY,
    ("GET", "/matching/runs/{run_id:int}"): COUNSELLOR_ONLY,
    ("GET", "/matching/runs/{run_id:int}/commit"): COUNSELLOR_ONLY,
    ("POST", "/matching/runs/{run_id:int}/commit"): COUNSELLOR_ONLY,
    ("POST", "/matching/runs/{run_id:int}/discard"): COUNSELLOR_ONLY,
    ("POST", "/matching/runs/{run_id:int}/rerun"): COUNSELLOR_ONLY,
    ("POST", "/matching/runs/{run_id:int}/rules"): COUNSELLOR_ONLY,
    ("POST", "/matching/rules/{rule_id:int}/delete"): COUNSELLOR_ONLY,
}


PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "run_id": lambda db: str(make_match_run(db).id),
    "rule_id": lambda db: str(make_pair_rule(db).id),
}
