"""From records to a certified optimal assignment: blocks, candidates, solve, price, report."""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ._assign import Assignment, integer_scores, solve_flow
from ._candidates import BlockScorer, Candidates, MaskFn, blas_controller, block_candidates
from ._features import Encoded
from ._report import FairnessReport, fairness_report
from ._scoring import ScoringModel

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
_NEVER = -(2**62)
#: Blocks with at most this many pairs are solved on all their allowed pairs (nothing to price).
DENSE_PAIRS = 20_000
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


@dataclass
class _Block:
    pupils: I64
    ambassadors: I64
    locked: list[tuple[int, int]]
    quota_groups: I64 | None = None
    quotas: I64 | None = None


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


def _default_k_pupil(capacity: I64, n_pupils: int) -> int:
    """Candidates per pupil when the caller does not say (see :func:`match`)."""
    return 3 if 2 * int(capacity.sum()) >= n_pupils else 1


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


def _blocks(encoded: Encoded, partition: str | None, locks: list[tuple[int, int]]) -> list[_Block]:
    n_p, n_a = encoded.n_pupils, encoded.n_ambassadors
    if partition is None:
        return [_Block(np.arange(n_p), np.arange(n_a), list(locks))]
    if partition != "municipality":
        raise ValueError("partition must be 'municipality' or None")
    pc = encoded.columns.pupil_municipality
    ac = encoded.columns.ambassador_municipality
    n_towns = len(encoded.columns.municipality_names)
    # Each municipality's pupils and ambassadors, in index order, by one stable sort per side.
    p_by_town = np.split(
        np.argsort(pc, kind="stable"), np.cumsum(np.bincount(pc, minlength=n_towns))[:-1]
    )
    a_by_town = np.split(
        np.argsort(ac, kind="stable"), np.cumsum(np.bincount(ac, minlength=n_towns))[:-1]
    )
    blocks = []
    for i, (ps, as_) in enumerate(zip(p_by_town, a_by_town, strict=True)):
        if len(ps):
            mine = [(p, a) for p, a in locks if pc[p] == i]
            for _p, a in mine:
                if ac[a] != i:
                    raise ValueError("a locked pair crosses municipalities")
            blocks.append(_Block(ps, as_, mine))
    return blocks


def _assign_quotas(
    encoded: Encoded,
    blocks: list[_Block],
    quotas: Literal["proportional"] | Mapping[str, int] | None,
    capacity: I64,
    mask: MaskFn | None,
) -> None:
    if quotas is None:
        return
    for b in blocks:
        names, b.quota_groups = np.unique(encoded.columns.school[b.pupils], return_inverse=True)
        if quotas == "proportional":
            eligible = np.ones(len(b.pupils), dtype=bool)
            if mask is not None and len(b.ambassadors):
                pi = np.repeat(b.pupils, len(b.ambassadors))
                ai = np.tile(b.ambassadors, len(b.pupils))
                eligible = np.asarray(mask(pi, ai).reshape(len(b.pupils), -1).any(axis=1))
            elif not len(b.ambassadors):
                eligible[:] = False
            per_school = np.bincount(b.quota_groups[eligible], minlength=len(names))
            slots = int(capacity[b.ambassadors].sum())
            total = max(int(per_school.sum()), 1)
            b.quotas = -(-per_school * slots // total)
        elif isinstance(quotas, Mapping):
            big = len(b.pupils)
            b.quotas = np.array(
                [int(quotas.get(encoded.columns.school_names[c], big)) for c in names],
                dtype=np.int64,
            )
            if (b.quotas < 0).any():
                raise ValueError("quotas must be non-negative")
        else:
            raise ValueError("quotas must be 'proportional', a mapping or None")


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
