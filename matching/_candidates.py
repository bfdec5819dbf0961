"""Chunked scoring of all allowed pairs of a block, keeping each side's best candidates.

Scores are one float32 matrix product per chunk of pupils (float64 for small blocks).  Each
pupil keeps its best ``k_pupil`` ambassadors and each ambassador its best ``capacity +
k_ambassador`` pupils.  The k-th best values are kept as *bounds*: a pair that is in neither list
scores at most ``min(pupil_bound, ambassador_bound)``, which lets the pricing pass skip almost
all of them.  Edge scores themselves are recomputed exactly in float64 by ``score_pairs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._scoring import Factors

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
MaskFn = Callable[[I64, I64], NDArray[np.bool_]]

#: Absolute error allowed for float32 scores (|score| <= 1 per unit weight, ~100 terms).
FLOAT32_MARGIN = 1e-4


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs (block-local indices) and bounds on every pair left out."""

    pupil: I64
    ambassador: I64
    pupil_bound: F64
    ambassador_bound: F64
    allowed_count: I64


def _top_rows(s: NDArray[np.floating[Any]], k: int) -> tuple[I64, F64]:
    """Column indices of each row's ``k`` largest values, and the k-th value (the bound).

    Wide rows are not partitioned whole: the k-th largest of a strided sample of about
    ``sqrt(k * n)`` columns is a lower bound on the row's k-th largest, so only the few values
    above it (about as many again) need sorting.  This is what keeps candidate selection near the
    cost of the matrix product itself.
    """
    n_rows, n_cols = s.shape
    if k >= n_cols:
        return np.tile(np.arange(n_cols), (n_rows, 1)), np.full(n_rows, -np.inf)
    stride = int(np.sqrt(n_cols / k))
    if stride < 12:
        idx = np.argpartition(s, n_cols - k, axis=1)[:, n_cols - k :]
        bound = np.take_along_axis(s, idx, axis=1).min(axis=1).astype(np.float64)
        return idx.astype(np.int64), bound
    sample = np.ascontiguousarray(s[:, ::stride])
    width = sample.shape[1]
    threshold = np.partition(sample, width - k, axis=1)[:, width - k]
    r, c = np.nonzero(s >= threshold[:, None])
    val = s[r, c]
    order = np.lexsort((c, -val, r))
    r, c, val = r[order], c[order], val[order]
    rank = np.arange(len(r)) - np.searchsorted(r, np.arange(n_rows))[r]
    keep = rank < k
    idx = c[keep].reshape(n_rows, k).astype(np.int64)
    bound = val[keep].reshape(n_rows, k)[:, -1].astype(np.float64)
    return idx, bound


class _ColumnTops:
    """Each column's ``k`` largest values over a stream of row chunks.

    Once a column holds ``k`` values, only values above its current k-th value can enter, so
    after the first chunks a chunk costs one comparison per entry.
    """

    def __init__(self, n_cols: int, k: int) -> None:
        self.n_cols, self.k = n_cols, k
        self.rows = np.zeros(0, dtype=np.int64)
        self.cols = np.zeros(0, dtype=np.int64)
        self.vals = np.zeros(0)
        self.threshold = np.full(n_cols, -np.inf)
        self.pending: list[tuple[I64, I64, F64]] = []
        self.n_pending = 0

    def add(self, s: NDArray[np.floating[Any]], row_offset: int) -> None:
        threshold = self.threshold.astype(s.dtype)
        n_rows = s.shape[0]
        stride = int(np.sqrt(n_rows / self.k)) if n_rows > self.k else 1
        if stride >= 4 and np.isneginf(threshold).any():
            # As in _top_rows: a sampled k-th largest bounds the chunk's k-th largest from below.
            sample = np.ascontiguousarray(s[::stride])
            height = sample.shape[0]
            if height > self.k:
                sampled = np.partition(sample, height - self.k, axis=0)[height - self.k]
                threshold = np.maximum(threshold, sampled)
        r, c = np.nonzero(s >= threshold[None, :])
        self.pending.append((r + row_offset, c, s[r, c].astype(np.float64)))
        self.n_pending += len(r)
        if self.n_pending > 2 * self.k * self.n_cols + 100_000:
            self._reselect()

    def _reselect(self) -> None:
        rows = np.concatenate([self.rows, *(p[0] for p in self.pending)])
        cols = np.concatenate([self.cols, *(p[1] for p in self.pending)])
        vals = np.concatenate([self.vals, *(p[2] for p in self.pending)])
        self.pending, self.n_pending = [], 0
        finite = np.isfinite(vals)
        rows, cols, vals = rows[finite], cols[finite], vals[finite]
        order = np.lexsort((rows, -vals, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        start = np.searchsorted(cols, np.arange(self.n_cols))
        rank = np.arange(len(cols)) - start[cols]
        keep = rank < self.k
        self.rows, self.cols, self.vals = rows[keep], cols[keep], vals[keep]
        full = np.bincount(self.cols, minlength=self.n_cols) >= self.k
        last = rank[keep] == self.k - 1
        self.threshold = np.full(self.n_cols, -np.inf)
        self.threshold[self.cols[last]] = self.vals[last]
        self.threshold[~full] = -np.inf

    def result(self) -> tuple[I64, I64, F64]:
        """Rows, columns, and each column's k-th value (``-inf`` where it has fewer)."""
        self._reselect()
        return self.rows, self.cols, self.threshold


def block_candidates(
    factors: Factors,
    must_have: list[Factors],
    pupils: I64,
    ambassadors: I64,
    *,
    capacity: I64,
    k_pupil: int,
    k_ambassador: int,
    mask: MaskFn | None,
    min_score: float | None,
    chunk_pairs: int = 1 << 22,
) -> Candidates:
    """Score a block in chunks and keep the best pairs of each pupil and each ambassador."""
    n_p, n_a = len(pupils), len(ambassadors)
    small = n_p * n_a <= 1 << 21
    dtype: type[np.float32] | type[np.float64] = np.float64 if small else np.float32
    margin = 0.0 if small else FLOAT32_MARGIN
    # Key parts with few distinct keys in this block (its municipality) become one-hot columns of
    # the matrix product; the rest (schools) are added as sparse corrections.
    pupil_cols, amb_cols, amb_keys = [factors.pupil], [factors.ambassador[ambassadors]], []
    for kp, ka, w in factors.keys:
        block_keys = np.unique(ka[ambassadors][ka[ambassadors] >= 0])
        if len(block_keys) <= 8:
            pupil_cols.append(w * (kp[:, None] == block_keys[None, :]))
            amb_cols.append(1.0 * (ka[ambassadors][:, None] == block_keys[None, :]))
        else:
            amb_keys.append((kp, ka[ambassadors], w))
    u_all = np.hstack(pupil_cols) if len(pupil_cols) > 1 else factors.pupil
    v: NDArray[np.floating[Any]] = np.ascontiguousarray(np.hstack(amb_cols).T, dtype=dtype)
    mh_v: list[NDArray[np.floating[Any]]] = [
        np.ascontiguousarray(m.ambassador[ambassadors].T, dtype=dtype) for m in must_have
    ]
    mh_keys = [[(kp, ka[ambassadors]) for kp, ka, _ in m.keys] for m in must_have]
    k_col = int(min(n_p, int(capacity.max(initial=0)) + k_ambassador))
    tops = _ColumnTops(n_a, k_col)
    rows_out: list[I64] = []
    cols_out: list[I64] = []
    pupil_bound = np.full(n_p, -np.inf)
    allowed_count = np.full(n_p, n_a, dtype=np.int64)
    step = max(1, chunk_pairs // max(n_a, 1))
    for lo in range(0, n_p, step):
        rows = pupils[lo : lo + step]
        u_rows: NDArray[np.floating[Any]] = u_all[rows].astype(dtype)
        s: NDArray[np.floating[Any]] = u_rows @ v
        for kp, ka, w in amb_keys:
            _add_key_matches(s, kp[rows], ka, w)
        filtered = False
        for m, mv, mk in zip(must_have, mh_v, mh_keys, strict=True):
            m_rows: NDArray[np.floating[Any]] = m.pupil[rows].astype(dtype)
            value: NDArray[np.floating[Any]] = m_rows @ mv
            for kp, ka in mk:
                _add_key_matches(value, kp[rows], ka, 1.0)
            s[value <= 1e-9] = -np.inf
            filtered = True
        if mask is not None:
            ri, ci = np.indices(s.shape).reshape(2, -1)
            s[~mask(rows[ri], ambassadors[ci]).reshape(s.shape)] = -np.inf
            filtered = True
        if min_score is not None:
            s[s < min_score - margin] = -np.inf
            filtered = True
        if filtered:
            allowed_count[lo : lo + step] = np.isfinite(s).sum(axis=1)
        idx, bound = _top_rows(s, k_pupil)
        pupil_bound[lo : lo + step] = bound + margin
        keep = np.isfinite(np.take_along_axis(s, idx, axis=1))
        rows_out.append(np.repeat(np.arange(lo, lo + len(rows)), idx.shape[1])[keep.ravel()])
        cols_out.append(idx.ravel()[keep.ravel()])
        tops.add(s, lo)
    col_rows, col_cols, col_bound = tops.result()
    ambassador_bound = col_bound + margin  # -inf where a column kept every pupil
    rows_out.append(col_rows)
    cols_out.append(col_cols)
    p = np.concatenate(rows_out)
    a = np.concatenate(cols_out)
    code = np.unique(p * n_a + a)
    return Candidates(code // n_a, code % n_a, pupil_bound, ambassador_bound, allowed_count)


def _add_key_matches(s: NDArray[np.floating], pupil_key: I64, amb_key: I64, value: float) -> None:
    """``s[i, j] += value`` where ``pupil_key[i] == amb_key[j] >= 0``, without a dense compare.

    Few distinct keys (a block's municipality): one broadcast add per key.  Many keys (schools):
    gather the matching pairs through the ambassadors sorted by key.
    """
    valid = np.flatnonzero(amb_key >= 0)
    if len(valid) == 0:
        return
    distinct = np.unique(amb_key[valid])
    if len(distinct) <= 16:
        for key in distinct:
            rows = np.flatnonzero(pupil_key == key)
            if len(rows):
                cols = np.flatnonzero(amb_key == key)
                s[np.ix_(rows, cols)] += value
        return
    order = valid[np.argsort(amb_key[valid], kind="stable")]
    sorted_keys = amb_key[order]
    lo = np.searchsorted(sorted_keys, pupil_key, side="left")
    hi = np.searchsorted(sorted_keys, pupil_key, side="right")
    lengths = np.where(pupil_key >= 0, hi - lo, 0)
    total = int(lengths.sum())
    if total == 0:
        return
    rows = np.repeat(np.arange(len(pupil_key)), lengths)
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    cols = order[starts + np.arange(total)]
    s[rows, cols] += value
