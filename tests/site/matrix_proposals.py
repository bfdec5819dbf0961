"""Authorization-matrix entries for the proposals routes (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_match
from tests.site.matrix_roles import AMBASSADOR_ONLY, Outcome

# "match_id" is a proposal for some other ambassador: the ambassador gets through the policy and
# then a 404 (tests/ambassadors/test_proposals.py); the other roles never get that far.
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/ambassador/mentees"): AMBASSADOR_ONLY,
    ("POST", "/ambassador/mentees/{match_id:int}/accept"): AMBASSADOR_ONLY,
    ("POST", "/ambassador/mentees/{match_id:int}/decline"): AMBASSADOR_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "match_id": lambda db: str(make_match(db).id),
}
