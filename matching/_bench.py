"""``python -m matching bench``: seeded synthetic instances, timings, memory, baselines.

Each size runs in its own subprocess so that peak memory (``ru_maxrss``) belongs to that size
alone; it is read before the baselines run.  Baselines in the same process: greedy by score over
the same candidate pairs, and the dense exact solver (scipy ``linear_sum_assignment`` over
capacity slots, per block) where the slot matrix fits in ``LSA_LIMIT`` entries.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

SIZES: dict[str, dict[str, Any]] = {
    "tiny": {"pupils": 400, "ambassadors": 50, "municipalities": 3, "partition": "municipality"},
    "municipality": {"pupils": 2_500, "ambassadors": 300, "municipalities": 1},
    "municipality-wide": {"pupils": 2_500, "ambassadors": 900, "municipalities": 1},
    "copenhagen": {"pupils": 30_000, "ambassadors": 2_200, "municipalities": 1},
    "country": {
        "pupils": 270_000,
        "ambassadors": 20_000,
        "municipalities": 98,
        "partition": "municipality",
    },
    "country-online": {"pupils": 270_000, "ambassadors": 20_000, "municipalities": 98},
}
LSA_LIMIT = 250_000_000  # entries of the dense slot matrix (float64: 2 GB)
WARM_PAIRS = 300_000_000  # sizes up to this many scored pairs are timed warm too (3 calls) ...
WARM_CALLS = 5  # ... and up to a tenth of it, 5 warm calls


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def one(name: str, *, baselines: bool, n_jobs: int) -> dict[str, Any]:
    """Run one size in this process and return its measurements."""
    from ._features import encode
    from ._match import match
    from ._scoring import ScoringModel
    from ._synthetic import synthetic

    spec = SIZES[name]
    pupils, ambassadors = synthetic(
        spec["pupils"],
        spec["ambassadors"],
        n_municipalities=spec["municipalities"],
        random_state=2026,
    )
    t0 = time.perf_counter()
    enc = encode(pupils, ambassadors)
    t_encode = time.perf_counter() - t0
    model = ScoringModel()
    t0 = time.perf_counter()
    result = match(enc, model, partition=spec.get("partition"), n_jobs=n_jobs)
    t_first = t_match = time.perf_counter() - t0
    pairs = _pairs(enc, spec.get("partition"))
    warm = [] if pairs > WARM_PAIRS else range(WARM_CALLS if pairs <= WARM_PAIRS // 10 else 3)
    warm_times = []
    for _ in warm:
        # Warm calls (as in a long-running app; the first one pays the process's first-touch
        # costs: fresh pages, thread pools, BLAS set-up), reported as their median because a
        # shared 2-core machine varies by ±20 % from one call to the next.
        t0 = time.perf_counter()
        result = match(enc, model, partition=spec.get("partition"), n_jobs=n_jobs)
        warm_times.append(time.perf_counter() - t0)
    if warm_times:
        t_match = float(np.median(warm_times))
    row: dict[str, Any] = {
        "size": name,
        "pupils": spec["pupils"],
        "ambassadors": spec["ambassadors"],
        "pairs": pairs,
        "seconds_warm_calls": warm_times,
        "seconds_encode": t_encode,
        "seconds_score": result.stats["seconds_score"],
        "seconds_assign": result.stats["seconds_assign"],
        "seconds_total": t_match,
        "seconds_first_call": t_first,
        "load_average": os.getloadavg()[0],
        "peak_mb": _peak_mb(),
        # Forked block workers (the partitioned country); their pages are mostly shared.
        "peak_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0,
        "edges": result.stats["edges"],
        "pricing_rounds": result.stats["pricing_rounds"],
        "certified": result.certified,
        "priority_matched": result.priority_matched,
        "matched": result.matched,
        "total_score": result.total_score,
    }
    if baselines:
        row.update(_baselines(enc, model, spec.get("partition"), result))
    return row


def _pairs(enc: Any, partition: str | None) -> int:
    if partition is None:
        return int(enc.n_pupils * enc.n_ambassadors)
    pm = np.unique([p.municipality for p in enc.pupils], return_counts=True)
    am = dict(
        zip(*np.unique([a.municipality for a in enc.ambassadors], return_counts=True), strict=False)
    )
    return int(sum(int(c) * int(am.get(m, 0)) for m, c in zip(*pm, strict=False)))


def _blocks(enc: Any, partition: str | None) -> list[tuple[np.ndarray, np.ndarray]]:
    if partition is None:
        return [(np.arange(enc.n_pupils), np.arange(enc.n_ambassadors))]
    pm = np.array([p.municipality for p in enc.pupils])
    am = np.array([a.municipality for a in enc.ambassadors])
    return [(np.flatnonzero(pm == m), np.flatnonzero(am == m)) for m in np.unique(pm)]


def _baselines(enc: Any, model: Any, partition: str | None, result: Any) -> dict[str, Any]:
    from ._candidates import BlockScorer, block_candidates

    out: dict[str, Any] = {}
    cap = np.array([a.capacity for a in enc.ambassadors], dtype=np.int64)
    prio = np.array([p.priority for p in enc.pupils], dtype=bool)
    factors = model.factors(enc)
    # Greedy by score over the same kind of candidate graph.
    t0 = time.perf_counter()
    g_matched = g_prio = 0
    g_total = 0.0
    for ps, as_ in _blocks(enc, partition):
        if not len(as_):
            continue
        c = block_candidates(
            BlockScorer(factors, [], ps, as_, mask=None, min_score=None),
            capacity=cap[as_],
            k_pupil=12,
            k_ambassador=12,
        )
        s = model.score_pairs(enc, ps[c.pupil], as_[c.ambassador])
        left = cap[as_].copy()
        taken = np.zeros(len(ps), dtype=bool)
        for e in np.argsort(-s, kind="stable"):
            p, a = c.pupil[e], c.ambassador[e]
            if not taken[p] and left[a] > 0:
                taken[p] = True
                left[a] -= 1
                g_total += float(s[e])
        g_matched += int(taken.sum())
        g_prio += int((taken & prio[ps]).sum())
    out["greedy"] = {
        "seconds": time.perf_counter() - t0,
        "priority_matched": g_prio,
        "matched": g_matched,
        "total_score": g_total,
    }
    # Dense exact LSA over capacity slots, per block, where it fits.
    blocks = _blocks(enc, partition)
    if max(len(ps) * int(cap[as_].sum()) for ps, as_ in blocks) > LSA_LIMIT:
        out["lsa"] = None
        return out
    t0 = time.perf_counter()
    l_matched = l_prio = 0
    l_total = 0.0
    for ps, as_ in blocks:
        if not len(as_) or not cap[as_].sum():
            continue
        pi, ai = np.indices((len(ps), len(as_))).reshape(2, -1)
        s = model.score_pairs(enc, ps[pi], as_[ai]).reshape(len(ps), len(as_))
        slots = np.repeat(np.arange(len(as_)), cap[as_])
        q = np.rint(s * 1e6)
        bonus = (2 * len(slots) + 1) * 1e6
        w = q[:, slots] + bonus * prio[ps][:, None]
        rows, cols = linear_sum_assignment(w, maximize=True)
        l_matched += len(rows)
        l_prio += int(prio[ps][rows].sum())
        l_total += float(s[rows, slots[cols]].sum())
        del w, s, q
    out["lsa"] = {
        "seconds": time.perf_counter() - t0,
        "priority_matched": l_prio,
        "matched": l_matched,
        "total_score": l_total,
    }
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the measurements."""
    head = (
        "| size | pupils × ambassadors | encode s | score s | assign s | total s | first call s "
        "| load | peak MB | certified | prio / matched | total score | greedy | dense LSA |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        g, lsa = r.get("greedy"), r.get("lsa")
        greedy = "—"
        if g:
            greedy = (
                f"{g['priority_matched']}/{g['matched']}, "
                f"{100 * (g['total_score'] / r['total_score'] - 1):+.2f} %, {g['seconds']:.1f} s"
            )
        dense = "does not fit" if r.get("lsa", 0) is None else "—"
        if lsa:
            same = (
                lsa["priority_matched"] == r["priority_matched"]
                and lsa["matched"] == r["matched"]
                and abs(lsa["total_score"] - r["total_score"]) <= 1e-6 * max(1, r["matched"])
            )
            dense = f"{lsa['seconds']:.2f} s, {'equal' if same else 'DIFFERENT'}"
        lines.append(
            f"| {r['size']} | {r['pupils']:,} × {r['ambassadors']:,} | {r['seconds_encode']:.2f} "
            f"| {r['seconds_score']:.2f} | {r['seconds_assign']:.2f} | {r['seconds_total']:.2f} "
            f"| {r.get('seconds_first_call', r['seconds_total']):.2f} "
            f"| {r.get('load_average', float('nan')):.1f} | {r['peak_mb']:.0f} "
            f"| {'yes' if r['certified'] else 'no'} "
            f"| {r['priority_matched']}/{r['matched']} | {r['total_score']:.2f} | {greedy} "
            f"| {dense} |"
        )
    return "\n".join(lines)


def run(*, sizes: list[str], out: str, baselines: bool, n_jobs: int) -> int:
    """Run each size in a fresh interpreter, print the table, write JSON to ``out``."""
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        print(
            f"error: unknown size(s) {', '.join(unknown)}; known: {', '.join(SIZES)}",
            file=sys.stderr,
        )
        return 2
    rows = []
    for name in sizes:
        code = (
            "import json, sys; from matching._bench import one; "
            f"print(json.dumps(one({name!r}, baselines={baselines!r}, n_jobs={n_jobs})))"
        )
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ},
        )
        if proc.returncode != 0:
            print(
                f"error: size {name} failed: {proc.stderr.strip().splitlines()[-1:]}",
                file=sys.stderr,
            )
            return 1
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"{name}: done in {rows[-1]['seconds_total']:.2f} s", file=sys.stderr)
    print(table(rows))
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2) + "\n")
    return 0
