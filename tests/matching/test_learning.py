"""Learning weights from outcomes: a planted signal is recovered; too little data is declined."""

from __future__ import annotations

import numpy as np
import pytest

from matching import FEATURE_NAMES, ScoringModel, challenge, encode
from matching._synthetic import synthetic


def planted_outcomes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Real pair features of synthetic records; success depends mostly on language match."""
    rng = np.random.default_rng(seed)
    pupils, ambassadors = synthetic(400, 60, random_state=seed)
    enc = encode(pupils, ambassadors)
    x = enc.pair_features(rng.integers(0, 400, n), rng.integers(0, 60, n))
    lang = FEATURE_NAMES.index("language_match")
    # language is often not 1 only for pupils with a second language: widen its spread
    logit = 6.0 * (x[:, lang] - 0.75) + 0.5 * x[:, FEATURE_NAMES.index("interest_similarity")]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x, y


def test_planted_signal_is_recovered_and_beats_default() -> None:
    x, y = planted_outcomes(1500, seed=3)
    result = challenge(ScoringModel(), x, y, random_state=0)
    assert result.replaced
    assert result.candidate_auc is not None
    assert result.current_auc is not None
    assert result.candidate_auc > result.current_auc
    weights = result.model.weights
    assert max(weights, key=weights.__getitem__) == "language_match"
    assert sum(weights.values()) == pytest.approx(1.0)
    assert min(weights.values()) >= 0.0
    assert result.model.metrics["cv_roc_auc"] == pytest.approx(result.candidate_auc)
    assert ScoringModel.from_json(result.model.to_json()).weights == weights


def test_too_few_outcomes_declines() -> None:
    x, y = planted_outcomes(40, seed=5)
    current = ScoringModel()
    result = challenge(current, x, y)
    assert not result.replaced
    assert result.model is current
    assert result.candidate is None
    assert "too few outcomes" in result.reason


def test_no_signal_keeps_current_model() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((600, len(FEATURE_NAMES)))
    current = ScoringModel()
    y = (x @ current.weight_vector + 0.05 * rng.random(600) > 0.5).astype(int)
    result = challenge(current, x, y, min_improvement=0.02)
    assert not result.replaced
    assert result.model is current


def test_fit_returns_self_with_learned_attributes() -> None:
    x, y = planted_outcomes(500, seed=1)
    model = ScoringModel()
    assert model.fit(x, y) is model
    assert model.coef_.shape == (len(FEATURE_NAMES),)
    assert model.n_outcomes_ == 500
    with pytest.raises(ValueError, match="0 or 1"):
        ScoringModel().fit(x, y + 2)
