"""A match's blocks (one per municipality, or one for all) and their per-school quotas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ._candidates import MaskFn
from ._features import Encoded

I64 = NDArray[np.int64]


@dataclass
class _Block:
    pupils: I64
    ambassadors: I64
    locked: list[tuple[int, int]]
    quota_groups: I64 | None = None
    quotas: I64 | None = None


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
