"""Learning feature weights from logged outcomes; a new model replaces the old only if better."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._fitting import check_outcomes, fit_weights
from ._scoring import ScoringModel

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Challenge:
    """The result of :func:`challenge`: which model to use, and the comparison behind it.

    Attributes
    ----------
    model : ScoringModel
        The model to use from now on: the candidate if it won, else the current one.
    replaced : bool
    reason : str
    current_auc, candidate_auc : float or None
        Mean ROC AUC over the same held-out folds (None when declined before evaluating).
    candidate : ScoringModel or None
        The model trained on all outcomes (None when declined before training).
    n_outcomes : int
    """

    model: ScoringModel
    replaced: bool
    reason: str
    current_auc: float | None
    candidate_auc: float | None
    candidate: ScoringModel | None
    n_outcomes: int


def challenge(
    current: ScoringModel,
    features: ArrayLike,
    outcomes: ArrayLike,
    *,
    min_outcomes: int = 100,
    min_per_class: int = 20,
    cv: int = 5,
    min_improvement: float = 0.0,
    random_state: int | None = 0,
) -> Challenge:
    """Train a candidate on logged outcomes; it replaces ``current`` only if it ranks better.

    Both models are evaluated by ROC AUC on the same stratified held-out folds (the candidate is
    re-trained on each fold's training part); the candidate wins when its mean AUC exceeds the
    current model's by more than ``min_improvement``.  With fewer than ``min_outcomes`` outcomes,
    or fewer than ``min_per_class`` of either class, it declines without training.

    Parameters
    ----------
    current : ScoringModel
    features : array, shape (n, n_features)
        Pair features (``Encoded.pair_features``) of logged pairs.
    outcomes : array of {0, 1}, shape (n,)
        1 for a good outcome (accepted, kept, good feedback), 0 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from matching import ScoringModel, challenge
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((400, 7))
    >>> y = (x[:, 3] + 0.2 * rng.random(400) > 0.6).astype(int)   # language match matters
    >>> c = challenge(ScoringModel(), x, y)
    >>> c.replaced, max(c.model.weights, key=c.model.weights.__getitem__)
    (True, 'language_match')
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    x, y = check_outcomes(features, outcomes)
    n = len(y)
    n_pos = int(y.sum())
    smallest = min(n_pos, n - n_pos)
    if n < min_outcomes or smallest < max(min_per_class, cv):
        return Challenge(
            current,
            False,
            f"too few outcomes ({n}, {smallest} in the smaller class); need {min_outcomes} "
            f"and {max(min_per_class, cv)} of each",
            None,
            None,
            None,
            n,
        )
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    cur, cand = [], []
    for train, test in folds.split(x, y):
        w, _ = fit_weights(x[train], y[train])
        cand.append(roc_auc_score(y[test], x[test] @ w))
        cur.append(roc_auc_score(y[test], x[test] @ current.weight_vector))
    current_auc, candidate_auc = float(np.mean(cur)), float(np.mean(cand))
    candidate = ScoringModel(must_have=current.must_have).fit(x, y)
    candidate.metrics.update(
        {"cv_roc_auc": candidate_auc, "baseline_cv_roc_auc": current_auc, "cv_folds": cv}
    )
    won = candidate_auc > current_auc + min_improvement
    reason = (
        f"candidate ROC AUC {candidate_auc:.3f} vs current {current_auc:.3f} "
        f"over {cv} folds: {'replaced' if won else 'kept current'}"
    )
    return Challenge(
        candidate if won else current, won, reason, current_auc, candidate_auc, candidate, n
    )
