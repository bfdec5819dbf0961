"""About 600 pupils in grades 7–10, with guardians, consent and questionnaire answers.

Birth years follow the Danish school start (the calendar year a child turns six), so in 2026/27 a
7th grader is born in 2013 and a 10th grader in 2010, give or take a year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from mentor.demo.municipality import AUTUMN_START, SCHOOL_YEAR_ENDS, Municipality, SchoolSpec
from mentor.demo.names import email_local_part, person_name, pick_home_language
from mentor.demo.profiles import pick_interests, pick_leaning, pick_programmes
from mentor.models import (
    ConsentMethod,
    ConsentState,
    Interest,
    Organisation,
    Programme,
    Pupil,
    PupilProgrammeInterest,
    PupilStatus,
    User,
)

# Fewer 7th graders take part: the programme's weight lies on the choices of 8th and 9th grade.
GRADE_FACTOR = {7: 0.85, 8: 1.15, 9: 1.15}
CONSENT_WEIGHTS = {
    ConsentState.GIVEN: 82,
    ConsentState.MISSING: 12,
    ConsentState.REFUSED: 3,
    ConsentState.WITHDRAWN: 3,
}
# Most consent comes through the school's messaging system (Aula), hence "digital".
METHOD_WEIGHTS = {
    ConsentMethod.DIGITAL: 45,
    ConsentMethod.PAPER: 25,
    ConsentMethod.EMAIL: 15,
    ConsentMethod.PHONE: 8,
    ConsentMethod.IN_PERSON: 7,
}
GUARDIAN_DOMAIN = "foraelder.ambassador.local"


@dataclass(frozen=True)
class Catalogue:
    programmes: dict[str, Programme]
    interests: list[Interest]
    group_codes: dict[int, str]


def _autumn_day(rng: random.Random, first: int, last: int) -> datetime:
    """A weekday time between ``first`` and ``last`` days into the school year."""
    day = AUTUMN_START + timedelta(days=rng.randint(first, last), minutes=rng.randint(0, 480))
    return day - timedelta(days=max(0, day.weekday() - 4))


def _phone(rng: random.Random) -> str:
    digits = f"{rng.choice((2, 3, 4, 5, 6, 7))}{rng.randint(0, 9_999_999):07d}"
    return f"+45 {digits[0:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}"


def _languages(rng: random.Random, home: str) -> list[str]:
    if home == "da":
        return ["da", "en"] if rng.random() < 0.2 else ["da"]
    if home == "de":
        return ["da", "de"]
    if home == "uk" and rng.random() < 0.5:
        return ["uk", "en"]  # newly arrived: Danish still to come
    return [home, "da", "en"] if rng.random() < 0.3 else [home, "da"]


def _birth_year(rng: random.Random, grade: int, home: str) -> int:
    older = 0.25 if home in ("uk", "ar", "so", "fa") else 0.08
    roll = rng.random()
    shift = 1 if roll < older else (-1 if roll > 0.98 else 0)
    return 2020 - grade - shift


def _pupil(
    rng: random.Random,
    *,
    school: Organisation,
    grade: int,
    class_name: str,
    school_ref: str,
    catalogue: Catalogue,
    coordinator: User,
) -> Pupil:
    home = pick_home_language(rng)
    first, last = person_name(rng, home)
    guardian_first, guardian_last = person_name(rng, home, adult=True)
    if rng.random() < 0.8:
        guardian_last = last
    guardian = f"{guardian_first} {guardian_last}"
    enrolled = _autumn_day(rng, 7, 30)
    pupil = Pupil(
        school_id=school.id,
        school_ref=school_ref,
        first_name=first,
        last_name=last,
        grade=grade,
        class_name=class_name,
        birth_year=_birth_year(rng, grade, home),
        guardian_name=guardian,
        guardian_email=(
            f"{email_local_part(guardian_first, guardian_last)}.{school_ref}@{GUARDIAN_DOMAIN}"
            if rng.random() < 0.95
            else None
        ),
        guardian_phone=_phone(rng) if rng.random() < 0.9 else None,
        languages=_languages(rng, home),
        availability=[],
        status=PupilStatus.ARCHIVED if rng.random() < 0.01 else PupilStatus.ACTIVE,
        # 2026/27 ends in 2027; a pupil leaves after 9th grade (or after 10th).
        last_school_year=SCHOOL_YEAR_ENDS + max(0, 9 - grade),
        created_at=enrolled,
        updated_at=enrolled,
    )
    states = list(CONSENT_WEIGHTS)
    pupil.consent_state = rng.choices(states, weights=list(CONSENT_WEIGHTS.values()))[0]
    if pupil.consent_state is not ConsentState.MISSING:
        methods = list(METHOD_WEIGHTS)
        pupil.consent_given_by = guardian
        pupil.consent_method = rng.choices(methods, weights=list(METHOD_WEIGHTS.values()))[0]
        pupil.consent_at = _autumn_day(rng, 31, 95)
        pupil.consent_recorded_by_id = coordinator.id

    leaning = pick_leaning(rng)
    consented = pupil.consent_state is ConsentState.GIVEN
    if rng.random() < (0.9 if consented else 0.4):
        pupil.questionnaire_completed_at = _autumn_day(rng, 35, 100)
        pupil.interests = pick_interests(rng, leaning, catalogue.interests, catalogue.group_codes)
        pupil.programme_interests = [
            PupilProgrammeInterest(programme=programme, rank=rank)
            for rank, programme in enumerate(
                pick_programmes(rng, leaning, catalogue.programmes, grade=grade), start=1
            )
        ]
    # Counsellors give priority to pupils close to the application deadline who are unsure.
    urgent = 0.15 if grade >= 9 and leaning.name == "undecided" else 0.04
    pupil.priority = consented and rng.random() < urgent
    return pupil


def _school_pupils(
    rng: random.Random,
    school: Organisation,
    spec: SchoolSpec,
    grades: dict[int, float],
    catalogue: Catalogue,
    coordinator: User,
) -> list[Pupil]:
    pupils = []
    next_ref = rng.randrange(1000, 8000) * 10
    for grade, factor in grades.items():
        count = max(1, round(spec.pupils_per_grade * factor) + rng.randint(-2, 2))
        letters = "ABCDEFGH"[: spec.classes_per_grade]
        for _ in range(count):
            next_ref += rng.randint(1, 3)
            pupils.append(
                _pupil(
                    rng,
                    school=school,
                    grade=grade,
                    class_name=f"{grade}.{rng.choice(letters)}",
                    school_ref=str(next_ref),
                    catalogue=catalogue,
                    coordinator=coordinator,
                )
            )
    return pupils


def build_pupils(
    rng: random.Random,
    municipality: Municipality,
    specs: dict[str, SchoolSpec],
    catalogue: Catalogue,
    coordinators: dict[int, User],
) -> list[Pupil]:
    """The pupils of every demo school; the caller adds and flushes them."""
    pupils = []
    for school in municipality.schools:
        pupils += _school_pupils(
            rng, school, specs[school.code], GRADE_FACTOR, catalogue, coordinators[school.id]
        )
    centre = municipality.tenth_grade_centre
    pupils += _school_pupils(
        rng, centre, specs[centre.code], {10: 1.0}, catalogue, coordinators[centre.id]
    )
    return pupils
