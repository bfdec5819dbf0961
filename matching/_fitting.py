"""Fitting feature weights to logged outcomes: the numerics that both
:meth:`ScoringModel.fit <matching.ScoringModel.fit>` and :func:`matching.challenge` use."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._features import FEATURE_NAMES

F64 = NDArray[np.float64]


def fit_weights(x: F64, y: NDArray[np.int64], *, c: float = 1.0) -> tuple[F64, float]:
    """Class-balanced logistic regression with non-negative coefficients (L2, strength ``1/c``).

    Non-negative weights keep the model readable: every feature can only add to a score, exactly
    as the default model and the explanations assume.
    """
    from scipy.optimize import minimize  # imported here: the solver CLI should start fast
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.array([0, 1])
    cw = compute_class_weight("balanced", classes=classes, y=y)
    sample_w = cw[y]
    n, d = x.shape

    def loss(theta: F64) -> tuple[float, F64]:
        w, b = theta[:d], theta[d]
        z = x @ w + b
        # log(1 + exp(-z)) for y=1, log(1 + exp(z)) for y=0, computed stably
        sign = np.where(y == 1, -1.0, 1.0)
        value = np.logaddexp(0.0, sign * z)
        grad_z = sign / (1.0 + np.exp(-sign * z)) * sample_w
        f = float((sample_w * value).sum() / n + (w @ w) / (2 * c * n))
        g = np.concatenate([x.T @ grad_z / n + w / (c * n), [grad_z.sum() / n]])
        return f, g

    bounds = [(0.0, None)] * d + [(None, None)]
    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(res.x[:d]), float(res.x[d])


def check_outcomes(features: ArrayLike, outcomes: ArrayLike) -> tuple[F64, NDArray[np.int64]]:
    """Validate a feature matrix ``(n, n_features)`` and binary outcomes ``(n,)``."""
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(outcomes)
    if x.ndim != 2 or x.shape[1] != len(FEATURE_NAMES):
        raise ValueError(f"features must have shape (n, {len(FEATURE_NAMES)})")
    if y.shape != (x.shape[0],):
        raise ValueError("outcomes must have one entry per row of features")
    if not np.isfinite(x).all():
        raise ValueError("features must be finite")
    if not np.isin(y, [0, 1]).all():
        raise ValueError("outcomes must be 0 or 1")
    return x, y.astype(np.int64)
