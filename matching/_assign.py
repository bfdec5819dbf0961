"""The exact capacitated assignment on a sparse graph of allowed pairs.

The lexicographic objective (priority pupils matched, then pupils matched, then total score) is
solved as one min-cost flow with integer costs::

    S ──► [school quota] ──► pupil ──► ambassador ──► T        (and a bypass arc S ──► T)

Every pupil carries one unit from S; it either reaches T through an ambassador (matched) or
through the bypass (unmatched).  Matching pupil ``p`` earns ``C_n`` (plus ``C_pi`` if ``p`` is a
priority pupil) and the pair's integer score.  The weights are chosen so that the cost of every
simple cycle of the residual graph has the sign of its lexicographic change: a cycle passes S
once, so it changes the number matched by at most one, and it visits each ambassador once, so its
score change is at most ``2 * A * max|score|``.  Hence ``C_n = (2A + 1) * max|score| + 1`` and
``C_pi = 2 * C_n`` suffice -- unlike the textbook ``C_pi > n * C_n``, which overflows int64 at
national scale.  Because lexicographic vectors add up, "no negative cycle" (min-cost flow
optimality) then means lexicographic optimality, with or without school quotas.

After solving, node potentials (LP duals) are computed by Bellman-Ford on the residual graph.  They
certify the flow and let the caller price pairs that were left out of the sparse graph: an absent
pair ``(p, a)`` with integer score ``q`` could improve the solution only if
``q > pupil_price[p] + ambassador_price[a]``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.graph.python import min_cost_flow

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

DEFAULT_SCALE = 1_000_000
_COST_LIMIT = 2**62
_FIXED = 2**61


@dataclass(frozen=True)
class Assignment:
    """An optimal assignment on a sparse graph, with the duals that certify it.

    Attributes
    ----------
    ambassador_of : ndarray of int64, shape (n_pupils,)
        The ambassador index of each pupil, ``-1`` when unmatched.
    edge_used : ndarray of bool, shape (n_edges,)
        Whether each input edge is in the assignment (locked edges included).
    matched, priority_matched : int
        Pupils matched, and priority pupils among them.
    total_score : float
        Sum of the float scores of the used edges.
    integer_score : int
        Sum of the integer scores that were optimised.
    scale : float
        Integer score = ``round(score * scale)``.
    pupil_price, ambassador_price : ndarray of int64
        Duals in integer-score units: every pair ``(p, a)`` not in the graph satisfies the
        optimality condition when ``round(score * scale) <= pupil_price[p] + ambassador_price[a]``.
    """

    ambassador_of: IntArray
    edge_used: NDArray[np.bool_]
    matched: int
    priority_matched: int
    total_score: float
    integer_score: int
    scale: float
    pupil_price: IntArray
    ambassador_price: IntArray


def integer_scores(scores: FloatArray, scale: float) -> IntArray:
    """Round float scores to the integers the solver optimises."""
    return np.rint(np.asarray(scores, dtype=np.float64) * scale).astype(np.int64)


def choose_scale(scores: FloatArray, *, n_ambassadors: int, n_nodes: int) -> float:
    """Largest power-of-ten scale (at most 10**6 per unit) that keeps costs inside int64.

    OR-Tools multiplies costs by ``n_nodes + 1`` internally, and the lexicographic weights are about
    ``4 * A`` times the largest integer score.
    """
    top = float(np.max(np.abs(scores))) if len(scores) else 1.0
    top = max(top, 1e-12)
    scale = float(DEFAULT_SCALE) / top if top > 1.0 else float(DEFAULT_SCALE)
    budget = _COST_LIMIT / ((4 * n_ambassadors + 4) * (n_nodes + 1))
    while scale * top > budget and scale > 1e-300:
        scale /= 10.0
    return scale


def solve_flow(
    *,
    n_pupils: int,
    n_ambassadors: int,
    edge_pupil: IntArray,
    edge_ambassador: IntArray,
    edge_score: FloatArray,
    capacity: IntArray,
    priority: NDArray[np.bool_],
    locked_edges: IntArray,
    group: IntArray | None = None,
    group_quota: IntArray | None = None,
    scale: float | None = None,
) -> Assignment:
    """Solve the lexicographic assignment exactly on validated index arrays.

    The caller guarantees: indices in range, no duplicate edges, finite scores, non-negative
    capacities, each pupil in at most one locked edge, locks within capacity.  ``group`` maps
    pupils to quota groups (``-1``: none) and ``group_quota`` bounds the matched pupils per group,
    locked ones included.
    """
    n_edges = len(edge_pupil)
    locked_pupil = np.zeros(n_pupils, dtype=bool)
    locked_pupil[edge_pupil[locked_edges]] = True
    load = np.bincount(edge_ambassador[locked_edges], minlength=n_ambassadors).astype(np.int64)
    remaining = capacity.astype(np.int64) - load

    quota_left: IntArray | None = None
    if group is not None and group_quota is not None:
        used = np.bincount(
            group[locked_edges][group[locked_edges] >= 0], minlength=len(group_quota)
        )
        quota_left = np.maximum(group_quota.astype(np.int64) - used, 0)

    # Free edges: not touching a locked pupil, ambassador with room left.
    free = ~locked_pupil[edge_pupil] & (remaining[edge_ambassador] > 0)
    free_idx = np.flatnonzero(free)
    fp = edge_pupil[free_idx]
    fa = edge_ambassador[free_idx]

    n_groups = 0 if quota_left is None else len(quota_left)
    source, sink = 0, 1
    group_base = 2
    pupil_base = group_base + n_groups
    amb_base = pupil_base + n_pupils
    n_nodes = amb_base + n_ambassadors

    if scale is None:
        scale = choose_scale(edge_score[free_idx], n_ambassadors=n_ambassadors, n_nodes=n_nodes)
    q_all = integer_scores(edge_score, scale)
    q = q_all[free_idx]
    q_max = int(np.max(np.abs(q))) if len(q) else 1
    q_max = max(q_max, 1)
    c_matched = (2 * n_ambassadors + 1) * q_max + 1
    c_priority = 2 * c_matched
    if (c_priority + q_max) * (n_nodes + 1) >= _COST_LIMIT:
        raise ValueError("scores span too wide a range for exact integer costs")

    free_pupils = np.flatnonzero(~locked_pupil)
    reward = c_matched + c_priority * priority[free_pupils].astype(np.int64)
    if quota_left is not None and group is not None:
        g = group[free_pupils]
        pupil_tail = np.where(g >= 0, group_base + g, source)
    else:
        pupil_tail = np.full(len(free_pupils), source, dtype=np.int64)
    has_room = np.flatnonzero(remaining > 0)

    tails = [pupil_tail, pupil_base + fp, amb_base + has_room, np.array([source])]
    heads = [
        pupil_base + free_pupils,
        amb_base + fa,
        np.full(len(has_room), sink),
        np.array([sink]),
    ]
    caps = [
        np.ones(len(free_pupils), dtype=np.int64),
        np.ones(len(fp), dtype=np.int64),
        remaining[has_room],
        np.array([len(free_pupils)]),
    ]
    costs = [-reward, -q, np.zeros(len(has_room), dtype=np.int64), np.zeros(1, dtype=np.int64)]
    if quota_left is not None:
        tails.append(np.full(n_groups, source))
        heads.append(group_base + np.arange(n_groups))
        caps.append(quota_left)
        costs.append(np.zeros(n_groups, dtype=np.int64))
    tail = np.concatenate(tails).astype(np.int32)
    head = np.concatenate(heads).astype(np.int32)
    cap = np.concatenate(caps).astype(np.int64)
    cost = np.concatenate(costs).astype(np.int64)

    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[source] = len(free_pupils)
    supplies[sink] = -len(free_pupils)
    mcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:  # pragma: no cover - the bypass arc makes it always feasible
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flow = np.asarray(mcf.flows(arcs), dtype=np.int64)

    n_pa = len(free_pupils)
    pair_flow = flow[n_pa : n_pa + len(fp)]
    edge_used = np.zeros(n_edges, dtype=bool)
    edge_used[locked_edges] = True
    edge_used[free_idx[pair_flow > 0]] = True

    potential = _potentials(n_nodes, tail, head, cap, cost, flow)
    pupil_price = potential[pupil_base : pupil_base + n_pupils]
    ambassador_price = -potential[amb_base : amb_base + n_ambassadors]
    # Locked pupils and ambassadors without room are fixed: no absent pair of theirs may enter.
    pupil_price = np.where(locked_pupil, _FIXED, pupil_price)
    ambassador_price = np.where(remaining > 0, ambassador_price, _FIXED)

    ambassador_of = np.full(n_pupils, -1, dtype=np.int64)
    ambassador_of[edge_pupil[edge_used]] = edge_ambassador[edge_used]
    matched_mask = ambassador_of >= 0
    return Assignment(
        ambassador_of=ambassador_of,
        edge_used=edge_used,
        matched=int(matched_mask.sum()),
        priority_matched=int((matched_mask & priority).sum()),
        total_score=float(edge_score[edge_used].sum()),
        integer_score=int(q_all[edge_used].sum()),
        scale=scale,
        pupil_price=pupil_price.astype(np.int64),
        ambassador_price=ambassador_price.astype(np.int64),
    )


def _potentials(
    n_nodes: int,
    tail: NDArray[np.int32],
    head: NDArray[np.int32],
    cap: IntArray,
    cost: IntArray,
    flow: IntArray,
) -> IntArray:
    """Shortest distances on the residual graph from a virtual root joined to every node.

    An optimal flow leaves no negative cycle, so Bellman-Ford converges; it runs vectorised, one
    relaxation sweep over all arcs at a time, and stops at the first sweep that changes nothing
    (in practice a few dozen sweeps: the chains of substitutions are short).
    """
    fwd = flow < cap
    bwd = flow > 0
    r_tail = np.concatenate([tail[fwd], head[bwd]]).astype(np.int64)
    r_head = np.concatenate([head[fwd], tail[bwd]]).astype(np.int64)
    r_cost = np.concatenate([cost[fwd], -cost[bwd]])
    order = np.argsort(r_head, kind="stable")
    r_tail, r_head, r_cost = r_tail[order], r_head[order], r_cost[order]
    targets, starts = np.unique(r_head, return_index=True)
    dist = np.zeros(n_nodes, dtype=np.int64)
    if len(r_head) == 0:
        return dist
    for _ in range(n_nodes + 1):
        best = np.minimum.reduceat(dist[r_tail] + r_cost, starts)
        improved = best < dist[targets]
        if not improved.any():
            return dist
        dist[targets[improved]] = best[improved]
    raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")


def assign(
    *,
    n_pupils: int,
    capacity: ArrayLike,
    edge_pupil: ArrayLike,
    edge_ambassador: ArrayLike,
    edge_score: ArrayLike,
    priority: ArrayLike | None = None,
    locked: ArrayLike | None = None,
    min_score: float | None = None,
) -> Assignment:
    """Optimal assignment of pupils to ambassadors over a given list of allowed pairs (edges).

    Lexicographic objective: priority pupils matched, then pupils matched, then total score
    (rounded to integers at ``Assignment.scale``).  Deterministic for equal input.

    Parameters
    ----------
    n_pupils : int
    capacity : array of int, shape (n_ambassadors,)
    edge_pupil, edge_ambassador : array of int, shape (n_edges,)
        The allowed pairs, as indices.
    edge_score : array of float, shape (n_edges,)
    priority : array of bool, shape (n_pupils,), optional
    locked : array of int, optional
        Indices of edges that must be kept.
    min_score : float, optional
        Edges scoring below are dropped (locked edges are kept).

    Returns
    -------
    Assignment

    Raises
    ------
    ValueError
        For out-of-range indices, duplicate edges, non-finite scores, negative capacities, a pupil
        locked twice or locks beyond an ambassador's capacity.

    Examples
    --------
    >>> r = assign(n_pupils=2, capacity=[1], edge_pupil=[0, 1], edge_ambassador=[0, 0],
    ...            edge_score=[0.2, 0.9], priority=[True, False])
    >>> r.ambassador_of.tolist(), r.priority_matched
    ([0, -1], 1)
    """
    cap = np.asarray(capacity, dtype=np.int64).reshape(-1)
    ep = np.asarray(edge_pupil, dtype=np.int64).reshape(-1)
    ea = np.asarray(edge_ambassador, dtype=np.int64).reshape(-1)
    es = np.asarray(edge_score, dtype=np.float64).reshape(-1)
    n_a = len(cap)
    if not (len(ep) == len(ea) == len(es)):
        raise ValueError("edge arrays must have the same length")
    if (cap < 0).any():
        raise ValueError("capacity must be non-negative")
    if len(ep) and (ep.min() < 0 or ep.max() >= n_pupils or ea.min() < 0 or ea.max() >= n_a):
        raise ValueError("edge index out of range")
    if not np.isfinite(es).all():
        raise ValueError("edge scores must be finite")
    if len(np.unique(ep * max(n_a, 1) + ea)) != len(ep):
        raise ValueError("duplicate edge")
    prio = (
        np.zeros(n_pupils, dtype=bool)
        if priority is None
        else np.asarray(priority, dtype=bool).reshape(-1)
    )
    if len(prio) != n_pupils:
        raise ValueError("priority must have one entry per pupil")
    lk = np.zeros(0, dtype=np.int64) if locked is None else np.asarray(locked, dtype=np.int64)
    lk = lk.reshape(-1)
    if len(lk) and (lk.min() < 0 or lk.max() >= len(ep)):
        raise ValueError("locked edge index out of range")
    if len(np.unique(ep[lk])) != len(lk):
        raise ValueError("a pupil is locked twice")
    if (np.bincount(ea[lk], minlength=n_a) > cap).any():
        raise ValueError("locks exceed an ambassador's capacity")
    keep = np.ones(len(ep), dtype=bool)
    if min_score is not None:
        keep = es >= min_score
        keep[lk] = True
    index = np.flatnonzero(keep)
    new_pos = np.full(len(ep), -1, dtype=np.int64)
    new_pos[index] = np.arange(len(index))
    result = solve_flow(
        n_pupils=n_pupils,
        n_ambassadors=n_a,
        edge_pupil=ep[index],
        edge_ambassador=ea[index],
        edge_score=es[index],
        capacity=cap,
        priority=prio,
        locked_edges=new_pos[lk],
    )
    used = np.zeros(len(ep), dtype=bool)
    used[index] = result.edge_used
    return replace(result, edge_used=used)
