"""Matching pupils with student ambassadors: features, an explainable scoring model, and an exact,
certified, capacitated assignment.

A pure library: numpy, scipy, scikit-learn and OR-Tools' min-cost flow; it never imports the web
app.  See ``matching/README.md`` for the design and the measured benchmarks.

Examples
--------
>>> from matching import Ambassador, Pupil, ScoringModel, encode, match
>>> pupils = [Pupil(id="p1", interests=("robotter", "design"), programmes=("HTX",))]
>>> ambassadors = [Ambassador(id="a1", programme="HTX", family="gymnasial",
...                           interests=("robotter", "design"), capacity=1)]
>>> enc = encode(pupils, ambassadors)
>>> result = match(enc, ScoringModel())
>>> result.pairs[0].ambassador, result.certified
('a1', True)
>>> [(r.feature, r.facts) for r in ScoringModel().explain(enc, "p1", "a1", top=2)]
[('programme_fit', {'programme': 'HTX', 'wished_programmes': ['HTX']}), \
('interest_similarity', {'shared_interests': ['design', 'robotter']})]
"""

from ._alternatives import best_ambassadors
from ._assign import Assignment, assign
from ._explain import Reason
from ._features import FEATURE_NAMES, FEATURES, Encoded, Feature, encode
from ._learning import Challenge, challenge
from ._match import MatchResult, Pair, match
from ._records import Ambassador, Pupil
from ._report import FairnessReport, Share, Unmatched
from ._scoring import DEFAULT_WEIGHTS, ScoringModel

__all__ = [
    "DEFAULT_WEIGHTS",
    "FEATURES",
    "FEATURE_NAMES",
    "Ambassador",
    "Assignment",
    "Challenge",
    "Encoded",
    "FairnessReport",
    "Feature",
    "MatchResult",
    "Pair",
    "Pupil",
    "Reason",
    "ScoringModel",
    "Share",
    "Unmatched",
    "assign",
    "best_ambassadors",
    "challenge",
    "encode",
    "match",
]
