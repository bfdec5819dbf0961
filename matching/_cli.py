"""``python -m matching solve``: the JSON contract other programs rely on.

in:  {"pupils": [{"id": "p1", "priority": false}, ...],
      "ambassadors": [{"id": "a1", "capacity": 2}, ...],
      "edges": [{"pupil": "p1", "ambassador": "a1", "score": 0.83}, ...],
      "locked": [{"pupil": "p1", "ambassador": "a1"}, ...]}
out: {"pairs": [{"pupil": "p1", "ambassador": "a1", "score": 0.83}, ...],
      "matched": 1, "priority_matched": 0, "total_score": 0.83}

Bad input raises :class:`InputError` with a one-line message; ``__main__`` prints it and exits 2.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ._assign import assign


class InputError(ValueError):
    """Invalid solver input; the message is one line."""


def _reject_constant(name: str) -> Any:
    raise InputError(f"{name} is not a valid number")


def _list(doc: dict[str, Any], key: str, *, required: bool) -> list[Any]:
    if key not in doc:
        if required:
            raise InputError(f"missing {key!r}")
        return []
    value = doc[key]
    if not isinstance(value, list):
        raise InputError(f"{key!r} must be a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputError(f"{key}[{i}] must be an object")
    return value


def _id(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise InputError(f"{where}: {key!r} must be a string")
    return value


def parse(text: str) -> dict[str, Any]:
    """Parse and validate the input document; return index arrays for :func:`assign`."""
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except InputError:
        raise
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"input is not valid JSON: {exc}".splitlines()[0]) from None
    if not isinstance(doc, dict):
        raise InputError("input must be a JSON object")
    pupils = _list(doc, "pupils", required=True)
    ambassadors = _list(doc, "ambassadors", required=True)
    edges = _list(doc, "edges", required=True)
    locked = _list(doc, "locked", required=False)

    p_index: dict[str, int] = {}
    priority = []
    for i, p in enumerate(pupils):
        pid = _id(p, "id", f"pupils[{i}]")
        if pid in p_index:
            raise InputError(f"duplicate pupil id {pid!r}")
        p_index[pid] = len(p_index)
        flag = p.get("priority", False)
        if not isinstance(flag, bool):
            raise InputError(f"pupil {pid!r}: 'priority' must be true or false")
        priority.append(flag)
    a_index: dict[str, int] = {}
    capacity = []
    for i, a in enumerate(ambassadors):
        aid = _id(a, "id", f"ambassadors[{i}]")
        if aid in a_index:
            raise InputError(f"duplicate ambassador id {aid!r}")
        a_index[aid] = len(a_index)
        cap = a.get("capacity")
        if isinstance(cap, bool) or not isinstance(cap, int):
            raise InputError(f"ambassador {aid!r}: 'capacity' must be an integer")
        if cap < 0:
            raise InputError(f"ambassador {aid!r}: capacity must not be negative ({cap})")
        capacity.append(cap)

    def pair(item: dict[str, Any], where: str) -> tuple[int, int]:
        pid, aid = _id(item, "pupil", where), _id(item, "ambassador", where)
        if pid not in p_index:
            raise InputError(f"{where}: unknown pupil id {pid!r}")
        if aid not in a_index:
            raise InputError(f"{where}: unknown ambassador id {aid!r}")
        return p_index[pid], a_index[aid]

    edge_at: dict[tuple[int, int], int] = {}
    scores = []
    for i, e in enumerate(edges):
        key = pair(e, f"edges[{i}]")
        if key in edge_at:
            raise InputError(f"edges[{i}]: duplicate edge ({e['pupil']!r}, {e['ambassador']!r})")
        s = e.get("score")
        if isinstance(s, bool) or not isinstance(s, int | float):
            raise InputError(f"edges[{i}]: 'score' must be a number")
        if not math.isfinite(s):
            raise InputError(f"edges[{i}]: score must be finite")
        edge_at[key] = len(edge_at)
        scores.append(float(s))
    lock_edges = []
    locked_pupils: set[int] = set()
    load = [0] * len(capacity)
    for i, lk in enumerate(locked):
        key = pair(lk, f"locked[{i}]")
        if key not in edge_at:
            raise InputError(f"locked[{i}]: ({lk['pupil']!r}, {lk['ambassador']!r}) is not an edge")
        if key[0] in locked_pupils:
            raise InputError(f"locked[{i}]: pupil {lk['pupil']!r} is locked twice")
        locked_pupils.add(key[0])
        load[key[1]] += 1
        if load[key[1]] > capacity[key[1]]:
            raise InputError(
                f"locked[{i}]: locks exceed the capacity of ambassador {lk['ambassador']!r}"
            )
        lock_edges.append(edge_at[key])
    keys = list(edge_at)
    return {
        "pupil_ids": list(p_index),
        "ambassador_ids": list(a_index),
        "capacity": capacity,
        "priority": priority,
        "edge_pupil": [k[0] for k in keys],
        "edge_ambassador": [k[1] for k in keys],
        "edge_score": scores,
        "locked": lock_edges,
    }


def solve(text: str) -> dict[str, Any]:
    """Solve one JSON problem; the answer as a JSON-ready dict.

    Ids are sorted first, so the answer does not depend on the order of the input.

    Examples
    --------
    >>> solve('{"pupils": [{"id": "p1"}], "ambassadors": [{"id": "a1", "capacity": 1}],'
    ...       ' "edges": [{"pupil": "p1", "ambassador": "a1", "score": 0.83}]}')
    {'pairs': [{'pupil': 'p1', 'ambassador': 'a1', 'score': 0.83}], 'matched': 1, \
'priority_matched': 0, 'total_score': 0.83}
    """
    d = parse(text)
    p_ids, a_ids = d["pupil_ids"], d["ambassador_ids"]
    p_order = np.argsort(np.array(p_ids, dtype=object), kind="stable")
    a_order = np.argsort(np.array(a_ids, dtype=object), kind="stable")
    p_rank = np.empty(len(p_ids), dtype=np.int64)
    p_rank[p_order] = np.arange(len(p_ids))
    a_rank = np.empty(len(a_ids), dtype=np.int64)
    a_rank[a_order] = np.arange(len(a_ids))
    ep = p_rank[np.array(d["edge_pupil"], dtype=np.int64)]
    ea = a_rank[np.array(d["edge_ambassador"], dtype=np.int64)]
    e_order = np.lexsort((ea, ep))
    e_rank = np.empty(len(e_order), dtype=np.int64)
    e_rank[e_order] = np.arange(len(e_order))
    scores = np.array(d["edge_score"], dtype=np.float64)
    result = assign(
        n_pupils=len(p_ids),
        capacity=np.array(d["capacity"], dtype=np.int64)[a_order],
        edge_pupil=ep[e_order],
        edge_ambassador=ea[e_order],
        edge_score=scores[e_order],
        priority=np.array(d["priority"], dtype=bool)[p_order],
        locked=e_rank[np.array(d["locked"], dtype=np.int64)],
    )
    used = np.flatnonzero(result.edge_used)
    pairs = [
        {
            "pupil": p_ids[p_order[ep[e_order][e]]],
            "ambassador": a_ids[a_order[ea[e_order][e]]],
            "score": float(scores[e_order][e]),
        }
        for e in used
    ]
    return {
        "pairs": pairs,
        "matched": result.matched,
        "priority_matched": result.priority_matched,
        "total_score": float(sum(p["score"] for p in pairs)),
    }
