"""Seeded, realistic synthetic pupils and ambassadors for benchmarks and tests."""

from __future__ import annotations

import numpy as np

from ._records import Ambassador, Pupil

PROGRAMMES: dict[str, str] = {
    "STX": "gymnasial",
    "HHX": "gymnasial",
    "HTX": "gymnasial",
    "HF": "gymnasial",
    "EUX Business": "vocational",
    "EUX Teknik": "vocational",
    "Tømrer": "vocational",
    "Elektriker": "vocational",
    "Frisør": "vocational",
    "Social- og sundhedsassistent": "vocational",
    "Mekaniker": "vocational",
    "Kok": "vocational",
    "Landbrug": "vocational",
    "Data og kommunikation": "vocational",
    "FGU": "preparatory",
    "10. klasse": "preparatory",
}
_POPULARITY = np.array([30, 8, 8, 6, 4, 4, 4, 3, 3, 4, 3, 2, 2, 2, 3, 2], dtype=float)
INTERESTS = (
    "fodbold",
    "håndbold",
    "gaming",
    "musik",
    "tegning",
    "design",
    "robotter",
    "programmering",
    "dyr",
    "heste",
    "natur",
    "klima",
    "madlavning",
    "mode",
    "film",
    "fotografering",
    "dans",
    "teater",
    "læsning",
    "skrivning",
    "historie",
    "matematik",
    "fysik",
    "kemi",
    "biologi",
    "sundhed",
    "træning",
    "svømning",
    "ridning",
    "cykling",
    "motorer",
    "biler",
    "landbrug",
    "byggeri",
    "elektronik",
    "sprog",
    "rejser",
    "politik",
    "økonomi",
    "iværksætteri",
    "frivilligt",
    "arbejde",
    "børn",
    "ældre",
    "musikproduktion",
    "e-sport",
    "skak",
    "kunst",
    "keramik",
    "strik",
    "havearbejde",
    "fiskeri",
    "sejlads",
    "spejder",
    "kor",
    "guitar",
    "klaver",
    "podcast",
    "youtube",
    "anime",
    "fantasy",
    "astronomi",
)
LANGUAGES = ("arabisk", "tyrkisk", "polsk", "somali", "ukrainsk", "tigrinya", "farsi", "engelsk")
N_MUNICIPALITIES = 98
N_SLOTS = 15  # five weekdays, three afternoon slots


def _zipf(rng: np.random.Generator, n: int, size: int, a: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** a
    return rng.choice(n, size=size, p=p / p.sum())


def synthetic(
    n_pupils: int,
    n_ambassadors: int,
    *,
    n_municipalities: int = 1,
    capacity: tuple[int, int] = (1, 5),
    random_state: int = 0,
) -> tuple[list[Pupil], list[Ambassador]]:
    """Pupils and ambassadors drawn from skewed, Danish-looking distributions.

    Municipalities get sizes from a Zipf law (the largest holds about a ninth of everyone when
    there are 98); each has schools of about 180 pupils in grades 7-10.

    Examples
    --------
    >>> pupils, ambassadors = synthetic(100, 10, random_state=1)
    >>> len(pupils), len(ambassadors), pupils[0].id
    (100, 10, 'p000000')
    """
    rng = np.random.default_rng(random_state)
    weights = 1.0 / np.arange(1, n_municipalities + 1) ** 0.9
    weights /= weights.sum()
    munis = [f"Kommune {i:02d}" for i in range(n_municipalities)]
    centres = rng.uniform([0, 0], [350, 300], size=(n_municipalities, 2))
    p_muni = rng.choice(n_municipalities, size=n_pupils, p=weights)
    a_muni = rng.choice(n_municipalities, size=n_ambassadors, p=weights)
    schools_in = np.maximum(1, np.bincount(p_muni, minlength=n_municipalities) // 180)
    progs = list(PROGRAMMES)
    pop = _POPULARITY / _POPULARITY.sum()

    def interests() -> tuple[str, ...]:
        k = int(rng.integers(2, 7))
        return tuple(sorted({INTERESTS[i] for i in _zipf(rng, len(INTERESTS), k)}))

    def languages(second: float) -> tuple[str, ...]:
        extra = (LANGUAGES[int(_zipf(rng, len(LANGUAGES), 1)[0])],) if rng.random() < second else ()
        return ("dansk", *extra)

    def slots() -> tuple[int, ...]:
        return tuple(sorted(rng.choice(N_SLOTS, size=int(rng.integers(2, 8)), replace=False)))

    def location(m: int) -> tuple[float, float]:
        x, y = centres[m] + rng.normal(0, 4, size=2)
        return (float(x), float(y))

    pupils = []
    for i in range(n_pupils):
        m = int(p_muni[i])
        wanted = rng.choice(len(progs), size=int(rng.integers(1, 4)), replace=False, p=pop)
        pupils.append(
            Pupil(
                id=f"p{i:06d}",
                school=f"{munis[m]} skole {int(rng.integers(schools_in[m])):02d}",
                municipality=munis[m],
                grade=int(rng.integers(7, 11)),
                interests=interests(),
                programmes=tuple(progs[j] for j in wanted),
                languages=languages(0.12),
                availability=slots(),
                location=location(m),
                priority=bool(rng.random() < 0.1),
            )
        )
    ambassadors = []
    for j in range(n_ambassadors):
        m = int(a_muni[j])
        prog = progs[int(rng.choice(len(progs), p=pop))]
        prefs = (
            () if rng.random() < 0.5 else tuple(sorted({int(g) for g in rng.integers(7, 11, 2)}))
        )
        ambassadors.append(
            Ambassador(
                id=f"a{j:06d}",
                programme=prog,
                family=PROGRAMMES[prog],
                institution=f"{munis[m]} {prog}",
                former_school=f"{munis[m]} skole {int(rng.integers(schools_in[m])):02d}",
                municipality=munis[m],
                interests=interests(),
                languages=languages(0.2),
                grades=prefs,
                availability=slots(),
                location=location(m),
                capacity=int(rng.integers(capacity[0], capacity[1] + 1)),
            )
        )
    return pupils, ambassadors
