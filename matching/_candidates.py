"""Chunked scoring of all allowed pairs of a block, keeping each side's best candidates.

Scores are one float32 matrix product per chunk of pupils (float64 for small blocks), with BLAS
on one thread: chunks are small enough to stay in cache, and the caller runs chunks (or blocks)
side by side instead.  Each pupil keeps its best ``k_pupil`` ambassadors (``k_deep`` for the pupils
marked deep, i.e. priority pupils, who are matched wherever they fit and so reach further down
their lists); each ambassador keeps its best ``capacity + k_ambassador`` pupils.  The k-th best
values are kept as *bounds*: a pair in neither list scores at most ``min(pupil_bound,
ambassador_bound)``, which lets the pricing pass skip almost all of them.

Selection costs about one comparison per pair: a row's k-th largest over a strided sample is a
lower bound on its true k-th largest, a column's running k-th largest is a lower bound on its
final one, so one ``nonzero`` over ``s >= row_threshold | s >= column_threshold`` leaves a few
dozen survivors per row, and only those are sorted.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from ._scoring import Factors

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
FArray = NDArray[np.floating[Any]]
MaskFn = Callable[[I64, I64], NDArray[np.bool_]]

#: Absolute error allowed for float32 scores (|score| <= 1 per unit weight, ~100 terms).
FLOAT32_MARGIN = 1e-4
#: Blocks with at most this many pairs are scored in float64 (no margin needed).
FLOAT64_PAIRS = 1 << 21


_CONTROLLER: list[Any] = []


def blas_controller() -> Any:
    """This process's ThreadpoolController (building one scans the loaded libraries: 8 ms).

    Scoring runs BLAS on one thread: chunks are cache-sized, a multi-threaded BLAS on a busy
    machine spends more time waiting for its threads than multiplying (measured 3 vs 67 ns a
    pair), and float32 products are bitwise reproducible only with a fixed thread count.
    """
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs (block-local indices) and bounds on every pair left out."""

    pupil: I64
    ambassador: I64
    pupil_bound: F64
    ambassador_bound: F64
    allowed_count: I64


class BlockScorer:
    """Float scores of (pupil, ambassador) sub-blocks of one block, with hard filters as ``-inf``.

    ``margin`` bounds the absolute error against the exact float64 score.
    """

    def __init__(
        self,
        factors: Factors,
        must_have: list[Factors],
        pupils: I64,
        ambassadors: I64,
        *,
        mask: MaskFn | None,
        min_score: float | None,
        exact: bool | None = None,
    ) -> None:
        n_p, n_a = len(pupils), len(ambassadors)
        if exact is None:
            exact = n_p * n_a <= FLOAT64_PAIRS
        self.dtype: type[np.floating[Any]] = np.float64 if exact else np.float32
        self.margin = 0.0 if exact else FLOAT32_MARGIN
        self.pupils, self.ambassadors = pupils, ambassadors
        # Key parts with few distinct keys in this block (its municipality) become one-hot columns
        # of the matrix product; the rest (schools) are added as sparse corrections.
        # Only the block's rows, in the working precision (never a copy of all pupils per block).
        pupil_cols = [factors.pupil_rows(pupils, self.dtype)]
        amb_cols = [factors.ambassador[ambassadors].astype(self.dtype)]
        self.keys: list[tuple[I64, I64, float, _KeyColumns]] = []
        for kp, ka, w in factors.keys:
            kp, ka = kp[pupils], ka[ambassadors]
            block_keys = np.unique(ka[ka >= 0])
            if len(block_keys) <= 8:
                pupil_cols.append((w * (kp[:, None] == block_keys[None, :])).astype(self.dtype))
                amb_cols.append((ka[:, None] == block_keys[None, :]).astype(self.dtype))
            else:
                self.keys.append((kp, ka, w, _KeyColumns(ka)))
        self.u: FArray = np.ascontiguousarray(np.hstack(pupil_cols))
        self.v: FArray = np.ascontiguousarray(np.hstack(amb_cols).T)
        self.must_have: list[tuple[FArray, FArray, list[tuple[I64, I64, _KeyColumns]]]] = [
            (
                m.pupil_rows(pupils, self.dtype),
                np.ascontiguousarray(m.ambassador[ambassadors].T, dtype=self.dtype),
                [
                    (kp[pupils], ka[ambassadors], _KeyColumns(ka[ambassadors]))
                    for kp, ka, _ in m.keys
                ],
            )
            for m in must_have
        ]
        self.mask = mask
        self.min_score = min_score

    @property
    def filtered(self) -> bool:
        return bool(self.must_have) or self.mask is not None or self.min_score is not None

    def scores(self, rows: I64, cols: I64 | None = None) -> FArray:
        """Scores of block-local ``rows`` x ``cols`` (all columns by default)."""
        v: FArray = self.v if cols is None else self.v[:, cols]
        u: FArray = self.u[rows]
        s: FArray = u @ v
        for kp, ka, w, at in self.keys:
            (at if cols is None else _KeyColumns(ka[cols])).add(s, kp[rows], w)
        for mu, mv, mk in self.must_have:
            mu_rows: FArray = mu[rows]
            mv_cols: FArray = mv if cols is None else mv[:, cols]
            value: FArray = mu_rows @ mv_cols
            for kp, ka, at in mk:
                (at if cols is None else _KeyColumns(ka[cols])).add(value, kp[rows], 1.0)
            s[value <= 1e-9] = -np.inf
        if self.mask is not None:
            gp = self.pupils[rows]
            ga = self.ambassadors if cols is None else self.ambassadors[cols]
            ri, ci = np.indices(s.shape).reshape(2, -1)
            s[~self.mask(gp[ri], ga[ci]).reshape(s.shape)] = -np.inf
        if self.min_score is not None:
            s[s < self.min_score - self.margin] = -np.inf
        return s


def _row_thresholds(s: FArray, k: I64) -> FArray:
    """A lower bound on each row's ``k[i]``-th largest value (``-inf`` when ``k[i] >= width``).

    The k-th largest of a strided sample of about ``2 * sqrt(k * n)`` columns is at most the
    row's k-th largest; about ``k * stride`` values of the row lie above it.  Each distinct ``k``
    gets its own stride, so a few priority rows with a long list do not make every row's sample
    wide.
    """
    n_rows, n_cols = s.shape
    out = np.full(n_rows, -np.inf, dtype=s.dtype)
    for x in np.unique(k[k < n_cols]).tolist():
        rows = k == x
        stride = max(1, int(np.sqrt(n_cols / x) / 2))
        sample = s[:, ::stride] if rows.all() else s[rows, ::stride]
        width = sample.shape[1]
        if x <= width:
            out[rows] = np.partition(sample, width - x, axis=1)[:, width - x]
    return out


class _ColumnTops:
    """Each column's ``k[c]`` largest values (ties: lower row first) over a stream of chunks.

    Once a column holds ``k[c]`` values, only values at least its current k-th value can enter,
    so after the first chunks a chunk costs one comparison per entry.
    """

    def __init__(self, k: I64) -> None:
        self.k = k
        self.rows = np.zeros(0, dtype=np.int64)
        self.cols = np.zeros(0, dtype=np.int64)
        self.vals = np.zeros(0)
        self.threshold = np.full(len(k), -np.inf)
        self.pending: list[tuple[I64, I64, F64]] = []
        self.n_pending = 0

    def first_threshold(self, s: FArray) -> None:
        """Seed the thresholds with the first chunk's ``max(k)``-th largest per column."""
        top = int(self.k.max(initial=0))
        if not np.isneginf(self.threshold).all() or top <= 0:
            return
        # The k-th largest of any subset of a column's rows is a lower bound on its k-th largest:
        # a strided sample of rows, transposed so that the partition runs along memory.
        stride = max(1, int(np.sqrt(s.shape[0] / top) / 4))
        sample = np.ascontiguousarray(s[::stride].T)
        width = sample.shape[1]
        if top <= width:
            kth = np.partition(sample, width - top, axis=1)[:, width - top]
            self.threshold = np.maximum(self.threshold, kth.astype(np.float64))

    def add(self, rows: I64, cols: I64, vals: F64) -> None:
        self.pending.append((rows, cols, vals))
        self.n_pending += len(rows)
        if self.n_pending > 2 * int(self.k.sum()) + 100_000:
            self.reselect()

    def reselect(self) -> None:
        rows = np.concatenate([self.rows, *(p[0] for p in self.pending)])
        cols = np.concatenate([self.cols, *(p[1] for p in self.pending)])
        vals = np.concatenate([self.vals, *(p[2] for p in self.pending)])
        self.pending, self.n_pending = [], 0
        finite = np.isfinite(vals)
        rows, cols, vals = rows[finite], cols[finite], vals[finite]
        order = np.lexsort((rows, -vals, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        start = np.searchsorted(cols, np.arange(len(self.k)))
        rank = np.arange(len(cols)) - start[cols]
        keep = rank < self.k[cols]
        self.rows, self.cols, self.vals = rows[keep], cols[keep], vals[keep]
        last = keep & (rank == self.k[cols] - 1)
        threshold = np.full(len(self.k), -np.inf)
        threshold[cols[last]] = vals[last]
        self.threshold = np.maximum(self.threshold, threshold)

    def merge(self, other: _ColumnTops) -> None:
        self.pending.append((other.rows, other.cols, other.vals))
        self.pending.extend(other.pending)

    def kth(self, k: I64) -> F64:
        """Each column's ``k[c]``-th largest kept value (``-inf`` where it kept fewer).

        Call after :meth:`result` (the kept values are then sorted by column, largest first).
        """
        start = np.searchsorted(self.cols, np.arange(len(self.k)))
        count = np.bincount(self.cols, minlength=len(self.k))
        out = np.full(len(self.k), -np.inf)
        ok = (k > 0) & (k <= count)
        out[ok] = self.vals[start[ok] + k[ok] - 1]
        return out

    def result(self) -> tuple[I64, I64, F64]:
        """Rows, columns, and each column's k-th value (``-inf`` where it has fewer)."""
        self.reselect()
        count = np.bincount(self.cols, minlength=len(self.k))
        bound = np.full(len(self.k), -np.inf)
        last = np.flatnonzero(np.diff(np.r_[self.cols, -1]) != 0)  # last kept of each column
        full = count[self.cols[last]] >= self.k[self.cols[last]]
        bound[self.cols[last][full]] = self.vals[last][full]
        return self.rows, self.cols, bound


@dataclass
class _Stripe:
    rows: list[I64]
    cols: list[I64]
    pupil_bound: F64
    allowed_count: I64
    tops: _ColumnTops


def block_candidates(
    scorer: BlockScorer,
    *,
    capacity: I64,
    k_pupil: int,
    k_ambassador: int,
    deep: NDArray[np.bool_] | None = None,
    k_deep: int = 0,
    n_jobs: int = 1,
    chunk_pairs: int = 1 << 20,
) -> Candidates:
    """Score a block in chunks and keep the best pairs of each pupil and each ambassador.

    ``deep`` marks pupils (block-local) who keep ``max(k_pupil, k_deep)`` ambassadors.  With
    ``n_jobs > 1`` the chunks are split into that many contiguous stripes run in threads (the
    matrix products and comparisons release the GIL); the result does not depend on it.
    """
    n_p, n_a = len(scorer.pupils), len(scorer.ambassadors)
    k_row = np.full(n_p, min(k_pupil, n_a), dtype=np.int64)
    if deep is not None:
        k_row[deep] = min(max(k_pupil, k_deep), n_a)
    k_col = np.minimum(capacity.astype(np.int64) + k_ambassador, n_p)
    margin = scorer.margin
    step = max(1, min(n_p, chunk_pairs // max(n_a, 1)))
    starts = list(range(0, n_p, step))
    n_stripes = max(1, min(n_jobs, len(starts)))
    bounds = np.linspace(0, len(starts), n_stripes + 1).astype(int)

    def stripe(i: int) -> _Stripe:
        out = _Stripe(
            [], [], np.full(n_p, -np.inf), np.full(n_p, n_a, dtype=np.int64), _ColumnTops(k_col)
        )
        for lo in starts[bounds[i] : bounds[i + 1]]:
            _chunk(scorer, lo, min(n_p, lo + step), k_row, out, margin)
        return out

    with blas_controller().limit(limits=1, user_api="blas"):
        if n_stripes > 1:
            with ThreadPoolExecutor(max_workers=n_stripes) as pool:
                stripes = list(pool.map(stripe, range(n_stripes)))
        else:
            stripes = [stripe(0)]
    tops = stripes[0].tops
    for other in stripes[1:]:
        tops.merge(other.tops)
    col_rows, col_cols, col_bound = tops.result()
    extra_rows: list[I64] = []
    extra_cols: list[I64] = []
    if deep is not None and k_deep > 0 and deep.any():
        # A priority pupil displaces someone wherever it goes, so what it competes with is not
        # an ambassador's score but its slot price: estimated as the score of the pupil holding
        # its last slot (its capacity-th best).  Ranking these pupils' ambassadors by
        # ``score - price`` as well finds the pairs the flow will want before the first solve,
        # rather than in a pricing round (each a full re-solve).
        price = tops.kth(capacity.astype(np.int64))
        floor = float(np.min(price[np.isfinite(price)], initial=0.0)) - 1.0
        price = np.where(np.isfinite(price), price, floor)
        price = np.where(capacity > 0, price, np.inf).astype(scorer.dtype)  # no slot at all
        deep_rows = np.flatnonzero(deep)
        k = min(k_deep, n_a)
        with blas_controller().limit(limits=1, user_api="blas"):
            for lo in range(0, len(deep_rows), step):
                r = deep_rows[lo : lo + step]
                adjusted = scorer.scores(r)
                adjusted -= price[None, :]  # -inf stays -inf
                best = (
                    np.argpartition(adjusted, n_a - k, axis=1)[:, n_a - k :]
                    if k < n_a
                    else np.broadcast_to(np.arange(n_a), (len(r), n_a))
                )
                local = np.repeat(np.arange(len(r)), k)
                cc = best.ravel()
                finite = np.isfinite(adjusted[local, cc])
                extra_rows.append(r[local][finite])
                extra_cols.append(cc[finite])
    pupil_bound = np.full(n_p, -np.inf)
    allowed_count = np.full(n_p, n_a, dtype=np.int64)
    rows_out, cols_out = [col_rows, *extra_rows], [col_cols, *extra_cols]
    for i, st in enumerate(stripes):
        lo = starts[bounds[i]] if bounds[i] < len(starts) else n_p
        hi = starts[bounds[i + 1]] if bounds[i + 1] < len(starts) else n_p
        pupil_bound[lo:hi] = st.pupil_bound[lo:hi]
        allowed_count[lo:hi] = st.allowed_count[lo:hi]
        rows_out.extend(st.rows)
        cols_out.extend(st.cols)
    p = np.concatenate(rows_out)
    a = np.concatenate(cols_out)
    code = np.unique(p * n_a + a)
    ambassador_bound = col_bound + margin  # -inf where a column kept every allowed pupil
    return Candidates(code // n_a, code % n_a, pupil_bound, ambassador_bound, allowed_count)


def _chunk(scorer: BlockScorer, lo: int, hi: int, k_row: I64, out: _Stripe, margin: float) -> None:
    s = scorer.scores(np.arange(lo, hi))
    if scorer.filtered:
        out.allowed_count[lo:hi] = np.isfinite(s).sum(axis=1)
    k = k_row[lo:hi]
    row_thr = _row_thresholds(s, k)
    tops = out.tops
    tops.first_threshold(s)
    col_thr = tops.threshold.astype(s.dtype)
    hit = s >= row_thr[:, None]
    hit |= s >= col_thr[None, :]
    r, c = np.nonzero(hit)
    val = s[r, c]
    finite = np.isfinite(val)
    r, c, val = r[finite], c[finite], val[finite]
    # Column survivors go to the running column tops.
    in_col = val >= col_thr[c]
    tops.add(r[in_col] + lo, c[in_col], val[in_col].astype(np.float64))
    # Row survivors: the k best of each row, ties to the lower column (nonzero order, stable).
    in_row = val >= row_thr[r]
    rr, cc, vv = r[in_row], c[in_row], val[in_row].astype(np.float64)
    if len(vv):
        span = float(vv.max() - vv.min())
        key = rr - 0.5 * (vv - vv.min()) / (span if span > 0 else 1.0)
        order = np.argsort(key, kind="stable")
        rr, cc, vv = rr[order], cc[order], vv[order]
    first = np.searchsorted(rr, np.arange(hi - lo))
    count = np.diff(np.r_[first, len(rr)])
    rank = np.arange(len(rr)) - first[rr]
    keep = rank < k[rr]
    out.rows.append(rr[keep] + lo)
    out.cols.append(cc[keep])
    # Bound: the k-th value where the row kept k; -inf where the row kept all it has.
    full = count >= k
    kth = np.full(hi - lo, -np.inf)
    at = first[full] + k[full] - 1
    kth[full] = vv[at] + margin
    out.pupil_bound[lo:hi] = kth


class _KeyColumns:
    """Where each key sits among a set of ambassadors, for ``s[i, j] += value`` where
    ``pupil_key[i] == amb_key[j] >= 0`` without a dense compare.

    Few distinct keys (a block's municipality): one broadcast add per key.  Many keys (schools,
    or municipalities across the country): gather the matching pairs through the ambassadors
    sorted by key.  Built once per block: sorting 20,000 ambassadors for every chunk of 50
    pupils cost more than the matrix product.
    """

    def __init__(self, amb_key: I64) -> None:
        valid = np.flatnonzero(amb_key >= 0)
        self.order = valid[np.argsort(amb_key[valid], kind="stable")]
        self.sorted_keys = amb_key[self.order]
        distinct, start = np.unique(self.sorted_keys, return_index=True)
        self.few: list[tuple[int, I64]] | None = None
        if len(distinct) <= 16:
            bounds = np.r_[start, len(self.order)]
            self.few = [
                (int(k), np.sort(self.order[bounds[i] : bounds[i + 1]]))
                for i, k in enumerate(distinct.tolist())
            ]

    def add(self, s: FArray, pupil_key: I64, value: float) -> None:
        if self.few is not None:
            for key, cols in self.few:
                rows = np.flatnonzero(pupil_key == key)
                if len(rows):
                    s[np.ix_(rows, cols)] += value
            return
        lo = np.searchsorted(self.sorted_keys, pupil_key, side="left")
        hi = np.searchsorted(self.sorted_keys, pupil_key, side="right")
        lengths = np.where(pupil_key >= 0, hi - lo, 0)
        total = int(lengths.sum())
        if total == 0:
            return
        rows = np.repeat(np.arange(len(pupil_key)), lengths)
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
        cols = self.order[starts + np.arange(total)]
        s[rows, cols] += value
