"""From records to a certified optimal assignment: blocks, candidates, solve, price, report."""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ._block_solver import _BlockResult, _solve_block
from ._blocks import _assign_quotas, _Block, _blocks
from ._candidates import MaskFn, blas_controller
from ._features import Encoded
from ._report import FairnessReport, fairness_report
from ._scoring import ScoringModel

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Pair:
    """One proposed pair."""

    pupil: str
    ambassador: str
    score: float
    locked: bool = False


@dataclass(frozen=True)
class MatchResult:
    """The outcome of :func:`match`.

    Attributes
    ----------
    pairs : tuple of Pair
        Sorted by pupil id.
    matched, priority_matched : int
    total_score : float
    certified : bool
        True when the pricing pass proved that no allowed pair outside the sparse candidate graph
        could improve the assignment, i.e. the result is optimal over *all* allowed pairs.
    report : FairnessReport
    stats : dict
        Edges, pricing rounds, blocks and timings (seconds).
    """

    pairs: tuple[Pair, ...]
    matched: int
    priority_matched: int
    total_score: float
    certified: bool
    report: FairnessReport
    stats: dict[str, Any] = field(default_factory=dict)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a match builds its result.

    The objects made here (pairs, reasons, index arrays) hold no cycles, but building a
    country's 270,000 of them next to the caller's records set off two full collections per
    call, each walking every record: 0.8 of 5.4 s, measured.  Reference counting still frees
    everything; the collector's previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_gc_paused()
def match(
    encoded: Encoded,
    model: ScoringModel | None = None,
    *,
    allowed: NDArray[np.bool_] | Iterable[tuple[str, str]] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
    partition: Literal["municipality"] | None = None,
    locked: Iterable[tuple[str, str]] = (),
    min_score: float | None = None,
    quotas: Literal["proportional"] | Mapping[str, int] | None = None,
    k_pupil: int | None = None,
    k_ambassador: int = 8,
    k_priority: int = 24,
    max_rounds: int = 20,
    n_jobs: int = 1,
) -> MatchResult:
    """Score allowed pairs and assign pupils to ambassadors, exactly and deterministically.

    The objective is lexicographic: priority pupils matched, then pupils matched, then total
    score; within ambassador capacities, over allowed pairs only, keeping locked pairs.

    Parameters
    ----------
    encoded : Encoded
        From :func:`encode`.
    model : ScoringModel, optional
        Default :class:`ScoringModel()`; its must-have features are hard filters.
    allowed : bool array of shape (n_pupils, n_ambassadors) or iterable of (pupil_id, ambassador_id)
        Hard constraint (vetting, consent, earlier declines).  Default: every pair.
    forbidden : iterable of (pupil_id, ambassador_id)
        Pairs never proposed.
    partition : {"municipality"}, optional
        Pupils meet only ambassadors of their own municipality; blocks are solved separately.
    locked : iterable of (pupil_id, ambassador_id)
        Pairs kept as they are; they use capacity and count in the objective.
    min_score : float, optional
        No pair scoring below this is proposed (locked pairs are kept anyway).
    quotas : "proportional" or mapping school -> int, optional
        Upper bound on matched pupils per school, solved exactly in the same model.
        ``"proportional"``: each school's share of its block's capacity, in proportion to its
        pupils with an allowed ambassador (rounded up).
    k_pupil, k_ambassador, k_priority : int
        Candidates kept per pupil, per ambassador beyond its capacity, and per priority pupil
        (priority pupils are matched wherever there is room, so they reach further down their
        lists).  They change the speed, never the result: pricing adds whatever is missing.
        ``k_pupil`` by default: 1 in a block whose ambassadors can take fewer than half its
        pupils (most pupils stay unmatched, and the ambassadors' lists find the ones who do
        not), 3 otherwise (every pupil is matched and needs a choice).
    max_rounds : int
        Pricing rounds before giving up on certification.
    n_jobs : int
        Parallel workers: blocks run in forked processes (the min-cost-flow solver holds the
        GIL), a single block scores its chunks in threads.  The result does not depend on it.

    Returns
    -------
    MatchResult

    Examples
    --------
    >>> from matching import Ambassador, Pupil, encode, match
    >>> enc = encode(
    ...     [Pupil(id="p1", programmes=("HTX",)), Pupil(id="p2", priority=True)],
    ...     [Ambassador(id="a1", programme="HTX", family="gymnasial", capacity=1)],
    ... )
    >>> result = match(enc)
    >>> [(p.pupil, p.ambassador) for p in result.pairs], result.certified
    ([('p2', 'a1')], True)
    """
    model = model or ScoringModel()
    started = time.perf_counter()
    n_p, n_a = encoded.n_pupils, encoded.n_ambassadors
    columns = encoded.columns
    pupil_ids, amb_ids = columns.pupil_ids, columns.ambassador_ids
    p_index, a_index = columns.pupil_position, columns.ambassador_position
    if len(p_index) != n_p:
        raise ValueError("duplicate pupil ids")
    if len(a_index) != n_a:
        raise ValueError("duplicate ambassador ids")
    capacity = columns.capacity
    if (capacity < 0).any():
        raise ValueError("capacity must be non-negative")
    if (k_pupil is not None and k_pupil < 1) or min(k_ambassador, k_priority, max_rounds) < 0:
        raise ValueError(
            "k_pupil must be at least 1; k_ambassador, k_priority and max_rounds non-negative"
        )
    priority = columns.priority

    forbidden_codes = np.unique(
        np.array([_pair(p_index, a_index, pa) for pa in forbidden], dtype=np.int64).reshape(-1, 2)
        @ np.array([n_a, 1], dtype=np.int64)
    )
    allow_codes: I64 | None = None
    dense_mask: NDArray[np.bool_] | None = None
    if isinstance(allowed, np.ndarray):
        if allowed.shape != (n_p, n_a) or allowed.dtype != np.bool_:
            raise ValueError("allowed must be a bool array of shape (n_pupils, n_ambassadors)")
        dense_mask = allowed
    elif allowed is not None:
        listed = np.array([_pair(p_index, a_index, pa) for pa in allowed], dtype=np.int64)
        allow_codes = np.unique(listed.reshape(-1, 2) @ np.array([n_a, 1], dtype=np.int64))

    def mask(pi: I64, ai: I64) -> NDArray[np.bool_]:
        ok = np.ones(len(pi), dtype=bool)
        code = pi * n_a + ai
        if dense_mask is not None:
            ok &= dense_mask[pi, ai]
        if allow_codes is not None:
            ok &= np.isin(code, allow_codes)
        if len(forbidden_codes):
            ok &= ~np.isin(code, forbidden_codes)
        return ok

    has_mask = dense_mask is not None or allow_codes is not None or len(forbidden_codes) > 0
    lock_list = [_pair(p_index, a_index, pa) for pa in locked]
    _check_locks(lock_list, capacity, mask, pupil_ids, amb_ids)

    blocks = _blocks(encoded, partition, lock_list)
    _assign_quotas(encoded, blocks, quotas, capacity, mask if has_mask else None)
    factors = model.factors(encoded)
    must_have = [model.factors(encoded, features=[name]) for name in model.must_have]

    order = sorted(blocks, key=lambda b: -len(b.pupils) * max(len(b.ambassadors), 1))
    parallel_blocks = n_jobs > 1 and len(order) > 1 and _can_fork()

    def run(block: _Block) -> _BlockResult:
        return _solve_block(
            encoded,
            model,
            block,
            factors_=(factors, must_have),
            capacity=capacity,
            priority=priority,
            mask=mask if has_mask else None,
            allow_codes=allow_codes,
            min_score=min_score,
            k_pupil=k_pupil,
            k_ambassador=k_ambassador,
            k_priority=k_priority,
            max_rounds=max_rounds,
            n_jobs=1 if parallel_blocks else n_jobs,
        )

    # BLAS on one thread (see blas_controller), for pricing products too.
    with blas_controller().limit(limits=1, user_api="blas"):
        results = _in_processes(run, order, n_jobs) if parallel_blocks else list(map(run, order))

    ambassador_of = np.full(n_p, -1, dtype=np.int64)
    score_of = np.full(n_p, np.nan)
    allowed_count = np.zeros(n_p, dtype=np.int64)
    for r in results:
        ambassador_of[r.pupils] = r.ambassador_of
        score_of[r.pupils] = r.score_of
        allowed_count[r.pupils] = r.allowed_count
    locked_set = set(lock_list)
    matched_idx = np.flatnonzero(ambassador_of >= 0)
    matched_idx = matched_idx[np.argsort(encoded.pupil_id_rank[matched_idx], kind="stable")]
    pairs = tuple(
        Pair(pupil_ids[i], amb_ids[a], s, (i, a) in locked_set)
        for i, a, s in zip(
            matched_idx.tolist(),
            ambassador_of[matched_idx].tolist(),
            score_of[matched_idx].tolist(),
            strict=True,
        )
    )
    quota_of: dict[str, int] = {}
    for b in blocks:
        if b.quota_groups is not None and b.quotas is not None:
            schools = [columns.school_names[c] for c in np.unique(columns.school[b.pupils])]
            quota_of.update({s: int(q) for s, q in zip(schools, b.quotas, strict=True)})
    report = fairness_report(
        encoded,
        ambassador_of=ambassador_of,
        score_of=score_of,
        allowed_count=allowed_count,
        capacity=capacity,
        quotas=quota_of or None,
        min_score=min_score,
    )
    matched = ambassador_of >= 0
    return MatchResult(
        pairs=pairs,
        matched=int(matched.sum()),
        priority_matched=int((matched & priority).sum()),
        total_score=float(np.nansum(score_of[matched])),
        certified=all(r.certified for r in results),
        report=report,
        stats={
            "blocks": len(blocks),
            "edges": sum(r.edges for r in results),
            "pricing_rounds": max((r.rounds for r in results), default=0),
            "full_pricings": sum(r.pricings for r in results),
            "seconds_score": sum(r.seconds_score for r in results),
            "seconds_assign": sum(r.seconds_assign for r in results),
            "seconds_total": time.perf_counter() - started,
        },
    )


_WORK: tuple[Callable[[_Block], _BlockResult], list[_Block]] | None = None


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run_forked(i: int) -> _BlockResult:
    assert _WORK is not None
    run, blocks = _WORK
    return run(blocks[i])


def _in_processes(
    run: Callable[[_Block], _BlockResult], blocks: list[_Block], n_jobs: int
) -> list[_BlockResult]:
    """Solve blocks in forked workers, largest first; the inputs are inherited, not pickled."""
    global _WORK
    _WORK = (run, blocks)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            return list(pool.map(_run_forked, range(len(blocks))))
    finally:
        _WORK = None


def _pair(
    p_index: dict[str, int], a_index: dict[str, int], pair: tuple[str, str]
) -> tuple[int, int]:
    p, a = pair
    if p not in p_index:
        raise ValueError(f"unknown pupil id {p!r}")
    if a not in a_index:
        raise ValueError(f"unknown ambassador id {a!r}")
    return p_index[p], a_index[a]


def _check_locks(
    locks: list[tuple[int, int]],
    capacity: I64,
    mask: MaskFn,
    pupil_ids: Sequence[str],
    amb_ids: Sequence[str],
) -> None:
    seen: set[int] = set()
    for p, _ in locks:
        if p in seen:
            raise ValueError(f"pupil {pupil_ids[p]!r} is locked twice")
        seen.add(p)
    if locks:
        pi, ai = (np.array(x, dtype=np.int64) for x in zip(*locks, strict=True))
        bad = np.flatnonzero(~mask(pi, ai))
        if len(bad):
            p, a = locks[bad[0]]
            raise ValueError(f"locked pair ({pupil_ids[p]!r}, {amb_ids[a]!r}) is not allowed")
        load = np.bincount(ai, minlength=len(capacity))
        over = np.flatnonzero(load > capacity)
        if len(over):
            raise ValueError(f"locks exceed the capacity of ambassador {amb_ids[over[0]]!r}")
