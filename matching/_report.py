"""The fairness report: who got an ambassador, per school and grade, and why the others did not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ._features import Encoded

Reason = Literal[
    "no_allowed_ambassador", "below_min_score", "school_quota_reached", "capacity_used_up"
]


@dataclass(frozen=True)
class Share:
    """Matched pupils of a group (a school or a grade)."""

    pupils: int
    matched: int
    quota: int | None = None

    @property
    def share(self) -> float:
        return self.matched / self.pupils if self.pupils else 0.0


@dataclass(frozen=True)
class Unmatched:
    """A pupil without an ambassador and the reason."""

    pupil: str
    reason: Reason


@dataclass(frozen=True)
class FairnessReport:
    """Matched share per school and grade, mean score, and the unmatched pupils with reasons.

    Reasons: ``no_allowed_ambassador`` (every pair is forbidden, filtered or out of reach),
    ``below_min_score`` (allowed pairs exist, all under the minimum score),
    ``school_quota_reached`` (the school's fair share is used), ``capacity_used_up`` (every allowed
    ambassador is full).
    """

    by_school: dict[str, Share]
    by_grade: dict[int, Share]
    mean_score: float
    unmatched: tuple[Unmatched, ...]


def fairness_report(
    encoded: Encoded,
    *,
    ambassador_of: NDArray[np.int64],
    score_of: NDArray[np.float64],
    allowed_count: NDArray[np.int64],
    capacity: NDArray[np.int64],
    quotas: Mapping[str, int] | None,
    min_score: float | None,
) -> FairnessReport:
    """Build the report from an assignment (``ambassador_of[i] == -1``: unmatched)."""
    matched = ambassador_of >= 0
    # Counted by code with bincount: a Python loop over 270,000 pupils took seconds.
    columns = encoded.columns
    school_names, school_code = columns.school_names, columns.school
    grade_names, grade_code = np.unique(columns.grade, return_inverse=True)
    n_school = np.bincount(school_code, minlength=len(school_names))
    m_school = np.bincount(school_code[matched], minlength=len(school_names))
    n_grade = np.bincount(grade_code, minlength=len(grade_names))
    m_grade = np.bincount(grade_code[matched], minlength=len(grade_names))
    school_share = {
        str(s): Share(int(n), int(m), None if quotas is None else quotas.get(str(s)))
        for s, n, m in zip(school_names, n_school, m_school, strict=True)
    }
    full = np.zeros(len(school_names), dtype=bool)
    if quotas is not None:
        for c, name in enumerate(school_names):
            full[c] = name in quotas and m_school[c] >= quotas[name]
    nothing: Reason = "below_min_score" if min_score is not None else "no_allowed_ambassador"
    reasons: tuple[Reason, ...] = (nothing, "school_quota_reached", "capacity_used_up")
    left = np.flatnonzero(~matched)
    why = np.where(allowed_count[left] == 0, 0, np.where(full[school_code[left]], 1, 2))
    by_id = np.argsort(encoded.pupil_id_rank[left], kind="stable")
    unmatched = [
        Unmatched(columns.pupil_ids[k], reasons[w])
        for k, w in zip(left[by_id].tolist(), why[by_id].tolist(), strict=True)
    ]
    by_grade = {
        int(g): Share(int(n), int(m)) for g, n, m in zip(grade_names, n_grade, m_grade, strict=True)
    }
    return FairnessReport(
        by_school=school_share,
        by_grade=by_grade,
        mean_score=float(score_of[matched].mean()) if matched.any() else 0.0,
        unmatched=tuple(unmatched),
    )
