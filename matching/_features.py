"""Pair features, each in [0, 1], as bilinear forms so that scoring is linear algebra.

Every feature ``f(p, a)`` is written as ``<U[p], V[a]>`` (dense parts) plus ``value * [key_p ==
key_a]`` (key parts, for "same school" style features that would be wide one-hot blocks).  The
score of all pairs is then one matrix product of the weighted, concatenated ``U`` and ``V`` plus a
few sparse corrections -- never a Python loop over pairs.

Adding a feature is one encoder function ``(FeatureContext) -> Parts`` and one :class:`Feature`
entry in :data:`FEATURES` (and the facts :meth:`ScoringModel.explain` states, in ``_explain.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._records import Ambassador, Pupil

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Largest distance (km) the proximity feature distinguishes; Denmark is about 450 km across.
PROXIMITY_RANGE_KM = 500.0
#: Partial programme credit for an ambassador in the same family as a wanted programme.
FAMILY_CREDIT = 0.4


@dataclass(frozen=True)
class Dense:
    """``f(p, a) += U[p] @ V[a]``."""

    pupil: F64
    ambassador: F64


@dataclass(frozen=True)
class KeyMatch:
    """``f(p, a) += value * [pupil_key[p] == ambassador_key[a] >= 0]``."""

    pupil_key: I64
    ambassador_key: I64
    value: float


Part = Dense | KeyMatch


@dataclass
class FeatureContext:
    """Records plus vocabularies shared by the encoders (interest IDF, programme families)."""

    pupils: Sequence[Pupil]
    ambassadors: Sequence[Ambassador]
    programme_families: dict[str, str]
    interest_idf: dict[str, float] = field(default_factory=dict)
    language_idf: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Feature:
    """A named pair feature with its Danish and English phrase."""

    name: str
    da: str
    en: str
    encode: Callable[[FeatureContext], list[Part]]


def _vocab(items: Sequence[Sequence[Any]]) -> dict[Any, int]:
    return {t: i for i, t in enumerate(sorted(set(chain.from_iterable(items))))}


def _indicator(rows: Sequence[Sequence[Hashable]], vocab: Mapping[Any, int]) -> F64:
    out = np.zeros((len(rows), len(vocab)))
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    total = int(lengths.sum())
    cols = np.fromiter(
        map(vocab.get, chain.from_iterable(rows), repeat(-1, total)), dtype=np.int64, count=total
    )
    row_of = np.repeat(np.arange(len(rows)), lengths)
    keep = cols >= 0
    out[row_of[keep], cols[keep]] = 1.0
    return out


def idf(groups: Sequence[Sequence[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency, as scikit-learn's ``TfidfTransformer`` defines it."""
    n = len(groups)
    df: dict[str, int] = {}
    for tags in groups:
        for t in set(tags):
            df[t] = df.get(t, 0) + 1
    return {t: float(np.log((1 + n) / (1 + d)) + 1.0) for t, d in sorted(df.items())}


def _tfidf(rows: Sequence[Sequence[str]], weights: dict[str, float]) -> F64:
    vocab = {t: i for i, t in enumerate(weights)}
    x: F64 = _indicator(rows, vocab) * np.array([weights[t] for t in vocab])
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    out: F64 = np.zeros_like(x)
    np.divide(x, norm, out=out, where=norm > 0)
    return out


def interest_similarity(ctx: FeatureContext) -> list[Part]:
    """TF-IDF weighted cosine of interest tags: a shared rare interest counts more."""
    return [
        Dense(
            _tfidf([p.interests for p in ctx.pupils], ctx.interest_idf),
            _tfidf([a.interests for a in ctx.ambassadors], ctx.interest_idf),
        )
    ]


def rank_weight(rank: int) -> float:
    """Weight of the pupil's ``rank``-th wanted programme (0 = first): 1, 0.75, 0.6, 0.5, ..."""
    return 1.5 / (rank + 1.5)


def programme_fit(ctx: FeatureContext) -> list[Part]:
    """The ambassador studies a wanted programme (by rank), or one of the same family."""
    vocab = _vocab([[a.programme for a in ctx.ambassadors if a.programme]])
    fam = np.array([ctx.programme_families.get(n, "") for n in vocab], dtype=object)
    wanted_rows = [p.programmes for p in ctx.pupils]
    wanted = _vocab(wanted_rows)
    # credit[w, j]: what wanting programme w earns from an ambassador studying vocab entry j.
    credit = np.zeros((len(wanted), len(vocab)))
    for name, w in wanted.items():
        family = ctx.programme_families.get(name, "")
        if family:
            credit[w, fam == family] = FAMILY_CREDIT
        if name in vocab:
            credit[w, vocab[name]] = 1.0
    lengths = np.fromiter(map(len, wanted_rows), dtype=np.int64, count=len(wanted_rows))
    total = int(lengths.sum())
    code = np.fromiter(
        map(wanted.__getitem__, chain.from_iterable(wanted_rows)), dtype=np.int64, count=total
    )
    row = np.repeat(np.arange(len(wanted_rows)), lengths)
    rank = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    u = np.zeros((len(ctx.pupils), len(vocab)))
    for r in range(int(lengths.max(initial=0))):
        at = rank == r
        rows = row[at]
        u[rows] = np.maximum(u[rows], rank_weight(r) * credit[code[at]])
    v = _indicator([[a.programme] for a in ctx.ambassadors], vocab)
    return [Dense(u, v)]


def _codes(pupil_keys: Sequence[str], ambassador_keys: Sequence[str]) -> tuple[I64, I64]:
    vocab = {k: i for i, k in enumerate(sorted({k for k in pupil_keys if k}))}
    p = np.array([vocab.get(k, -1) if k else -1 for k in pupil_keys], dtype=np.int64)
    a = np.array([vocab.get(k, -1) if k else -1 for k in ambassador_keys], dtype=np.int64)
    return p, a


def school_affinity(ctx: FeatureContext) -> list[Part]:
    """Half for an alumnus of the pupil's school, half for living in the pupil's municipality."""
    ps, as_ = _codes([p.school for p in ctx.pupils], [a.former_school for a in ctx.ambassadors])
    pm, am = _codes([p.municipality for p in ctx.pupils], [a.municipality for a in ctx.ambassadors])
    return [KeyMatch(ps, as_, 0.5), KeyMatch(pm, am, 0.5)]


def language_match(ctx: FeatureContext) -> list[Part]:
    """Share of the pupil's languages that the ambassador speaks too."""
    vocab = _vocab([p.languages for p in ctx.pupils])
    u = _indicator([p.languages for p in ctx.pupils], vocab)
    count = u.sum(axis=1, keepdims=True)
    u = np.divide(u, count, out=np.zeros_like(u), where=count > 0)
    return [Dense(u, _indicator([a.languages for a in ctx.ambassadors], vocab))]


def availability_overlap(ctx: FeatureContext) -> list[Part]:
    """Share of the pupil's weekly slots in which the ambassador is free too."""
    rows = [p.availability for p in ctx.pupils]
    vocab = _vocab(rows)
    u = _indicator(rows, vocab)
    count = u.sum(axis=1, keepdims=True)
    u = np.divide(u, count, out=np.zeros_like(u), where=count > 0)
    v = _indicator([a.availability for a in ctx.ambassadors], vocab)
    return [Dense(u, v)]


def grade_preference(ctx: FeatureContext) -> list[Part]:
    """1 when the ambassador prefers the pupil's grade or has no preference."""
    rows = [(p.grade,) for p in ctx.pupils]
    vocab = _vocab(rows)
    u = _indicator(rows, vocab)
    v = _indicator([a.grades for a in ctx.ambassadors], vocab)
    v[[not a.grades for a in ctx.ambassadors]] = 1.0
    return [Dense(u, v)]


def proximity(ctx: FeatureContext) -> list[Part]:
    """``1 - (distance / 500 km)**2``, written bilinearly; 0 when a location is unknown."""
    # dtype given: an empty list would otherwise make a float array, useless as a mask.
    known_p = np.array([p.location is not None for p in ctx.pupils], dtype=bool)
    known_a = np.array([a.location is not None for a in ctx.ambassadors], dtype=bool)
    xp = np.array([p.location or (0.0, 0.0) for p in ctx.pupils], dtype=np.float64).reshape(-1, 2)
    xa = np.array([a.location or (0.0, 0.0) for a in ctx.ambassadors], dtype=np.float64)
    xa = xa.reshape(-1, 2)
    both = np.concatenate([xp[known_p], xa[known_a]])
    centre = both.mean(axis=0) if len(both) else np.zeros(2)
    xp, xa = (xp - centre) / PROXIMITY_RANGE_KM, (xa - centre) / PROXIMITY_RANGE_KM
    u = np.column_stack([1.0 - (xp**2).sum(axis=1), 2 * xp, -np.ones(len(xp))])
    v = np.column_stack([np.ones(len(xa)), xa, (xa**2).sum(axis=1)])
    u[~known_p] = 0.0
    v[~known_a] = 0.0
    return [Dense(u, v)]


FEATURES: tuple[Feature, ...] = (
    Feature("interest_similarity", "fælles interesser", "shared interests", interest_similarity),
    Feature("programme_fit", "uddannelse eleven overvejer", "a wanted programme", programme_fit),
    Feature("school_affinity", "tilknytning til skolen", "ties to the school", school_affinity),
    Feature("language_match", "fælles sprog", "shared languages", language_match),
    Feature("availability_overlap", "fælles tid", "time in common", availability_overlap),
    Feature("grade_preference", "foretrukket klassetrin", "preferred grade", grade_preference),
    Feature("proximity", "afstand", "distance", proximity),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


@dataclass(frozen=True)
class RecordColumns:
    """The records' ids and scalar fields as arrays and codes, in the records' order.

    Made once by :func:`encode`, so that a match over 290,000 records needs no loop over them.
    Names are sorted; codes index them.
    """

    pupil_ids: tuple[str, ...]
    ambassador_ids: tuple[str, ...]
    pupil_position: dict[str, int]
    ambassador_position: dict[str, int]
    priority: NDArray[np.bool_]
    capacity: I64
    grade: I64
    school: I64
    school_names: tuple[str, ...]
    pupil_municipality: I64
    ambassador_municipality: I64
    municipality_names: tuple[str, ...]

    @classmethod
    def of(cls, pupils: Sequence[Pupil], ambassadors: Sequence[Ambassador]) -> RecordColumns:
        n_p, n_a = len(pupils), len(ambassadors)
        pupil_ids = tuple(p.id for p in pupils)
        ambassador_ids = tuple(a.id for a in ambassadors)
        schools = [p.school for p in pupils]
        school_names = tuple(sorted(dict.fromkeys(schools)))
        pupil_towns = [p.municipality for p in pupils]
        ambassador_towns = [a.municipality for a in ambassadors]
        towns = tuple(sorted(dict.fromkeys(chain(pupil_towns, ambassador_towns))))
        return cls(
            pupil_ids=pupil_ids,
            ambassador_ids=ambassador_ids,
            pupil_position={k: i for i, k in enumerate(pupil_ids)},
            ambassador_position={k: i for i, k in enumerate(ambassador_ids)},
            priority=np.fromiter((p.priority for p in pupils), dtype=bool, count=n_p),
            capacity=np.fromiter((a.capacity for a in ambassadors), dtype=np.int64, count=n_a),
            grade=np.fromiter((p.grade for p in pupils), dtype=np.int64, count=n_p),
            school=_positions(schools, school_names),
            school_names=school_names,
            pupil_municipality=_positions(pupil_towns, towns),
            ambassador_municipality=_positions(ambassador_towns, towns),
            municipality_names=towns,
        )


def _positions(values: Sequence[str], names: Sequence[str]) -> I64:
    """Each value's position in ``names``."""
    code = {name: i for i, name in enumerate(names)}
    return np.fromiter(map(code.__getitem__, values), dtype=np.int64, count=len(values))


@dataclass(frozen=True)
class Encoded:
    """Feature parts of a set of pupils and ambassadors; the input to scoring and explaining.

    ``pupils``/``ambassadors`` keep the caller's order; ``parts[f]`` lists feature ``f``'s
    bilinear parts; ``columns`` holds the records' ids and scalar fields as arrays.
    """

    pupils: tuple[Pupil, ...]
    ambassadors: tuple[Ambassador, ...]
    parts: tuple[tuple[Part, ...], ...]
    context: FeatureContext
    columns: RecordColumns

    @property
    def n_pupils(self) -> int:
        return len(self.pupils)

    @property
    def n_ambassadors(self) -> int:
        return len(self.ambassadors)

    def relabelled(
        self,
        pupils: Sequence[Pupil],
        ambassadors: Sequence[Ambassador],
        renamed: Mapping[str, str],
    ) -> Encoded:
        """The same encoding for the same people with their tags named differently (say, in
        another language): the parts are shared, so scores are equal, and :meth:`explain` names
        things with the new records.  ``renamed`` maps each old interest or language tag to its
        new name; the records must be the old ones, in order, with their tags renamed by it
        (only the records that will be explained need renaming).
        """
        if len(pupils) != self.n_pupils or len(ambassadors) != self.n_ambassadors:
            raise ValueError("relabelled records must be the same people, in the same order")
        ctx = self.context
        context = FeatureContext(
            pupils=tuple(pupils),
            ambassadors=tuple(ambassadors),
            programme_families=ctx.programme_families,
            interest_idf={renamed.get(t, t): w for t, w in ctx.interest_idf.items()},
            language_idf={renamed.get(t, t): w for t, w in ctx.language_idf.items()},
        )
        return Encoded(tuple(pupils), tuple(ambassadors), self.parts, context, self.columns)

    @cached_property
    def pupil_id_rank(self) -> I64:
        """Each pupil's position in id order: results list pupils by id."""
        order = np.argsort(np.array([p.id for p in self.pupils], dtype=str), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    def pair_features(self, pupil: I64, ambassador: I64) -> F64:
        """Feature matrix, shape ``(n_pairs, n_features)``, for the given index pairs."""
        pupil = np.asarray(pupil, dtype=np.int64)
        ambassador = np.asarray(ambassador, dtype=np.int64)
        out = np.zeros((len(pupil), len(self.parts)))
        step = 1 << 16
        for lo in range(0, len(pupil), step):
            pi, ai = pupil[lo : lo + step], ambassador[lo : lo + step]
            for f, parts in enumerate(self.parts):
                col = out[lo : lo + step, f]
                for part in parts:
                    if isinstance(part, Dense):
                        col += np.einsum("ij,ij->i", part.pupil[pi], part.ambassador[ai])
                    else:
                        kp = part.pupil_key[pi]
                        col += part.value * ((kp >= 0) & (kp == part.ambassador_key[ai]))
        return np.clip(out, 0.0, 1.0)


def encode(
    pupils: Sequence[Pupil],
    ambassadors: Sequence[Ambassador],
    *,
    programme_families: dict[str, str] | None = None,
) -> Encoded:
    """Encode records into the bilinear feature parts used for scoring.

    Parameters
    ----------
    pupils, ambassadors : sequence of Pupil, Ambassador
    programme_families : dict, optional
        Programme -> family; the ambassadors' own ``(programme, family)`` pairs are always used.

    Returns
    -------
    Encoded

    Examples
    --------
    >>> enc = encode([Pupil(id="p", interests=("robotter",))],
    ...              [Ambassador(id="a", interests=("robotter",))])
    >>> float(enc.pair_features([0], [0])[0, 0])
    1.0
    """
    families = {a.programme: a.family for a in ambassadors if a.programme and a.family}
    families.update(programme_families or {})
    groups = [p.interests for p in pupils] + [a.interests for a in ambassadors]
    languages = [p.languages for p in pupils] + [a.languages for a in ambassadors]
    ctx = FeatureContext(
        pupils=tuple(pupils),
        ambassadors=tuple(ambassadors),
        programme_families=families,
        interest_idf=idf(groups),
        language_idf=idf(languages),
    )
    parts = tuple(tuple(f.encode(ctx)) for f in FEATURES)
    columns = RecordColumns.of(pupils, ambassadors)
    return Encoded(tuple(pupils), tuple(ambassadors), parts, ctx, columns)
