"""The exact assignment: properties with hypothesis, brute force, and scipy's LSA over slots."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching import assign
from matching._assign import solve_flow


@st.composite
def instances(draw: st.DrawFn, max_pupils: int = 6, max_ambassadors: int = 3) -> dict[str, Any]:
    n_p = draw(st.integers(1, max_pupils))
    n_a = draw(st.integers(1, max_ambassadors))
    pairs = [(p, a) for p in range(n_p) for a in range(n_a) if draw(st.booleans())]
    scores = [draw(st.integers(-5, 20)) / 10 for _ in pairs]
    capacity = [draw(st.integers(0, 3)) for _ in range(n_a)]
    priority = [draw(st.booleans()) for _ in range(n_p)]
    locked: list[int] = []
    load = [0] * n_a
    used: set[int] = set()
    for e, (p, a) in enumerate(pairs):
        if p not in used and load[a] < capacity[a] and draw(st.integers(0, 5)) == 0:
            locked.append(e)
            used.add(p)
            load[a] += 1
    return {
        "n_pupils": n_p,
        "capacity": capacity,
        "edge_pupil": [p for p, _ in pairs],
        "edge_ambassador": [a for _, a in pairs],
        "edge_score": scores,
        "priority": priority,
        "locked": locked,
    }


def brute_force(
    inst: dict[str, Any],
    scale: float,
    *,
    group: list[int] | None = None,
    quota: list[int] | None = None,
) -> tuple[int, int, int]:
    """Best (priority matched, matched, integer score) by enumerating every assignment."""
    ep = list(inst["edge_pupil"])
    ea = list(inst["edge_ambassador"])
    es = [round(float(s) * scale) for s in inst["edge_score"]]
    cap = list(inst["capacity"])
    prio = list(inst["priority"])
    locked = set(inst["locked"])
    n_p = int(inst["n_pupils"])
    options = []
    for p in range(n_p):
        mine = [e for e in range(len(ep)) if ep[e] == p]
        fixed = [e for e in mine if e in locked]
        options.append(fixed or [-1, *mine])
    best = (-1, -1, -(10**18))
    for choice in itertools.product(*options):
        load = [0] * len(cap)
        for e in choice:
            if e >= 0:
                load[ea[e]] += 1
        if any(x > c for x, c in zip(load, cap, strict=True)):
            continue
        used = [e for e in choice if e >= 0]
        if group is not None and quota is not None:
            per_group = [sum(group[ep[e]] == g for e in used) for g in range(len(quota))]
            if any(n > q for n, q in zip(per_group, quota, strict=True)):
                continue
        key = (sum(prio[ep[e]] for e in used), len(used), sum(es[e] for e in used))
        best = max(best, key)
    return best


@settings(max_examples=150, deadline=None)
@given(instances())
def test_lexicographic_optimum_equals_brute_force(inst: dict[str, Any]) -> None:
    result = assign(**inst)
    assert (result.priority_matched, result.matched, result.integer_score) == brute_force(
        inst, result.scale
    )


@settings(max_examples=100, deadline=None)
@given(instances(max_pupils=8, max_ambassadors=4))
def test_feasibility_properties(inst: dict[str, Any]) -> None:
    result = assign(**inst)
    ep = np.array(inst["edge_pupil"], dtype=np.int64)
    ea = np.array(inst["edge_ambassador"], dtype=np.int64)
    used = result.edge_used
    # no pupil twice, capacity never exceeded, only given (allowed) pairs, locks kept
    assert np.bincount(ep[used], minlength=int(inst["n_pupils"])).max(initial=0) <= 1
    assert (np.bincount(ea[used], minlength=len(inst["capacity"])) <= inst["capacity"]).all()
    assert used[np.array(inst["locked"], dtype=np.int64)].all()
    matched = result.ambassador_of >= 0
    assert set(zip(np.flatnonzero(matched), result.ambassador_of[matched], strict=True)) == set(
        zip(ep[used], ea[used], strict=True)
    )


@settings(max_examples=50, deadline=None)
@given(instances(max_pupils=8, max_ambassadors=4), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_edge_order(inst: dict[str, Any], random: object) -> None:
    first = assign(**inst)
    again = assign(**inst)
    assert np.array_equal(first.ambassador_of, again.ambassador_of)


def test_min_score_drops_edges_but_keeps_locks() -> None:
    r = assign(
        n_pupils=2,
        capacity=[2],
        edge_pupil=[0, 1],
        edge_ambassador=[0, 0],
        edge_score=[0.1, 0.05],
        locked=[1],
        min_score=0.2,
    )
    assert r.ambassador_of.tolist() == [-1, 0]


def _problem(**changes: object) -> dict[str, Any]:
    base: dict[str, Any] = {
        "n_pupils": 2,
        "capacity": [1, 1],
        "edge_pupil": [0, 0, 1],
        "edge_ambassador": [0, 1, 0],
        "edge_score": [0.5, 0.2, 0.3],
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (_problem(capacity=[-1, 1]), "capacity"),
        (_problem(edge_score=[float("nan"), 0.0, 0.1]), "finite"),
        (_problem(edge_score=[float("inf"), 0.0, 0.1]), "finite"),
        (_problem(edge_pupil=[0, 0, 0], edge_ambassador=[0, 0, 1]), "duplicate"),
        (_problem(edge_pupil=[0, 0, 5]), "out of range"),
        (_problem(edge_ambassador=[0, 1, 2]), "out of range"),
        (_problem(locked=[0, 1]), "locked twice"),
        (_problem(locked=[0, 2]), "capacity"),
        (_problem(locked=[3]), "out of range"),
        (_problem(edge_score=[0.1]), "same length"),
    ],
)
def test_assign_rejects_bad_input(problem: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assign(**problem)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_scipy_lsa_over_capacity_slots(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_p, n_a = 300, 40
    scores = np.round(rng.random((n_p, n_a)), 4)
    capacity = rng.integers(1, 6, n_a)
    pi, ai = np.indices(scores.shape).reshape(2, -1)
    result = assign(
        n_pupils=n_p,
        capacity=capacity,
        edge_pupil=pi,
        edge_ambassador=ai,
        edge_score=scores.ravel(),
    )
    slots = np.repeat(np.arange(n_a), capacity)
    rows, cols = linear_sum_assignment(scores[:, slots], maximize=True)
    assert result.matched == len(rows)
    assert result.total_score == pytest.approx(scores[rows, slots[cols]].sum(), abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(instances(max_pupils=6, max_ambassadors=3), st.data())
def test_school_quotas_are_exact_against_brute_force(inst: dict[str, Any], data: Any) -> None:
    """Quotas break the matroid structure, so priority must win over count by cost alone."""
    n_p = inst["n_pupils"]
    group = np.array([data.draw(st.integers(0, 1)) for _ in range(n_p)], dtype=np.int64)
    quota = np.array([data.draw(st.integers(0, 3)) for _ in range(2)], dtype=np.int64)
    locked: list[int] = []
    result = solve_flow(
        n_pupils=n_p,
        n_ambassadors=len(inst["capacity"]),
        edge_pupil=np.array(inst["edge_pupil"], dtype=np.int64),
        edge_ambassador=np.array(inst["edge_ambassador"], dtype=np.int64),
        edge_score=np.array(inst["edge_score"], dtype=np.float64),
        capacity=np.array(inst["capacity"], dtype=np.int64),
        priority=np.array(inst["priority"], dtype=bool),
        locked_edges=np.array(locked, dtype=np.int64),
        group=group,
        group_quota=quota,
    )
    matched = result.ambassador_of >= 0
    assert (np.bincount(group[matched], minlength=2) <= quota).all()
    plain = dict(inst, locked=[])
    expected = brute_force(plain, result.scale, group=group.tolist(), quota=quota.tolist())
    assert (result.priority_matched, result.matched, result.integer_score) == expected
