"""One block solved: candidates, the min-cost flow, and pricing rounds until certified."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._assign import Assignment, solve_flow
from ._blocks import _Block
from ._candidates import BlockScorer, Candidates, MaskFn, block_candidates
from ._features import Encoded
from ._pricing import _merged, _Priced, _violations
from ._scoring import ScoringModel

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
#: Blocks with at most this many pairs are solved on all their allowed pairs (nothing to price).
DENSE_PAIRS = 20_000


@dataclass
class _BlockResult:
    pupils: I64
    ambassador_of: I64
    score_of: F64
    allowed_count: I64
    certified: bool
    edges: int
    rounds: int
    pricings: int
    seconds_score: float
    seconds_assign: float


def _default_k_pupil(capacity: I64, n_pupils: int) -> int:
    """Candidates per pupil when the caller does not say (see :func:`match`)."""
    return 3 if 2 * int(capacity.sum()) >= n_pupils else 1


def _solve_block(
    encoded: Encoded,
    model: ScoringModel,
    block: _Block,
    *,
    factors_: tuple[Any, list[Any]],
    capacity: I64,
    priority: NDArray[np.bool_],
    mask: MaskFn | None,
    allow_codes: I64 | None,
    min_score: float | None,
    k_pupil: int | None,
    k_ambassador: int,
    k_priority: int,
    max_rounds: int,
    n_jobs: int,
) -> _BlockResult:
    t0 = time.perf_counter()
    ps, as_ = block.pupils, block.ambassadors
    n_p, n_a = len(ps), len(as_)
    a_local = np.full(encoded.n_ambassadors, -1, dtype=np.int64)
    a_local[as_] = np.arange(n_a)
    p_local = np.full(encoded.n_pupils, -1, dtype=np.int64)
    p_local[ps] = np.arange(n_p)
    cap = capacity[as_]

    def exact(pl: I64, al: I64) -> tuple[I64, I64, F64]:
        """Keep allowed pairs (mask, must-have, min score) and score them in float64."""
        gp, ga = ps[pl], as_[al]
        s, ok = model.evaluate_pairs(encoded, gp, ga)
        if mask is not None:
            ok &= mask(gp, ga)
        pl, al, s = pl[ok], al[ok], s[ok]
        if min_score is not None:
            keep = s >= min_score
            pl, al, s = pl[keep], al[keep], s[keep]
        return pl, al, s

    complete = allow_codes is not None or n_p * n_a <= DENSE_PAIRS
    scorer: BlockScorer | None = None
    if n_a == 0:
        cand = Candidates(
            *(np.zeros(0, dtype=np.int64),) * 2,
            np.full(n_p, -np.inf),
            np.zeros(0),
            np.zeros(n_p, dtype=np.int64),
        )
    elif complete:
        if allow_codes is not None:
            gp, ga = allow_codes // encoded.n_ambassadors, allow_codes % encoded.n_ambassadors
            inside = (p_local[gp] >= 0) & (a_local[ga] >= 0)
            pl, al = p_local[gp[inside]], a_local[ga[inside]]
        else:
            pl, al = (x.ravel() for x in np.indices((n_p, n_a)))
        cand = Candidates(
            pl, al, np.full(n_p, -np.inf), np.full(n_a, -np.inf), np.zeros(n_p, dtype=np.int64)
        )
    else:
        factors, must_have = factors_
        scorer = BlockScorer(factors, must_have, ps, as_, mask=mask, min_score=min_score)
        cand = block_candidates(
            scorer,
            capacity=cap,
            k_pupil=k_pupil if k_pupil is not None else _default_k_pupil(cap, n_p),
            k_ambassador=k_ambassador,
            deep=priority[ps],
            k_deep=k_priority,
            n_jobs=n_jobs,
        )
    ep, ea, es = exact(cand.pupil, cand.ambassador)
    allowed_count = cand.allowed_count
    if complete:
        allowed_count = np.bincount(ep, minlength=n_p).astype(np.int64)

    # Locked pairs join the graph whatever their score.
    lock_edges = np.zeros(0, dtype=np.int64)
    if block.locked:
        lp = np.array([p_local[p] for p, _ in block.locked], dtype=np.int64)
        la = np.array([a_local[a] for _, a in block.locked], dtype=np.int64)
        codes = ep * n_a + ea
        present = np.isin(lp * n_a + la, codes)
        ls = model.score_pairs(encoded, ps[lp[~present]], as_[la[~present]])
        ep, ea, es = (
            np.concatenate([ep, lp[~present]]),
            np.concatenate([ea, la[~present]]),
            np.concatenate([es, ls]),
        )
        codes = ep * n_a + ea
        order = np.argsort(codes, kind="stable")
        ep, ea, es = ep[order], ea[order], es[order]
        lock_edges = np.searchsorted(codes[order], lp * n_a + la)
    t1 = time.perf_counter()

    rounds, certified = 0, complete
    result: Assignment | None = None
    scale: float | None = None
    reference: _Priced | None = None
    full_pricings = 0
    while True:
        result = solve_flow(
            n_pupils=n_p,
            n_ambassadors=n_a,
            edge_pupil=ep,
            edge_ambassador=ea,
            edge_score=es,
            capacity=cap,
            priority=priority[ps],
            locked_edges=lock_edges,
            group=block.quota_groups,
            group_quota=block.quotas,
            scale=scale,
        )
        scale = result.scale
        if complete or rounds >= max_rounds:
            break
        rounds += 1
        assert scorer is not None
        price = partial(
            _violations, result, cand, scorer, exact, np.sort(ep * n_a + ea), n_a, n_jobs=n_jobs
        )
        if reference is None:
            priced = price()
            full_pricings += 1
            reference = priced if priced.complete else None
        else:
            # After a re-solve most duals barely move: the pairs that were near violating at
            # the last full pricing, plus the rows and columns whose duals moved, prove what a
            # new full pricing would, at a fraction of its cost.
            carried, moved_p, moved_a = reference.carried_over(result)
            parts = [carried]
            if moved_p.any():
                parts.append(price(rows_only=moved_p))
            if moved_a.any():
                parts.append(price(cols_only=moved_a))
            priced = _merged(parts, n_a)
            reference = None
        vp, va, vs = priced.additions()
        if len(vp) == 0:
            certified = True
            break
        if reference is not None:
            reference = reference.without(vp * n_a + va, n_a)
        # Appended edges go after the others, so lock indices stay valid.
        ep, ea, es = np.concatenate([ep, vp]), np.concatenate([ea, va]), np.concatenate([es, vs])
    t2 = time.perf_counter()
    score_of = np.full(n_p, np.nan)
    score_of[ep[result.edge_used]] = es[result.edge_used]
    ambassador_of = np.full(n_p, -1, dtype=np.int64)
    matched = result.ambassador_of >= 0
    ambassador_of[matched] = as_[result.ambassador_of[matched]]
    return _BlockResult(
        pupils=ps,
        ambassador_of=ambassador_of,
        score_of=score_of,
        allowed_count=allowed_count,
        certified=certified,
        edges=len(ep),
        rounds=rounds,
        pricings=full_pricings,
        seconds_score=t1 - t0,
        seconds_assign=t2 - t1,
    )
