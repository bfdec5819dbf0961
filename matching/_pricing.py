"""Pricing: the absent allowed pairs that could improve a block's assignment under its duals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._assign import Assignment, integer_scores
from ._candidates import BlockScorer, Candidates

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
#: Pricing scores flagged pairs in chunks of about this many pairs ...
_PRICING_BATCH = 1 << 20
#: ... of at most this many pupils (a short run of the staircase) ...
_PRICING_ROWS = 256
#: ... in waves of this many runs ...
_PRICING_WAVE = 32
#: ... and stops a round after this many violators (they are added and the flow re-solved).
_ENOUGH_VIOLATORS = 200_000
#: Absent pairs within this score of violating are added with the violators.
_NEAR = 0.02


@dataclass(frozen=True)
class _Priced:
    """A pricing: absent allowed pairs within ``slack`` of violating under duals ``u``, ``v``.

    ``complete``: every absent allowed pair *not* listed has reduced cost ``q - u_p - v_a <=
    -slack`` (the scan ran to the end over every ambassador that could come that close).
    """

    pupil: I64
    ambassador: I64
    score: F64
    gap: I64
    u: I64
    v: I64
    scale: float
    slack: int
    complete: bool

    def additions(self) -> tuple[I64, I64, F64]:
        """The violators and the pairs closest to violating (they tend to violate after the
        re-solve: adding them now saves rounds, each a full solve), in (pupil, ambassador) order.
        """
        n_found = int((self.gap > 0).sum())
        if n_found == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        extra = max(4 * n_found, 1000)
        keep = np.sort(np.argsort(-self.gap, kind="stable")[: n_found + extra])
        return self.pupil[keep], self.ambassador[keep], self.score[keep]

    def without(self, codes: I64, n_a: int) -> _Priced:
        """The same pricing with the pairs ``codes`` (now edges of the graph) left out."""
        keep = ~np.isin(self.pupil * n_a + self.ambassador, codes)
        return replace(
            self,
            pupil=self.pupil[keep],
            ambassador=self.ambassador[keep],
            score=self.score[keep],
            gap=self.gap[keep],
        )

    def carried_over(
        self, result: Assignment
    ) -> tuple[_Priced, NDArray[np.bool_], NDArray[np.bool_]]:
        """This complete pricing under the new duals of ``result``, and who moved too far.

        With ``d_p = u_p - u'_p`` and ``e_a = v_a - v'_a``, an unlisted pair has reduced cost at
        most ``-slack + (d_p - c) + (e_a + c)`` under the new duals, for any constant ``c``.  So
        an unlisted pair can violate only if its pupil has ``d_p - c > slack / 2`` or its
        ambassador ``e_a + c > slack / 2`` (returned as masks: price those rows and columns
        again); the listed pairs get their gaps recomputed.
        """
        u, v = result.pupil_price, result.ambassador_price
        d = self.u - u
        e = self.v - v
        shift = np.int64(np.median(d)) if len(d) else np.int64(0)
        half = self.slack // 2
        gap = integer_scores(self.score, self.scale) - (u[self.pupil] + v[self.ambassador])
        carried = replace(self, gap=gap, u=u, v=v, complete=False)
        return carried, d - shift > half, e + shift > half


def _merged(parts: list[_Priced], n_a: int) -> _Priced:
    """One pricing of the pairs of ``parts`` (same duals), each pair once, in code order."""
    code = np.concatenate([p.pupil * n_a + p.ambassador for p in parts])
    _, first = np.unique(code, return_index=True)  # sorted by code

    def cat(name: str) -> Any:
        return np.concatenate([getattr(p, name) for p in parts])[first]

    return replace(
        parts[0],
        pupil=cat("pupil"),
        ambassador=cat("ambassador"),
        score=cat("score"),
        gap=cat("gap"),
        complete=False,
    )


def _violations(
    result: Assignment,
    cand: Candidates,
    scorer: BlockScorer,
    exact: Callable[[I64, I64], tuple[I64, I64, F64]],
    present: I64,
    n_a: int,
    *,
    rows_only: NDArray[np.bool_] | None = None,
    cols_only: NDArray[np.bool_] | None = None,
    n_jobs: int = 1,
) -> _Priced:
    """Absent allowed pairs whose reduced cost is negative under the solver's duals.

    A pair outside the graph scores at most ``min(pupil_bound, ambassador_bound)``; only where
    that bound beats ``u_p + v_a`` can it violate.  Flagged pupils are scored, in short runs,
    against only the flagged ambassadors that each run can reach (float32, with a margin), and
    only pairs within the margin of violating are scored exactly.  ``present`` holds the graph's
    edges as sorted codes ``pupil * n_a + ambassador``.  ``rows_only``/``cols_only`` restrict the
    pricing to the pairs of those pupils or of those ambassadors (the result is then not complete).
    """
    scale = result.scale
    u, v = result.pupil_price, result.ambassador_price
    big = np.int64(2**62)

    def q(bound: F64) -> I64:
        out = np.full(len(bound), -big, dtype=np.int64)
        fin = np.isfinite(bound)
        out[fin] = integer_scores(bound[fin], scale)
        return out

    sigma, tau = q(cand.pupil_bound), q(cand.ambassador_bound)
    # (p, a) may violate only if sigma_p - u_p > v_a and u_p < tau_a - v_a.  For each ambassador:
    # among pupils with u_p below its limit (a prefix in u order), is the best sigma_p - u_p > v_a?
    y = np.where(sigma == -big, -big, sigma - np.minimum(u, big // 2))
    order = np.argsort(u, kind="stable")
    ys = y[order]
    prefix_max = np.maximum.accumulate(ys) if len(ys) else ys
    limit = np.where(tau == -big, -big, tau - np.minimum(v, big // 2))
    n_pre = np.searchsorted(u[order], limit, side="left")
    cols = np.flatnonzero((n_pre > 0) & (prefix_max[np.maximum(n_pre - 1, 0)] > v))
    slack = np.int64(_NEAR * scale)
    empty = np.zeros(0, dtype=np.int64)
    nothing = _Priced(empty, empty, np.zeros(0), empty, u, v, scale, int(slack), False)
    if not len(cols):
        return nothing
    # Some pair may violate, so a re-solve may follow: collect every pair within ``slack`` of
    # violating (the ambassadors that could come that close, not only those that could
    # violate), so that after the re-solve a recheck of these pairs can replace a full pricing.
    n_pre = np.searchsorted(u[order], limit + slack, side="left")
    cols = np.flatnonzero((n_pre > 0) & (prefix_max[np.maximum(n_pre - 1, 0)] > v - slack))
    if cols_only is not None:
        cols = cols[cols_only[cols]]
    # A pair can come within ``slack`` of violating only if y_p > v_a - slack and
    # u_p < limit_a + slack.  With the columns sorted by v, a pupil's first condition holds on a
    # prefix; pupils sorted by y (largest first) have shrinking prefixes, so short runs of them
    # are scored against their run's prefix only (a staircase instead of the bounding box).
    cols = cols[np.argsort(v[cols], kind="stable")]
    v_sorted = v[cols]
    lim_sorted = limit[cols]
    reach = np.searchsorted(v_sorted, y + slack, side="left")  # prefix length per pupil
    lim_max = np.maximum.accumulate(lim_sorted)
    can = (reach > 0) & (u < lim_max[np.maximum(reach - 1, 0)] + slack)
    if rows_only is not None:
        can &= rows_only
    rows = np.flatnonzero(can)
    rows = rows[np.argsort(-y[rows], kind="stable")]
    threshold_v = v.astype(np.float64) - slack

    def staircase() -> Iterator[tuple[I64, I64]]:
        """Runs of pupils, each with the ambassadors it can reach."""
        lo = 0
        while lo < len(rows):
            width = int(reach[rows[lo]])
            hi = min(len(rows), lo + max(1, min(_PRICING_ROWS, _PRICING_BATCH // width)))
            r = rows[lo:hi]
            lo = hi
            c = cols[:width]
            c = c[lim_sorted[:width] + slack > u[r].min()]
            if len(c):
                yield r, c

    def price(run: tuple[I64, I64]) -> tuple[I64, I64, F64, I64] | None:
        """The absent pairs of one run within ``slack`` of violating, with their gaps."""
        r, c = run
        s = scorer.scores(r, c).astype(np.float64)
        need = u[r].astype(np.float64)[:, None] + threshold_v[c][None, :]
        ri, ci = np.nonzero((s + scorer.margin) * scale + 1.0 > need)
        if not len(ri):
            return None
        pl, al = r[ri], c[ci]
        absent = ~_contains(present, pl * n_a + al)
        pl, al, sc = exact(pl[absent], al[absent])
        gap = integer_scores(sc, scale) - (u[pl] + v[al])
        near = gap > -slack
        return pl[near], al[near], sc[near], gap[near]

    # Runs are priced in waves, on ``n_jobs`` threads (the products release the GIL).  Bounded
    # work per round: a round stops after the wave in which it has found enough violators to be
    # worth a re-solve (the next round finds the rest).  Waves have a fixed size, so where a
    # round stops does not depend on ``n_jobs``.
    found: list[tuple[I64, I64, F64, I64]] = []
    n_found = 0
    stopped = False
    runs = staircase()
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        while wave := list(islice(runs, _PRICING_WAVE)):
            priced = list(pool.map(price, wave)) if n_jobs > 1 else list(map(price, wave))
            for one in priced:
                if one is not None:
                    found.append(one)
                    n_found += int((one[3] > 0).sum())
            if n_found >= _ENOUGH_VIOLATORS:
                stopped = next(runs, None) is not None
                break
    if not found:
        return replace(nothing, complete=rows_only is None and cols_only is None)
    pl, al, sc, gap = (np.concatenate([f[i] for f in found]) for i in range(4))
    # In (pupil, ambassador) order, whatever order the staircase visited them in.
    by_code = np.argsort(pl * n_a + al, kind="stable")
    restricted = rows_only is not None or cols_only is not None
    return _Priced(
        pl[by_code],
        al[by_code],
        sc[by_code],
        gap[by_code],
        u,
        v,
        scale,
        int(slack),
        not (stopped or restricted),
    )


def _contains(sorted_codes: I64, codes: I64) -> NDArray[np.bool_]:
    """``np.isin`` for a sorted haystack, by binary search."""
    if len(sorted_codes) == 0:
        return np.zeros(len(codes), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
    return np.asarray(sorted_codes[pos] == codes)
