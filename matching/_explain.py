"""The facts behind a feature's contribution: which interests are shared, which programme fits.

The library states facts, not sentences: who reads them (the ambassador, a counsellor) and in
which language is the caller's business.  A feature whose contribution rests on no fact worth
stating (an ambassador with no grade preference scores every grade alike) gives no facts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._records import Ambassador, Pupil

if TYPE_CHECKING:
    from ._features import FeatureContext

Facts = dict[str, Any]

#: At most this many shared interests or languages are named, the rarest first.
NAMED = 3


@dataclass(frozen=True)
class Reason:
    """One feature's contribution to a pair's score, and the facts it rests on.

    ``facts`` holds plain JSON values (strings, numbers, lists of strings), named per feature:

    - ``interest_similarity``: ``shared_interests`` (rarest first);
    - ``programme_fit``: ``programme`` (the ambassador's), ``wished_programmes`` (the pupil's
      wishes it fits) and, when it fits by family only, ``family``;
    - ``school_affinity``: ``former_school`` (the pupil's school, which the ambassador went to)
      and/or ``municipality`` (where both are);
    - ``language_match``: ``shared_languages``;
    - ``availability_overlap``: ``shared_slots`` (how many weekly slots both gave);
    - ``grade_preference``: ``grade`` (the pupil's, one the ambassador listed);
    - ``proximity``: ``distance_km``.
    """

    feature: str
    contribution: float
    facts: Facts = field(default_factory=dict)


def _by_rarity(shared: set[str], weights: dict[str, float]) -> list[str]:
    return sorted(shared, key=lambda t: (-weights.get(t, 0.0), t))[:NAMED]


def _interests(p: Pupil, a: Ambassador, ctx: FeatureContext) -> Facts | None:
    shared = _by_rarity(set(p.interests) & set(a.interests), ctx.interest_idf)
    return {"shared_interests": shared} if shared else None


def _programme(p: Pupil, a: Ambassador, ctx: FeatureContext) -> Facts | None:
    if a.programme in p.programmes:
        return {"programme": a.programme, "wished_programmes": [a.programme]}
    family = ctx.programme_families.get(a.programme, a.family)
    wished = [w for w in p.programmes if ctx.programme_families.get(w) == family]
    if not wished:
        return None
    return {"programme": a.programme, "family": family, "wished_programmes": wished}


def _school(p: Pupil, a: Ambassador, ctx: FeatureContext) -> Facts | None:
    facts: Facts = {}
    if p.school and p.school == a.former_school:
        facts["former_school"] = p.school
    if p.municipality and p.municipality == a.municipality:
        facts["municipality"] = p.municipality
    return facts or None


def _languages(p: Pupil, a: Ambassador, ctx: FeatureContext) -> Facts | None:
    shared = _by_rarity(set(p.languages) & set(a.languages), ctx.language_idf)
    return {"shared_languages": shared} if shared else None


def _availability(p: Pupil, a: Ambassador, ctx: FeatureContext) -> Facts | None:
    # Both sides must have given their free times: an empty side shares nothing.
    n = len(set(p.availability) & set(a.availability))
    return {"shared_slots": n} if n else None


def _grade(p: Pupil, a: Ambassador, ctx: FeatureContext) -> Facts | None:
    # No listed grades scores every grade alike: that is no reason for this pupil.
    return {"grade": p.grade} if p.grade in a.grades else None


def _proximity(p: Pupil, a: Ambassador, ctx: FeatureContext) -> Facts | None:
    if p.location is None or a.location is None:
        return None
    return {"distance_km": round(math.dist(p.location, a.location))}


_FACTS: dict[str, Callable[[Pupil, Ambassador, FeatureContext], Facts | None]] = {
    "interest_similarity": _interests,
    "programme_fit": _programme,
    "school_affinity": _school,
    "language_match": _languages,
    "availability_overlap": _availability,
    "grade_preference": _grade,
    "proximity": _proximity,
}


def facts(feature: str, pupil: Pupil, ambassador: Ambassador, ctx: FeatureContext) -> Facts | None:
    """The facts ``feature`` rests on for this pair, or None when there is none to state."""
    return _FACTS[feature](pupil, ambassador, ctx)
