"""Each pupil's best allowed ambassadors: what a counsellor may swap in for a proposed pair."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from ._candidates import BlockScorer, blas_controller
from ._features import Encoded
from ._scoring import ScoringModel

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


def best_ambassadors(
    encoded: Encoded,
    model: ScoringModel | None = None,
    *,
    k: int = 3,
    forbidden: Iterable[tuple[str, str]] = (),
    chunk_pairs: int = 1 << 20,
    n_jobs: int = 1,
) -> tuple[I64, F64]:
    """Each pupil's ``k`` best allowed ambassadors, best first.

    Allowed means: not forbidden and passing the model's must-have filters.  Scores are exact
    (float64).  ``n_jobs`` threads score chunks side by side; the result does not depend on it.

    Returns
    -------
    index : ndarray of int64, shape (n_pupils, k)
        Ambassador indices, ``-1`` where a pupil has fewer than ``k`` allowed ambassadors.
    score : ndarray of float64, shape (n_pupils, k)
        Their scores, ``nan`` where the index is ``-1``.

    Examples
    --------
    >>> from matching import Ambassador, Pupil, encode
    >>> enc = encode([Pupil(id="p", programmes=("HTX",))],
    ...              [Ambassador(id="a", programme="STX", family="gymnasial"),
    ...               Ambassador(id="b", programme="HTX", family="gymnasial")])
    >>> best_ambassadors(enc, k=2)[0].tolist()
    [[1, 0]]
    """
    model = model or ScoringModel()
    n_p, n_a = encoded.n_pupils, encoded.n_ambassadors
    k_eff = min(k, n_a)
    index = np.full((n_p, k), -1, dtype=np.int64)
    score = np.full((n_p, k), np.nan)
    if n_p == 0 or k_eff == 0:
        return index, score
    p_index = {p.id: i for i, p in enumerate(encoded.pupils)}
    a_index = {a.id: i for i, a in enumerate(encoded.ambassadors)}
    codes = np.array(
        [p_index[p] * n_a + a_index[a] for p, a in forbidden if p in p_index and a in a_index],
        dtype=np.int64,
    )

    def mask(pi: I64, ai: I64) -> NDArray[np.bool_]:
        return ~np.isin(pi * n_a + ai, codes)

    must = [model.factors(encoded, features=[name]) for name in model.must_have]
    scorer = BlockScorer(
        model.factors(encoded),
        must,
        np.arange(n_p),
        np.arange(n_a),
        mask=mask if len(codes) else None,
        min_score=None,
        exact=True,
    )
    step = max(1, chunk_pairs // n_a)

    def chunk(lo: int) -> None:
        rows = np.arange(lo, min(n_p, lo + step))
        s = scorer.scores(rows)
        # Stable order by (-score, index): sort each row's k largest after a partition.
        top = (
            np.argpartition(-s, k_eff - 1, axis=1)[:, :k_eff]
            if k_eff < n_a
            else np.tile(np.arange(n_a), (len(rows), 1))
        )
        vals = np.take_along_axis(s, top, axis=1)
        order = np.lexsort((top, -vals), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        vals = np.take_along_axis(vals, order, axis=1)
        ok = np.isfinite(vals)
        index[rows, :k_eff] = np.where(ok, top, -1)
        score[rows, :k_eff] = np.where(ok, vals, np.nan)

    # Chunks write disjoint rows; the products release the GIL, so threads use both cores.
    with blas_controller().limit(limits=1, user_api="blas"):
        starts = range(0, n_p, step)
        if n_jobs > 1 and len(starts) > 1:
            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                list(pool.map(chunk, starts))
        else:
            for lo in starts:
                chunk(lo)
    return index, score
