"""From records to a certified assignment: the dense optimum, constraints, the report."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching import Ambassador, Encoded, Pupil, ScoringModel, encode, match
from matching._synthetic import synthetic


def dense_optimum(
    enc: Encoded, model: ScoringModel, allowed: np.ndarray | None = None
) -> tuple[int, int, float]:
    """Lexicographic optimum by scipy's LSA over capacity slots (all pairs unless masked)."""
    s = model.score(enc)
    prio = np.array([p.priority for p in enc.pupils])
    cap = np.array([a.capacity for a in enc.ambassadors])
    slots = np.repeat(np.arange(len(cap)), cap)
    q = np.rint(s * 1e6)[:, slots]
    ok = np.isfinite(q) if allowed is None else allowed[:, slots] & np.isfinite(q)
    n_slots = len(slots)
    w = np.where(ok, q + (2 * n_slots + 1) * 1e6 * (1 + 2 * prio[:, None]), -1e15)
    rows, cols = linear_sum_assignment(w, maximize=True)
    good = ok[rows, cols]
    rows, cols = rows[good], cols[good]
    return int(prio[rows].sum()), len(rows), float(s[rows, slots[cols]].sum())


@pytest.mark.parametrize(("n_p", "n_a", "seed"), [(600, 60, 0), (900, 40, 1), (300, 120, 2)])
def test_top_k_with_pricing_equals_dense_optimum(n_p: int, n_a: int, seed: int) -> None:
    pupils, ambassadors = synthetic(n_p, n_a, random_state=seed)
    enc = encode(pupils, ambassadors)
    model = ScoringModel()
    result = match(enc, model, k_pupil=4, k_ambassador=2)
    assert result.certified
    prio, matched, total = dense_optimum(enc, model)
    assert (result.priority_matched, result.matched) == (prio, matched)
    assert result.total_score == pytest.approx(total, abs=1e-5)


def test_partitioned_blocks_and_parallel_threads_agree() -> None:
    pupils, ambassadors = synthetic(800, 90, n_municipalities=5, random_state=7)
    enc = encode(pupils, ambassadors)
    one = match(enc, partition="municipality")
    two = match(enc, partition="municipality", n_jobs=2)
    assert one.pairs == two.pairs
    assert one.certified
    assert one.stats["blocks"] == 5
    for pair in one.pairs:
        p = next(x for x in pupils if x.id == pair.pupil)
        a = next(x for x in ambassadors if x.id == pair.ambassador)
        assert p.municipality == a.municipality


def test_one_block_on_two_threads_gives_the_same_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks and pricing runs on threads: the same pairs, rounds and certificate as on one."""
    import matching._pricing

    # Short pricing runs in small waves, so that a round spans many waves.
    monkeypatch.setattr(matching._pricing, "_PRICING_ROWS", 8)
    monkeypatch.setattr(matching._pricing, "_PRICING_WAVE", 3)
    pupils, ambassadors = synthetic(1500, 120, random_state=4)
    enc = encode(pupils, ambassadors)
    knobs = {"k_pupil": 1, "k_ambassador": 0, "k_priority": 1}
    one = match(enc, n_jobs=1, **knobs)  # type: ignore[arg-type]
    two = match(enc, n_jobs=2, **knobs)  # type: ignore[arg-type]
    assert one.stats["pricing_rounds"] >= 2  # violators were added and the flow solved again
    assert one.pairs == two.pairs
    assert one.certified
    assert two.certified
    for key in ("edges", "pricing_rounds", "full_pricings"):
        assert one.stats[key] == two.stats[key]
    prio, matched, total = dense_optimum(enc, ScoringModel())
    assert (one.priority_matched, one.matched) == (prio, matched)
    assert one.total_score == pytest.approx(total, abs=1e-5)


def test_constraints_locks_forbidden_mask_and_capacity() -> None:
    pupils, ambassadors = synthetic(300, 30, random_state=11)
    enc = encode(pupils, ambassadors)
    rng = np.random.default_rng(0)
    allowed = rng.random((300, 30)) < 0.5
    forbidden = [
        (pupils[i].id, ambassadors[j].id) for i, j in zip(*np.nonzero(allowed[:40]), strict=True)
    ][:25]
    lock_i = [i for i in range(300) if allowed[i, 3]][:2]
    locked = [(pupils[i].id, ambassadors[3].id) for i in lock_i]
    forbidden = [f for f in forbidden if f not in locked]
    result = match(
        enc, allowed=allowed, forbidden=forbidden, locked=locked, k_pupil=3, k_ambassador=1
    )
    assert result.certified
    got = {(p.pupil, p.ambassador) for p in result.pairs}
    assert set(locked) <= got
    assert not got & set(forbidden)
    p_idx = {p.id: i for i, p in enumerate(pupils)}
    a_idx = {a.id: j for j, a in enumerate(ambassadors)}
    assert all(allowed[p_idx[p], a_idx[a]] for p, a in got)
    load = np.bincount([a_idx[a] for _, a in got], minlength=30)
    assert (load <= [a.capacity for a in ambassadors]).all()
    assert len({p for p, _ in got}) == len(got)
    mask = allowed.copy()
    for p, a in forbidden:
        mask[p_idx[p], a_idx[a]] = False
    assert result.matched <= dense_optimum(enc, ScoringModel(), mask)[1]


def test_quotas_cap_each_school_and_are_reported() -> None:
    pupils, ambassadors = synthetic(400, 30, random_state=3)
    enc = encode(pupils, ambassadors)
    free = match(enc)
    quotas = dict.fromkeys({p.school for p in pupils}, 10)
    fair = match(enc, quotas=quotas)
    for _school, share in fair.report.by_school.items():
        assert share.matched <= 10
        assert share.quota == 10
        assert 0 <= share.share <= 1
    assert fair.matched <= free.matched
    reasons = {u.reason for u in fair.report.unmatched}
    assert reasons <= {"school_quota_reached", "capacity_used_up"}
    prop = match(enc, quotas="proportional")
    assert prop.certified


@pytest.mark.parametrize(
    "knobs", [{"k_pupil": 0}, {"k_ambassador": -1}, {"k_priority": -1}, {"max_rounds": -1}]
)
def test_candidate_knobs_out_of_range_are_refused(knobs: dict[str, int]) -> None:
    pupils, ambassadors = synthetic(20, 3, random_state=1)
    with pytest.raises(ValueError, match="k_pupil must be at least 1"):
        match(encode(pupils, ambassadors), **knobs)  # type: ignore[arg-type]


def test_report_reasons_and_min_score() -> None:
    pupils = [
        Pupil(id="alone", programmes=("HTX",)),
        Pupil(id="p1", programmes=("HTX",), grade=8),
        Pupil(id="p2", programmes=("HTX",), grade=9),
    ]
    ambassadors = [Ambassador(id="a1", programme="HTX", family="gymnasial", capacity=1)]
    enc = encode(pupils, ambassadors)
    result = match(enc, forbidden=[("alone", "a1")])
    reasons = {u.pupil: u.reason for u in result.report.unmatched}
    assert reasons["alone"] == "no_allowed_ambassador"
    assert "capacity_used_up" in reasons.values()
    assert result.report.by_grade[8].pupils == 2
    assert result.report.mean_score == pytest.approx(result.total_score / result.matched)
    nothing = match(enc, min_score=0.99)
    assert nothing.matched == 0


def test_matching_never_imports_the_app() -> None:
    code = (
        "import sys, matching, matching.__main__, matching._bench\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('mentor', 'fastapi', 'sqlalchemy', 'starlette', 'pydantic')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize(("n_p", "n_a", "seed"), [(700, 50, 11), (400, 60, 1)])
def test_pricing_finds_every_violator_by_brute_force(
    exact: bool, n_p: int, n_a: int, seed: int
) -> None:
    """The staircase of pricing sub-blocks misses no absent pair within the slack of violating."""
    from matching._assign import integer_scores, solve_flow
    from matching._candidates import BlockScorer, block_candidates
    from matching._pricing import _NEAR, _merged, _violations

    pupils, ambassadors = synthetic(n_p, n_a, random_state=seed)
    enc = encode(pupils, ambassadors)
    model = ScoringModel()
    ps, as_ = np.arange(n_p), np.arange(n_a)
    prio = np.array([p.priority for p in enc.pupils])
    cap = np.array([a.capacity for a in enc.ambassadors], dtype=np.int64)
    scorer = BlockScorer(model.factors(enc), [], ps, as_, mask=None, min_score=None, exact=exact)
    cand = block_candidates(scorer, capacity=cap, k_pupil=1, k_ambassador=1, deep=prio, k_deep=2)
    es = model.score_pairs(enc, cand.pupil, cand.ambassador)
    result = solve_flow(
        n_pupils=n_p,
        n_ambassadors=n_a,
        edge_pupil=cand.pupil,
        edge_ambassador=cand.ambassador,
        edge_score=es,
        capacity=cap,
        priority=prio,
        locked_edges=np.zeros(0, dtype=np.int64),
    )

    def exact_fn(pl: np.ndarray, al: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return pl, al, model.score_pairs(enc, pl, al)

    present = np.sort(cand.pupil * n_a + cand.ambassador)
    priced = _violations(result, cand, scorer, exact_fn, present, n_a)
    s = model.score(enc)
    absent = np.ones((n_p, n_a), dtype=bool)
    absent[cand.pupil, cand.ambassador] = False

    def gaps(r: Any) -> np.ndarray:
        g = integer_scores(s, r.scale) - r.pupil_price[:, None]
        return np.asarray(g - r.ambassador_price[None, :])

    gap = gaps(result)
    violators = set(zip(*np.nonzero(absent & (gap > 0)), strict=True))
    assert violators  # the instance must exercise pricing
    # Complete: every absent pair within the slack of violating is listed, and only those.
    near = set(zip(*np.nonzero(absent & (gap > -_NEAR * result.scale)), strict=True))
    assert priced.complete
    assert set(zip(priced.pupil.tolist(), priced.ambassador.tolist(), strict=True)) == near
    vp, va, vs = priced.additions()
    got = set(zip(vp.tolist(), va.tolist(), strict=True))
    assert violators <= got <= near
    assert np.all(np.diff(vp * n_a + va) > 0)  # sorted, no duplicates
    assert np.allclose(vs, s[vp, va])

    # After the re-solve, a recheck of the listed pairs finds exactly the new violators.
    ep = np.concatenate([cand.pupil, vp])
    ea = np.concatenate([cand.ambassador, va])
    again = solve_flow(
        n_pupils=n_p,
        n_ambassadors=n_a,
        edge_pupil=ep,
        edge_ambassador=ea,
        edge_score=model.score_pairs(enc, ep, ea),
        capacity=cap,
        priority=prio,
        locked_edges=np.zeros(0, dtype=np.int64),
        scale=result.scale,
    )
    carried, moved_p, moved_a = priced.without(vp * n_a + va, n_a).carried_over(again)
    absent[vp, va] = False
    new_gap = gaps(again)
    # An unlisted pair can only violate through a pupil or an ambassador whose dual moved.
    unlisted = absent.copy()
    unlisted[carried.pupil, carried.ambassador] = False
    could = moved_p[:, None] | moved_a[None, :]
    assert not (unlisted & (new_gap > 0) & ~could).any()
    if seed == 1:  # here the re-solve moved duals enough for unlisted pairs to violate
        assert (unlisted & (new_gap > 0)).any()
    assert np.array_equal(carried.gap, new_gap[carried.pupil, carried.ambassador])
    # The rows and columns that moved, priced again, complete what the listed pairs miss.
    new_present = np.sort(ep * n_a + ea)
    parts = [carried]
    if moved_p.any():
        parts.append(
            _violations(again, cand, scorer, exact_fn, new_present, n_a, rows_only=moved_p)
        )
    if moved_a.any():
        parts.append(
            _violations(again, cand, scorer, exact_fn, new_present, n_a, cols_only=moved_a)
        )
    merged = _merged(parts, n_a)
    new_violators = set(zip(*np.nonzero(absent & (new_gap > 0)), strict=True))
    got = set(zip(merged.pupil.tolist(), merged.ambassador.tolist(), strict=True))
    assert {pa for pa in got if new_gap[pa] > 0} == new_violators


@pytest.mark.parametrize(("n_pupils", "n_ambassadors"), [(0, 3), (3, 0), (0, 0)])
def test_an_empty_side_gives_an_empty_certified_result(n_pupils: int, n_ambassadors: int) -> None:
    pupils, ambassadors = synthetic(max(n_pupils, 1), max(n_ambassadors, 1), random_state=1)
    enc = encode(pupils[:n_pupils], ambassadors[:n_ambassadors])
    result = match(enc)
    assert result.pairs == ()
    assert result.certified
    assert len(result.report.unmatched) == n_pupils
