"""Authorization-matrix entries for notes, the pupil's follow-up, exit questions and the
re-match queue (merged in authorization_matrix.py).

"pupil_id" (matrix_pupils) is a pupil outside every matrix user's schools, and "meeting_id"
(matrix_calendar) a meeting at a school none of them belongs to: a counsellor gets through the
policy and then a 404 (tests/pupils/test_notes.py, tests/meetings/test_resolve_flag.py show the
rest). "match_id" (matrix_proposals) is another ambassador's match: the ambassador gets through
the policy and then a 404 (tests/matches/test_exit_questions.py). The pupil's exit question is
public: its token is the only key.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import AMBASSADOR_ONLY, COUNSELLOR_ONLY, PUBLIC, Outcome

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    # Notes are the counsellors' own: coordinators, ambassadors and admins get a 403.
    ("POST", "/pupils/{pupil_id:int}/notes"): COUNSELLOR_ONLY,
    ("POST", "/meetings/{meeting_id:int}/log/resolve"): COUNSELLOR_ONLY,
    ("GET", "/followup/rematch"): COUNSELLOR_ONLY,
    ("GET", "/x/{token}"): PUBLIC,
    ("POST", "/x/{token}"): PUBLIC,
    ("GET", "/ambassador/exit/{match_id:int}"): AMBASSADOR_ONLY,
    ("POST", "/ambassador/exit/{match_id:int}"): AMBASSADOR_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
