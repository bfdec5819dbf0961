"""Authorization-matrix entries for pupils' requests for access and erasure (merged in
authorization_matrix.py): the admin only. tests/privacy/ erases and exports for real."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_privacy_request
from tests.site.matrix_roles import ADMIN_ONLY, Outcome

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/admin/privacy"): ADMIN_ONLY,
    ("POST", "/admin/privacy"): ADMIN_ONLY,
    ("GET", "/admin/privacy/{request_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/privacy/{request_id:int}/complete"): ADMIN_ONLY,
    ("GET", "/admin/privacy/{request_id:int}/export.json"): ADMIN_ONLY,
    ("GET", "/admin/privacy/{request_id:int}/export.html"): ADMIN_ONLY,
    # An access request here: the erasure answers 409 (tests/privacy/test_erasure.py erases).
    ("POST", "/admin/privacy/{request_id:int}/erase"): ADMIN_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "request_id": lambda db: str(make_privacy_request(db).id),
}
