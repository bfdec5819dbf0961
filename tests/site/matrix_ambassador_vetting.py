"""Authorization-matrix entries for joining and vetting ambassadors."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mentor.models import Role
from tests.factories import make_ambassador
from tests.site.matrix_roles import ADMIN_ONLY, ANONYMOUS, PUBLIC, Outcome

# Admins and counsellors invite students.
AMBASSADOR_INVITERS = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.ALLOW,
    Role.COUNSELLOR.value: Outcome.ALLOW,
    Role.COORDINATOR.value: Outcome.DENY,
    Role.AMBASSADOR.value: Outcome.DENY,
}

_ONE = "/admin/ambassadors/{ambassador_id:int}"

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/apply"): PUBLIC,
    ("POST", "/apply"): PUBLIC,
    ("GET", "/apply/thanks"): PUBLIC,
    ("GET", "/ambassadors/invite"): AMBASSADOR_INVITERS,
    ("POST", "/ambassadors/invite"): AMBASSADOR_INVITERS,
    ("GET", "/admin/ambassadors"): ADMIN_ONLY,
    ("POST", "/admin/ambassadors/bulk"): ADMIN_ONLY,
    ("GET", "/admin/ambassadors/recheck"): ADMIN_ONLY,
    # Inviting a whole list from a file: admins only.
    ("GET", "/admin/ambassadors/import"): ADMIN_ONLY,
    ("POST", "/admin/ambassadors/import"): ADMIN_ONLY,
    ("POST", "/admin/ambassadors/import/commit"): ADMIN_ONLY,
    ("GET", "/admin/ambassadors/import/example.csv"): ADMIN_ONLY,
    ("GET", _ONE): ADMIN_ONLY,
    # The question before marking an ambassador as left (what ends with it).
    ("GET", f"{_ONE}/leave"): ADMIN_ONLY,
    **{
        ("POST", f"{_ONE}/{action}"): ADMIN_ONLY
        for action in (
            "approve",
            "request-certificate",
            "clear-certificate",
            "recheck-certificate",
            "book-training",
            "complete-training",
            "activate",
            "pause",
            "resume",
            "leave",
            "reject",
        )
    },
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "ambassador_id": lambda db: str(make_ambassador(db).id),
}
