"""Authorization-matrix entries for two-step verification and the user's own sessions."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_login_session
from tests.site.matrix_roles import ADMIN_ONLY, ANONYMOUS, PUBLIC, ROLES, Outcome

EVERY_USER = {role: Outcome.LOGIN if role == ANONYMOUS else Outcome.ALLOW for role in ROLES}

# The second step of a login is public: without a pending login's cookie it sends the browser
# back to /login (tests/accounts/test_mfa_login.py). "session_id" is another user's session:
# every role gets a 404 (tests/accounts/test_my_sessions.py).
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/login/code"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,
    ("GET", "/login/set-up"): PUBLIC,
    ("POST", "/login/set-up"): PUBLIC,
    ("GET", "/account/two-step"): EVERY_USER,
    ("POST", "/account/two-step/enrol"): EVERY_USER,
    ("POST", "/account/two-step/recovery-codes"): EVERY_USER,
    ("POST", "/account/two-step/turn-off"): EVERY_USER,
    ("GET", "/account/sessions"): EVERY_USER,
    ("POST", "/account/sessions/{session_id:int}/end"): EVERY_USER,
    ("POST", "/account/sessions/end-others"): EVERY_USER,
    ("GET", "/admin/users/{user_id:int}/two-step/reset"): ADMIN_ONLY,
    ("POST", "/admin/users/{user_id:int}/two-step/reset"): ADMIN_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "session_id": lambda db: str(make_login_session(db).id),
}
