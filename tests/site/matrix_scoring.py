"""Authorization-matrix entries for the scoring routes (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_scoring_model
from tests.site.matrix_roles import ADMIN_ONLY, Outcome

# The programme's owner sets the weights and trains the model; nobody else.
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/admin/scoring"): ADMIN_ONLY,
    ("POST", "/admin/scoring"): ADMIN_ONLY,
    ("POST", "/admin/scoring/what-if"): ADMIN_ONLY,
    ("GET", "/admin/scoring/train"): ADMIN_ONLY,
    ("POST", "/admin/scoring/train"): ADMIN_ONLY,
    ("POST", "/admin/scoring/models/{model_id:int}/adopt"): ADMIN_ONLY,
}


def _trained_winner(db: Session) -> str:
    """A stored candidate that beat the model it challenged: one that may be adopted."""
    row = make_scoring_model(
        db,
        weights={"weights": {"language_match": 1.0}, "must_have": []},
        metrics={"source": "trained", "cv_roc_auc": 0.9, "baseline_cv_roc_auc": 0.6},
    )
    return str(row.id)


PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "model_id": _trained_winner,
}
