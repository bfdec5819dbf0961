"""Authorization-matrix entries for ending matches (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import Outcome

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
