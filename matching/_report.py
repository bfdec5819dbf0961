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
    schools = [p.school for p in encoded.pupils]
    grades = [p.grade for p in encoded.pupils]
    by_school: dict[str, list[int]] = {}
    by_grade: dict[int, list[int]] = {}
    for i in range(len(schools)):
        by_school.setdefault(schools[i], [0, 0])
        by_grade.setdefault(grades[i], [0, 0])
        by_school[schools[i]][0] += 1
        by_grade[grades[i]][0] += 1
        if matched[i]:
            by_school[schools[i]][1] += 1
            by_grade[grades[i]][1] += 1
    school_share = {
        s: Share(n, m, None if quotas is None else quotas.get(s))
        for s, (n, m) in sorted(by_school.items())
    }
    unmatched = []
    for k in np.flatnonzero(~matched):
        school = schools[k]
        reason: Reason
        if allowed_count[k] == 0:
            reason = "below_min_score" if min_score is not None else "no_allowed_ambassador"
        elif (
            quotas is not None
            and school in quotas
            and school_share[school].matched >= quotas[school]
        ):
            reason = "school_quota_reached"
        else:
            reason = "capacity_used_up"
        unmatched.append(Unmatched(encoded.pupils[k].id, reason))
    unmatched.sort(key=lambda u: u.pupil)
    return FairnessReport(
        by_school=school_share,
        by_grade={g: Share(n, m) for g, (n, m) in sorted(by_grade.items())},
        mean_score=float(score_of[matched].mean()) if matched.any() else 0.0,
        unmatched=tuple(unmatched),
    )
