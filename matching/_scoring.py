"""The scoring model: a weighted sum of pair features, explainable and serialisable."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._explain import Reason, facts
from ._features import FEATURE_NAMES, Dense, Encoded, KeyMatch
from ._fitting import check_outcomes, fit_weights

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
FORMAT = "ambassador-matching-model"
FORMAT_VERSION = 1

#: Default weights, chosen by reasoning rather than data (see :class:`ScoringModel`).
DEFAULT_WEIGHTS: dict[str, float] = {
    "programme_fit": 0.30,
    "interest_similarity": 0.20,
    "school_affinity": 0.15,
    "availability_overlap": 0.15,
    "language_match": 0.10,
    "grade_preference": 0.05,
    "proximity": 0.05,
}


@dataclass(frozen=True)
class Factors:
    """Weighted bilinear factors: ``score = pupil_rows(all) @ ambassador.T + key bonuses``.

    The pupils' side is kept as the encoding's parts and their weights, and concatenated only for
    the rows asked for: for the whole country it would be a 270,000 x 110 float64 copy (226 MB)
    of arrays that are already in memory.
    """

    pupil_parts: tuple[tuple[F64, float], ...]
    ambassador: F64
    keys: tuple[tuple[I64, I64, float], ...]

    def pupil_rows(self, rows: I64, dtype: type[np.floating[Any]] = np.float64) -> NDArray[Any]:
        """The weighted factors of the pupils ``rows``, shape ``(len(rows), n_columns)``."""
        out = np.empty((len(rows), self.ambassador.shape[1]), dtype=dtype)
        col = 0
        for part, weight in self.pupil_parts:
            width = part.shape[1]
            np.multiply(part[rows], weight, out=out[:, col : col + width], casting="unsafe")
            col += width
        return out


class ScoringModel:
    """Scores pupil-ambassador pairs as a weighted sum of features in [0, 1].

    The default weights (they sum to 1, so a score is in [0, 1]) follow the programme's purpose:

    - ``programme_fit`` 0.30 -- the point of the corps is to show a pupil the education they are
      considering, so an ambassador who studies it is worth most;
    - ``interest_similarity`` 0.20 -- shared interests give the first conversation something to
      hold on to, and rare shared interests (TF-IDF) say more than common ones;
    - ``school_affinity`` 0.15 -- an alumnus knows the pupil's school and town, the "someone like
      me" effect;
    - ``availability_overlap`` 0.15 -- a match that cannot meet is worth nothing;
    - ``language_match`` 0.10 -- decisive for pupils with another home language, but most pairs
      share Danish, so it separates few pairs;
    - ``grade_preference`` 0.05 -- a mild wish of the ambassador;
    - ``proximity`` 0.05 -- matters only for meetings in person; most pairs are local anyway.

    Parameters
    ----------
    weights : mapping, optional
        Feature name -> non-negative weight; missing features get weight 0.  Default
        :data:`DEFAULT_WEIGHTS`.
    must_have : iterable of str
        Features that must be positive for a pair to be allowed (hard filters).
    version : str
        A label stored with the model.
    metrics : mapping, optional
        Evaluation numbers stored with the model (e.g. cross-validated ROC AUC).

    Examples
    --------
    >>> from matching import Ambassador, Pupil, ScoringModel, encode
    >>> enc = encode([Pupil(id="p", programmes=("HTX",))],
    ...              [Ambassador(id="a", programme="HTX", family="gymnasial")])
    >>> model = ScoringModel()
    >>> float(model.score(enc)[0, 0])   # programme 0.30 + no grade preference 0.05
    0.35
    >>> [reason.facts for reason in model.explain(enc, "p", "a", top=1)]
    [{'programme': 'HTX', 'wished_programmes': ['HTX']}]
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        *,
        must_have: Iterable[str] = (),
        version: str = "default",
        metrics: Mapping[str, Any] | None = None,
    ) -> None:
        given = dict(DEFAULT_WEIGHTS if weights is None else weights)
        unknown = sorted(set(given) - set(FEATURE_NAMES))
        if unknown:
            raise ValueError(f"unknown feature(s): {', '.join(unknown)}")
        values = [float(given.get(name, 0.0)) for name in FEATURE_NAMES]
        if not all(np.isfinite(values)) or min(values) < 0:
            raise ValueError("weights must be finite and non-negative")
        self.weights: dict[str, float] = dict(zip(FEATURE_NAMES, values, strict=True))
        self.must_have: tuple[str, ...] = tuple(sorted(set(must_have)))
        unknown = sorted(set(self.must_have) - set(FEATURE_NAMES))
        if unknown:
            raise ValueError(f"unknown must-have feature(s): {', '.join(unknown)}")
        self.version = version
        self.metrics: dict[str, Any] = dict(metrics or {})

    @property
    def weight_vector(self) -> F64:
        return np.array([self.weights[name] for name in FEATURE_NAMES])

    def __repr__(self) -> str:
        return f"ScoringModel(version={self.version!r}, weights={self.weights!r})"

    # -- scoring -------------------------------------------------------------------------------

    def factors(self, encoded: Encoded, *, features: Iterable[str] | None = None) -> Factors:
        """Concatenated, weighted bilinear factors (all features, or the ones named, unweighted)."""
        chosen = None if features is None else set(features)
        us: list[tuple[F64, float]] = []
        vs, keys = [], []
        for name, parts in zip(FEATURE_NAMES, encoded.parts, strict=True):
            if chosen is None:
                w = self.weights[name]
                if w == 0.0:
                    continue
            elif name in chosen:
                w = 1.0
            else:
                continue
            for part in parts:
                if isinstance(part, Dense):
                    us.append((part.pupil, w))
                    vs.append(part.ambassador)
                elif isinstance(part, KeyMatch):
                    keys.append((part.pupil_key, part.ambassador_key, w * part.value))
        v = np.hstack(vs) if vs else np.zeros((encoded.n_ambassadors, 0))
        return Factors(tuple(us), v, tuple(keys))

    def score_pairs(self, encoded: Encoded, pupil: I64, ambassador: I64) -> F64:
        """Scores of the given index pairs (float64)."""
        return encoded.pair_features(pupil, ambassador) @ self.weight_vector

    def allowed_pairs(self, encoded: Encoded, pupil: I64, ambassador: I64) -> NDArray[np.bool_]:
        """Whether the given index pairs pass the must-have filters."""
        return self.evaluate_pairs(encoded, pupil, ambassador)[1]

    def evaluate_pairs(
        self, encoded: Encoded, pupil: I64, ambassador: I64
    ) -> tuple[F64, NDArray[np.bool_]]:
        """Scores (float64) of the given pairs and whether they pass the must-have filters."""
        pupil = np.asarray(pupil, dtype=np.int64)
        ambassador = np.asarray(ambassador, dtype=np.int64)
        if self.must_have:
            x = encoded.pair_features(pupil, ambassador)
            cols = [FEATURE_NAMES.index(name) for name in self.must_have]
            return x @ self.weight_vector, np.asarray((x[:, cols] > 0).all(axis=1))
        # Without must-haves, one gather over the weighted factors is cheaper than per feature.
        f = self._cached_factors(encoded)
        out = np.empty(len(pupil))
        step = 1 << 14  # the gathered rows stay in cache
        for lo in range(0, len(pupil), step):
            pi, ai = pupil[lo : lo + step], ambassador[lo : lo + step]
            # Pairs usually come in runs of one pupil: gather each run's factors once.
            starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
            rows = f.pupil_rows(pi[starts])
            if len(starts) < len(pi):
                rows = rows[np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(pi)]))]
            s = np.einsum("ij,ij->i", rows, f.ambassador[ai])
            for kp, ka, w in f.keys:
                k = kp[pi]
                s += w * ((k >= 0) & (k == ka[ai]))
            out[lo : lo + step] = s
        return out, np.ones(len(pupil), dtype=bool)

    def _cached_factors(self, encoded: Encoded) -> Factors:
        key = (id(encoded), tuple(self.weights.values()))
        cached = getattr(self, "_factor_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, self.factors(encoded))
            self._factor_cache = cached
        return cached[1]

    def score(self, encoded: Encoded) -> F64:
        """Dense score matrix ``(n_pupils, n_ambassadors)``; ``-inf`` where a must-have fails.

        For large instances use :func:`match`, which scores in chunks and keeps the best pairs.
        """
        pi, ai = np.indices((encoded.n_pupils, encoded.n_ambassadors)).reshape(2, -1)
        s, ok = self.evaluate_pairs(encoded, pi, ai)
        s[~ok] = -np.inf
        return s.reshape(encoded.n_pupils, encoded.n_ambassadors)

    # -- learning ------------------------------------------------------------------------------

    def fit(self, features: ArrayLike, outcomes: ArrayLike) -> ScoringModel:
        """Learn non-negative, class-balanced weights from logged outcomes; returns ``self``.

        The weights are rescaled to sum to 1, so scores stay in [0, 1] and comparable with the
        default model.  Use :func:`challenge` to decide whether the fitted model should replace
        the current one.

        Parameters
        ----------
        features : array, shape (n, n_features)
            Pair features, e.g. ``Encoded.pair_features(pupils, ambassadors)``.
        outcomes : array of {0, 1}, shape (n,)
        """
        x, y = check_outcomes(features, outcomes)
        if len(np.unique(y)) < 2:
            raise ValueError("outcomes must contain both classes")
        coef, intercept = fit_weights(x, y)
        total = float(coef.sum())
        normalised = coef / total if total > 0 else np.full(len(coef), 1.0 / len(coef))
        self.weights = dict(zip(FEATURE_NAMES, map(float, normalised), strict=True))
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_outcomes_ = len(y)
        self.version = f"learned-{len(y)}"
        self.metrics["n_outcomes"] = len(y)
        return self

    # -- explaining ----------------------------------------------------------------------------

    def explain(
        self, encoded: Encoded, pupil: str | int, ambassador: str | int, *, top: int = 3
    ) -> list[Reason]:
        """The largest contributions to a pair's score, each with the facts it rests on.

        Parameters
        ----------
        encoded : Encoded
        pupil, ambassador : str or int
            Ids, or indices into ``encoded``.
        top : int
            At most this many reasons, largest contribution first.  A contribution with no fact
            to state (an ambassador without a grade preference) is left out.
        """
        i = _index(pupil, [p.id for p in encoded.pupils], "pupil")
        j = _index(ambassador, [a.id for a in encoded.ambassadors], "ambassador")
        [reasons] = self.explain_pairs(encoded, np.array([i]), np.array([j]), top=top)
        return reasons

    def explain_pairs(
        self, encoded: Encoded, pupil: ArrayLike, ambassador: ArrayLike, *, top: int = 3
    ) -> list[list[Reason]]:
        """:meth:`explain` for many pairs (indices) at once.

        Examples
        --------
        >>> from matching import Ambassador, Pupil, ScoringModel, encode
        >>> enc = encode([Pupil(id="p", programmes=("HTX",))],
        ...              [Ambassador(id="a", programme="HTX", family="gymnasial")])
        >>> [reason] = ScoringModel().explain_pairs(enc, [0], [0], top=1)[0]
        >>> reason.feature, reason.contribution, reason.facts["programme"]
        ('programme_fit', 0.3, 'HTX')
        """
        pi = np.asarray(pupil, dtype=np.int64).reshape(-1)
        ai = np.asarray(ambassador, dtype=np.int64).reshape(-1)
        contribution = encoded.pair_features(pi, ai) * self.weight_vector
        # Largest contribution first, ties to the earlier feature (a stable sort of -c).
        order = np.argsort(-contribution, axis=1, kind="stable")
        chosen = np.take_along_axis(contribution, order, axis=1)
        out = []
        for i, j, features, values in zip(
            pi.tolist(), ai.tolist(), order.tolist(), chosen.tolist(), strict=True
        ):
            reasons: list[Reason] = []
            for f, c in zip(features, values, strict=True):
                if c <= 0 or len(reasons) == top:
                    break
                name = FEATURE_NAMES[f]
                found = facts(name, encoded.pupils[i], encoded.ambassadors[j], encoded.context)
                if found is not None:
                    reasons.append(Reason(name, c, found))
            out.append(reasons)
        return out

    # -- persistence ---------------------------------------------------------------------------

    def to_json(self) -> str:
        """Plain JSON with format version, weights, must-haves and metrics (never a pickle)."""
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "version": self.version,
                "features": list(FEATURE_NAMES),
                "weights": self.weights,
                "must_have": list(self.must_have),
                "metrics": self.metrics,
            },
            sort_keys=True,
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> ScoringModel:
        """Load a model written by :meth:`to_json`.

        Examples
        --------
        >>> m = ScoringModel(must_have=["language_match"], version="v2")
        >>> ScoringModel.from_json(m.to_json()).must_have
        ('language_match',)
        """
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a matching model")
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported model format version {data.get('format_version')!r}")
        return cls(
            data["weights"],
            must_have=data.get("must_have", ()),
            version=str(data.get("version", "")),
            metrics=data.get("metrics", {}),
        )


def _index(key: str | int, ids: list[str], what: str) -> int:
    if isinstance(key, int):
        if not 0 <= key < len(ids):
            raise ValueError(f"{what} index {key} out of range")
        return key
    try:
        return ids.index(key)
    except ValueError:
        raise ValueError(f"unknown {what} id {key!r}") from None
