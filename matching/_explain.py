"""Sentences that explain a feature's contribution, naming the real interests and programmes.

The library has no gettext catalogue of its own (it must not import the app), so the two languages
are written out here; the app shows them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ._records import Ambassador, Pupil

if TYPE_CHECKING:
    from ._features import FeatureContext

_FAMILY = {
    "gymnasial": ("en gymnasial uddannelse", "an upper-secondary programme"),
    "vocational": ("en erhvervsuddannelse", "a vocational programme"),
    "preparatory": ("en forberedende uddannelse", "a preparatory programme"),
}


def join(items: Sequence[str], language: str) -> str:
    """``a, b og c`` / ``a, b and c``."""
    word = " og " if language == "da" else " and "
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + word + items[-1]


def _by_rarity(shared: set[str], weights: dict[str, float], n: int = 3) -> list[str]:
    return sorted(shared, key=lambda t: (-weights.get(t, 0.0), t))[:n]


def _interests(p: Pupil, a: Ambassador, ctx: FeatureContext, lang: str) -> str:
    shared = join(_by_rarity(set(p.interests) & set(a.interests), ctx.interest_idf), lang)
    if lang == "da":
        return f"I deler interessen for {shared}."
    return f"You share an interest in {shared}."


def _programme(p: Pupil, a: Ambassador, ctx: FeatureContext, lang: str) -> str:
    if a.programme in p.programmes:
        if lang == "da":
            return f"Ambassadøren går på {a.programme}, som eleven overvejer."
        return f"The ambassador studies {a.programme}, which the pupil is considering."
    family = ctx.programme_families.get(a.programme, a.family)
    wanted = [w for w in p.programmes if ctx.programme_families.get(w) == family]
    da, en = _FAMILY.get(family, (family, family))
    if lang == "da":
        return (
            f"Ambassadøren går på {a.programme}, {da} ligesom {join(wanted, lang)}, "
            "som eleven overvejer."
        )
    return (
        f"The ambassador studies {a.programme}, {en} like {join(wanted, lang)}, "
        "which the pupil is considering."
    )


def _school(p: Pupil, a: Ambassador, ctx: FeatureContext, lang: str) -> str:
    alumnus = bool(p.school) and p.school == a.former_school
    local = bool(p.municipality) and p.municipality == a.municipality
    if lang == "da":
        if alumnus and local:
            return f"Ambassadøren har selv gået på {p.school} og bor også i {p.municipality}."
        if alumnus:
            return f"Ambassadøren har selv gået på {p.school}."
        return f"Ambassadøren bor også i {p.municipality}."
    if alumnus and local:
        return f"The ambassador went to {p.school} too and also lives in {p.municipality}."
    if alumnus:
        return f"The ambassador went to {p.school} too."
    return f"The ambassador also lives in {p.municipality}."


def _languages(p: Pupil, a: Ambassador, ctx: FeatureContext, lang: str) -> str:
    shared = join(_by_rarity(set(p.languages) & set(a.languages), ctx.language_idf), lang)
    if lang == "da":
        return f"I taler begge {shared}."
    return f"You both speak {shared}."


def _availability(p: Pupil, a: Ambassador, ctx: FeatureContext, lang: str) -> str:
    n = len(set(p.availability) & set(a.availability))
    if lang == "da":
        return f"I har {n} fælles {'ledigt tidspunkt' if n == 1 else 'ledige tidspunkter'} om ugen."
    return f"You have {n} free {'slot' if n == 1 else 'slots'} in common each week."


def _grade(p: Pupil, a: Ambassador, ctx: FeatureContext, lang: str) -> str:
    if lang == "da":
        if not a.grades:
            return (
                f"Ambassadøren vil gerne hjælpe elever på alle klassetrin, også {p.grade}. klasse."
            )
        return f"Ambassadøren vil helst hjælpe elever i {p.grade}. klasse."
    if not a.grades:
        return f"The ambassador is happy to help pupils in any grade, including grade {p.grade}."
    return f"The ambassador prefers pupils in grade {p.grade}."


def _proximity(p: Pupil, a: Ambassador, ctx: FeatureContext, lang: str) -> str:
    km = math.dist(p.location or (0.0, 0.0), a.location or (0.0, 0.0))
    if lang == "da":
        return f"I bor cirka {km:.0f} km fra hinanden."
    return f"You live about {km:.0f} km apart."


_SENTENCES: dict[str, Callable[[Pupil, Ambassador, FeatureContext, str], str]] = {
    "interest_similarity": _interests,
    "programme_fit": _programme,
    "school_affinity": _school,
    "language_match": _languages,
    "availability_overlap": _availability,
    "grade_preference": _grade,
    "proximity": _proximity,
}


def sentence(
    feature: str, pupil: Pupil, ambassador: Ambassador, ctx: FeatureContext, language: str
) -> str:
    """One sentence on why ``feature`` counts for this pair, in ``language`` ("da" or "en")."""
    return _SENTENCES[feature](pupil, ambassador, ctx, language)
