"""Leanings that make the demo's interests and programme choices hang together.

A pupil (or an ambassador) has one leaning; it makes some interest groups and programmes likelier
without deciding them, so the demo has the skew of real answers — most pupils look at the
gymnasium, gaming and football are everywhere — and matching has something to find.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from mentor.models import Interest, Programme


@dataclass(frozen=True)
class Leaning:
    name: str
    weight: float  # how common among pupils
    groups: tuple[str, ...]  # interest groups made likelier
    programmes: dict[str, float]  # programme code -> weight as a wish


LEANINGS: tuple[Leaning, ...] = (
    Leaning("academic", 22, ("languages", "society", "creative"),
            {"STX": 10, "HF": 2, "HHX": 2, "EUX": 0.5}),
    Leaning("science", 10, ("science", "technology"),
            {"STX": 6, "HTX": 6, "EUX": 1, "EUD-FJO": 0.5}),
    Leaning("business", 14, ("business", "society", "languages"),
            {"HHX": 10, "EUX": 3, "EUD-KHF": 3, "STX": 2}),
    Leaning("technology", 12, ("technology", "crafts"),
            {"HTX": 8, "EUX": 3, "EUD-TBT": 4, "STX": 1}),
    Leaning("creative", 10, ("creative", "languages"),
            {"STX": 6, "HTX": 3, "EUD-FJO": 1, "HF": 1, "EUD-TBT": 1}),
    Leaning("care", 10, ("care", "society", "sport"),
            {"EUD-OSP": 6, "HF": 3, "STX": 4, "EUX": 2}),
    Leaning("hands_on", 12, ("crafts", "food", "sport"),
            {"EUD-TBT": 6, "EUX": 4, "EUD-FJO": 4, "EUD10": 2, "HTX": 1}),
    Leaning("undecided", 10, ("sport", "technology", "food"),
            {"EUD10": 4, "HF": 3, "FGU": 3, "EUD-TBT": 2, "EUD-OSP": 2, "STX": 2, "STU": 0.3}),
)  # fmt: skip

# How popular each interest is in itself, before a leaning adds to it.
POPULARITY: dict[str, float] = {
    "gaming": 3.0, "football": 2.5, "music": 2.5, "animals": 2.0, "fitness": 2.0,
    "handball": 1.8, "cooking": 1.6, "media": 1.6, "travel": 1.5, "art": 1.4,
    "helping": 1.4, "fashion": 1.3, "outdoors": 1.2, "programming": 1.2, "cars": 1.2,
    "marketing": 1.1, "riding": 1.0, "dance": 1.0, "baking": 1.0, "children": 1.0,
}  # fmt: skip
BASE_POPULARITY = 0.6
LEANING_BOOST = 4.0

# The leaning that fits an ambassador's programme.
LEANING_OF_PROGRAMME: dict[str, tuple[str, ...]] = {
    "STX": ("academic", "science", "creative", "care"),
    "HF": ("academic", "care", "creative"),
    "HHX": ("business",),
    "HTX": ("technology", "science"),
    "EUX": ("business", "technology", "care", "hands_on"),
    "EUD-KHF": ("business",),
    "EUD-TBT": ("technology", "hands_on"),
    "EUD-FJO": ("hands_on",),
    "EUD-OSP": ("care",),
    "FGU": ("undecided", "hands_on"),
}

LEANING_BY_NAME = {leaning.name: leaning for leaning in LEANINGS}


def pick_leaning(rng: random.Random) -> Leaning:
    return rng.choices(LEANINGS, weights=[leaning.weight for leaning in LEANINGS])[0]


def _sample_weighted(
    rng: random.Random, options: Sequence[object], weights: Sequence[float], k: int
) -> list[int]:
    """Indexes of ``k`` distinct options drawn with the given weights (Efraimidis–Spirakis)."""
    keys = [rng.random() ** (1 / weight) if weight > 0 else -1.0 for weight in weights]
    ranked = sorted(range(len(options)), key=lambda index: keys[index], reverse=True)
    return [index for index in ranked[:k] if weights[index] > 0]


def pick_interests(
    rng: random.Random, leaning: Leaning, interests: Sequence[Interest], group_codes: dict[int, str]
) -> list[Interest]:
    """Three to six interests, likelier from the leaning's groups and the popular ones."""
    weights = [
        POPULARITY.get(interest.code, BASE_POPULARITY)
        * (LEANING_BOOST if group_codes[interest.group_id] in leaning.groups else 1.0)
        for interest in interests
    ]
    count = rng.choices((3, 4, 5, 6), weights=(3, 4, 2, 1))[0]
    return [interests[index] for index in _sample_weighted(rng, interests, weights, count)]


def pick_programmes(
    rng: random.Random, leaning: Leaning, programmes: dict[str, Programme], *, grade: int
) -> list[Programme]:
    """One to four programmes in the pupil's order of preference.

    EUD10 is a 10th-grade option, so only pupils before 10th grade wish for it; every other
    programme stays possible with a small weight, as pupils surprise their counsellors.
    """
    codes = [code for code in programmes if not (code == "EUD10" and grade >= 10)]
    weights = [leaning.programmes.get(code, 0.2 if code != "STU" else 0.0) for code in codes]
    count = rng.choices((1, 2, 3, 4), weights=(3, 4, 3, 1))[0]
    return [programmes[codes[index]] for index in _sample_weighted(rng, codes, weights, count)]
