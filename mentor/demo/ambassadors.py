"""About 80 ambassadors in every vetting state, with their user accounts.

The vetting plan is fixed rather than drawn, so every state and every børneattest status is
present, including the awkward cases a counsellor must notice: approved but not yet trained, and
approved while a renewed børneattest is pending.

Every ambassador account shares the demo ambassador's password hash (hashing 80 passwords with
Argon2 would take seconds), so one can log in as any of them; the accounts of ambassadors who
left or were rejected are disabled.
"""

from __future__ import annotations

import random
from datetime import timedelta

from mentor.demo.municipality import AUTUMN_START, INSTITUTIONS, Municipality
from mentor.demo.names import email_local_part, person_name, pick_home_language
from mentor.demo.profiles import LEANING_BY_NAME, LEANING_OF_PROGRAMME, pick_interests
from mentor.demo.pupils import Catalogue
from mentor.demo.staff import Staff
from mentor.models import (
    Ambassador,
    AmbassadorState,
    Organisation,
    Programme,
    ProgrammeFamily,
    Role,
    User,
)

S = AmbassadorState
# (vetting state, how many); the first row is the demo ambassador's. Every state is present.
VETTING_PLAN: tuple[tuple[AmbassadorState, int], ...] = (
    (S.ACTIVE, 48),
    (S.TRAINED, 2),
    (S.CERTIFICATE_CLEARED, 2),
    (S.CERTIFICATE_REQUESTED, 4),
    (S.APPROVED, 3),
    (S.APPLIED, 5),
    (S.PAUSED, 6),
    (S.REJECTED, 4),
    (S.LEFT, 6),
)
# Where the børneattest and the training are on record (paused and left ambassadors had been
# active); rejected applicants were turned down at different steps.
CERTIFICATE_CLEARED = {S.CERTIFICATE_CLEARED, S.TRAINED, S.ACTIVE, S.PAUSED, S.LEFT}
CERTIFICATE_REQUESTED = {S.CERTIFICATE_REQUESTED, *CERTIFICATE_CLEARED}
TRAINED = {S.TRAINED, S.ACTIVE, S.PAUSED, S.LEFT}
REJECTION_REASONS = (
    "Børneattesten kunne ikke godkendes.",
    "Ansøgeren går ikke længere på en ungdomsuddannelse.",
)
# Years a programme takes, for year_of_study.
YEARS = {"STX": 3, "HHX": 3, "HTX": 3, "HF": 2, "EUX": 4, "FGU": 2}
GRADE_PREFERENCES = ([7, 8], [8, 9], [9, 10], [8, 9, 10], [9], [7, 8, 9])
ABOUT = (
    "Jeg går på {programme} på {institution} og fortæller gerne om, hvordan en skoledag ser ud.",
    "Jeg var selv i tvivl i 9. klasse. Nu er jeg glad for mit valg og vil gerne hjælpe andre.",
    "Spørg mig om alt: lektier, fester, studieture og hvad man kan bagefter.",
    "Jeg kommer selv fra en lille skole og ved, hvor stort skiftet kan føles.",
)
ABOUT_HANDS_ON = (
    "Jeg valgte {programme}, fordi jeg kan lide at lære med hænderne og hovedet på én gang.",
    "Jeg er i praktik en del af tiden og fortæller gerne om livet på en arbejdsplads.",
)
# The demo ambassador went to the demo coordinator's school.
DEMO_FORMER_SCHOOL = "SBRO"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _availability(rng: random.Random) -> list[dict[str, object]]:
    """One to three weekday slots inside school hours, where pupils can be met."""
    slots = []
    for weekday in sorted(rng.sample(range(5), rng.choice((1, 2, 2, 3)))):
        start = rng.choice((10 * 60, 12 * 60, 12 * 60 + 30, 13 * 60, 13 * 60 + 30))
        end = min(start + rng.choice((90, 120, 180)), 15 * 60 + 30)
        slots.append({"weekday": weekday, "start": _clock(start), "end": _clock(end)})
    return slots


def _places(institutions: list[Organisation]) -> list[tuple[Organisation, str]]:
    """(institution, programme code) for each ambassador; the demo ambassador's place first."""
    by_code = {institution.code: institution for institution in institutions}
    return [
        (by_code[spec.code], programme)
        for spec in INSTITUTIONS
        for programme, count in spec.ambassadors.items()
        for _ in range(count)
    ]


def _vetting(rng: random.Random) -> list[AmbassadorState]:
    plan = [state for state, n in VETTING_PLAN for _ in range(n)]
    demo, rest = plan[0], plan[1:]
    rng.shuffle(rest)
    return [demo, *rest]


def build_ambassadors(
    rng: random.Random,
    municipality: Municipality,
    catalogue: Catalogue,
    staff: Staff,
) -> list[Ambassador]:
    """The ambassadors and the users of all but the demo ambassador; the caller adds them."""
    password_hash = staff.ambassador.password_hash
    used_emails = {staff.ambassador.email}
    places = _places(municipality.institutions)
    plan = _vetting(rng)
    ambassadors = []
    for index, ((institution, code), state) in enumerate(zip(places, plan, strict=True)):
        home = pick_home_language(rng)
        if index == 0:
            user = staff.ambassador
        else:
            first, last = person_name(rng, home)
            email = f"{email_local_part(first, last)}@elev.ambassador.local"
            suffix = 2
            while email in used_emails:
                email = f"{email_local_part(first, last)}{suffix}@elev.ambassador.local"
                suffix += 1
            used_emails.add(email)
            user = User(
                email=email,
                full_name=f"{first} {last}",
                role=Role.AMBASSADOR,
                organisation=institution,
                password_hash=password_hash,
                is_active=state not in (S.LEFT, S.REJECTED),
            )
        ambassadors.append(
            _ambassador(
                rng,
                user=user,
                institution=institution,
                programme=catalogue.programmes[code],
                home=home,
                state=state,
                staff=staff,
                municipality=municipality,
                catalogue=catalogue,
                demo=index == 0,
            )
        )
    return ambassadors


def _ambassador(
    rng: random.Random,
    *,
    user: User,
    institution: Organisation,
    programme: Programme,
    home: str,
    state: AmbassadorState,
    staff: Staff,
    municipality: Municipality,
    catalogue: Catalogue,
    demo: bool,
) -> Ambassador:
    years = YEARS.get(programme.code, 3)
    year = rng.choices(range(1, years + 1), weights=(2, 4, 3, 1)[:years])[0]
    # Years later than the straight path (a 10th grade, a gap year); vocational students vary more.
    vocational = programme.code.startswith(("EUD", "FGU"))
    late = rng.choices((0, 1, 2, 3), weights=(14, 5, 1, 1 if vocational else 0))[0]
    assessed = state in CERTIFICATE_CLEARED
    requested = state in CERTIFICATE_REQUESTED
    trained = state in TRAINED
    # Applicants are recent; the others applied at the start of the school year.
    first_day, last_day = (60, 80) if state is S.APPLIED else (0, 40)
    applied = AUTUMN_START + timedelta(days=rng.randint(first_day, last_day))
    assessed_at = applied + timedelta(days=rng.randint(10, 20))
    schools = municipality.schools
    if demo:
        former: Organisation | None = next(s for s in schools if s.code == DEMO_FORMER_SCHOOL)
    else:
        former = rng.choice(schools) if rng.random() < 0.65 else None
    languages = ["da"] + (["en"] if rng.random() < 0.85 else [])
    if programme.family is ProgrammeFamily.GYMNASIAL and rng.random() < 0.25:
        languages.append("de")
    if home not in languages:
        languages.append(home)
    leaning = LEANING_BY_NAME[rng.choice(LEANING_OF_PROGRAMME.get(programme.code, ("undecided",)))]
    # Danes write the programmes' abbreviations in lower case (stx, eux), but FGU and STU not.
    short = programme.code.split("-")[0]
    short = short if short in ("FGU", "STU") else short.lower()
    hands_on = programme.family is not ProgrammeFamily.GYMNASIAL
    about = rng.choice(ABOUT + ABOUT_HANDS_ON if hands_on else ABOUT).format(
        programme=short, institution=institution.name
    )
    if state not in (S.APPLIED, S.REJECTED):
        # Approved accounts have been used: a profile is ready only after a first login.
        user.last_login_at = applied + timedelta(days=2)
    return Ambassador(
        user=user,
        institution=institution,
        programme=programme,
        year_of_study=year,
        former_school=former,
        birth_year=2026 - 16 - (year - 1) - late,
        languages=languages,
        preferred_grades=[] if rng.random() < 0.3 else rng.choice(GRADE_PREFERENCES),
        # The demo login holds two mentees and two waiting proposals: room for one more.
        capacity=5 if demo else rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0],
        availability=_availability(rng),
        about=about if rng.random() < 0.6 or demo else None,
        state=state,
        rejection_reason=rng.choice(REJECTION_REASONS) if state is S.REJECTED else None,
        child_certificate_requested_at=applied + timedelta(days=5) if requested else None,
        child_certificate_assessed_at=assessed_at if assessed else None,
        child_certificate_assessor_id=staff.admin.id if assessed else None,
        # Training is booked after the børneattest is cleared and completed after the booking.
        training_booked_at=assessed_at + timedelta(days=2) if trained else None,
        training_completed_at=(
            max(applied + timedelta(days=rng.randint(14, 35)), assessed_at + timedelta(days=9))
            if trained
            else None
        ),
        interests=pick_interests(rng, leaning, catalogue.interests, catalogue.group_codes),
        created_at=applied,
        updated_at=applied,
    )
