"""Candidate selection: the bounds the pricing pass relies on, and independence from chunking."""

from __future__ import annotations

import numpy as np
import pytest

from matching import Encoded, ScoringModel, encode
from matching._candidates import FLOAT32_MARGIN, BlockScorer, block_candidates
from matching._synthetic import synthetic
from tests.matching.test_match import dense_optimum


def _setup(
    n_p: int, n_a: int, seed: int, must_have: tuple[str, ...] = ()
) -> tuple[Encoded, ScoringModel]:
    pupils, ambassadors = synthetic(n_p, n_a, random_state=seed)
    return encode(pupils, ambassadors), ScoringModel(must_have=must_have)


@pytest.mark.parametrize("exact", [True, False])
def test_block_scores_equal_the_model_scores(exact: bool) -> None:
    enc, model = _setup(300, 40, 0)
    ps, as_ = np.arange(300), np.arange(40)
    scorer = BlockScorer(model.factors(enc), [], ps, as_, mask=None, min_score=None, exact=exact)
    got = scorer.scores(np.arange(300))
    want = model.score(enc)
    assert np.abs(got - want).max() <= (1e-12 if exact else FLOAT32_MARGIN / 10)
    cols = np.array([3, 7, 39])
    sub = scorer.scores(np.array([5, 0]), cols)  # another BLAS kernel: float32 may differ
    assert np.abs(sub - got[[5, 0]][:, cols]).max() <= (1e-12 if exact else FLOAT32_MARGIN / 10)


def test_must_have_and_min_score_are_minus_infinity() -> None:
    enc, model = _setup(200, 30, 1, must_have=("language_match",))
    ps, as_ = np.arange(200), np.arange(30)
    must = [model.factors(enc, features=["language_match"])]
    scorer = BlockScorer(model.factors(enc), must, ps, as_, mask=None, min_score=0.3)
    got = scorer.scores(ps)
    want = model.score(enc)
    want[want < 0.3] = -np.inf
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    assert np.allclose(got[np.isfinite(got)], want[np.isfinite(want)])


@pytest.mark.parametrize(("n_jobs", "chunk_pairs"), [(1, 1 << 20), (2, 3_000), (1, 500)])
def test_candidates_hold_each_top_list_and_bound_every_absent_pair(
    n_jobs: int, chunk_pairs: int
) -> None:
    enc, model = _setup(700, 60, 2)
    ps, as_ = np.arange(700), np.arange(60)
    cap = np.array([a.capacity for a in enc.ambassadors], dtype=np.int64)
    deep = np.array([p.priority for p in enc.pupils])
    scorer = BlockScorer(model.factors(enc), [], ps, as_, mask=None, min_score=None, exact=False)
    cand = block_candidates(
        scorer,
        capacity=cap,
        k_pupil=3,
        k_ambassador=4,
        deep=deep,
        k_deep=9,
        n_jobs=n_jobs,
        chunk_pairs=chunk_pairs,
    )
    s = model.score(enc)
    present = np.zeros(s.shape, dtype=bool)
    present[cand.pupil, cand.ambassador] = True
    # Every absent pair scores at most both bounds: what the pricing pass relies on.
    absent = ~present
    assert (s <= cand.pupil_bound[:, None] + 1e-12)[absent].all()
    assert (s <= cand.ambassador_bound[None, :] + 1e-12)[absent].all()
    # Each pupil's k best and each ambassador's capacity + k best are kept (up to float32 ties).
    k_row = np.where(deep, 9, 3)
    kth_row = -np.sort(-s, axis=1)[np.arange(700), k_row - 1]
    assert (present | (s <= kth_row[:, None] + 2 * FLOAT32_MARGIN)).all()
    k_col = cap + 4
    kth_col = -np.sort(-s, axis=0)[k_col - 1, np.arange(60)]
    assert (present | (s <= kth_col[None, :] + 2 * FLOAT32_MARGIN)).all()
    # Priority pupils also keep their k_deep best by score minus each ambassador's slot price
    # (the score of the pupil in its last slot).
    price = np.where(cap > 0, -np.sort(-s, axis=0)[np.maximum(cap - 1, 0), np.arange(60)], -1.0)
    adjusted = s[deep] - price[None, :]
    kth_adjusted = -np.sort(-adjusted, axis=1)[:, 9 - 1]
    assert (present[deep] | (adjusted <= kth_adjusted[:, None] + 4 * FLOAT32_MARGIN)).all()
    # Deterministic, whatever the threads (stripes are made of the same chunks).
    again = block_candidates(
        scorer,
        capacity=cap,
        k_pupil=3,
        k_ambassador=4,
        deep=deep,
        k_deep=9,
        n_jobs=3 - n_jobs,
        chunk_pairs=chunk_pairs,
    )
    assert np.array_equal(again.pupil, cand.pupil)
    assert np.array_equal(again.ambassador, cand.ambassador)
    assert np.array_equal(again.pupil_bound, cand.pupil_bound)


def test_float32_path_with_pricing_equals_dense_optimum() -> None:
    """Above 2**21 pairs scores are float32; pricing must still reach the exact optimum."""
    from matching import match

    enc, model = _setup(2_600, 820, 5)
    result = match(enc, model, k_pupil=1, k_ambassador=1, k_priority=2)
    assert result.certified
    prio, matched, total = dense_optimum(enc, model)
    assert (result.priority_matched, result.matched) == (prio, matched)
    assert result.total_score == pytest.approx(total, abs=1e-5)
