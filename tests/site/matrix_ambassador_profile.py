"""Authorization-matrix entries for the ambassador profile routes.

The matrix signs in a plain user of each role: an ambassador account without an ambassador row
gets the "no profile yet" page (404), never a 500 — and that counts as let through.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import AMBASSADOR_ONLY, Outcome

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/ambassador/profile"): AMBASSADOR_ONLY,
    ("GET", "/ambassador/profile/edit"): AMBASSADOR_ONLY,
    ("POST", "/ambassador/profile/edit"): AMBASSADOR_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
