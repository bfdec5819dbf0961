"""``load_demo``: the whole demo municipality in one transaction, or nothing when it is there."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.catalogue.seed import PROGRAMMES, seed_catalogues
from mentor.config import Settings, get_settings
from mentor.db import utcnow
from mentor.demo.ambassadors import build_ambassadors
from mentor.demo.municipality import (
    GUIDANCE_UNIT_CODE,
    INSTITUTIONS,
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    SCHOOLS,
    TENTH_GRADE_CENTRE,
    build_municipality,
    demo_organisation_codes,
)
from mentor.demo.proposals import build_proposals
from mentor.demo.pupils import Catalogue, build_pupils
from mentor.demo.school_year import CALENDAR
from mentor.demo.staff import DEMO_LOGINS, OTHER_DEMO_LOGINS, build_staff, mfa_notice
from mentor.demo.term import build_term
from mentor.followup.school_year import add_defaults as add_school_year_defaults
from mentor.models import (
    AmbassadorState,
    AuditAction,
    ConsentState,
    Interest,
    InterestGroup,
    Organisation,
    Programme,
    User,
)

# The same demo on every machine and every run.
SEED = 510_2026


class DemoConflict(Exception):
    """The database holds rows that the demo would duplicate, but not the demo itself."""


def _catalogue(session: Session) -> Catalogue:
    seeded = {seed.code for seed in PROGRAMMES}
    programmes = {
        programme.code: programme
        for programme in session.scalars(select(Programme).order_by(Programme.sort_order))
        if programme.code in seeded
    }
    interests = list(
        session.scalars(select(Interest).where(Interest.active).order_by(Interest.sort_order))
    )
    group_codes = dict(session.execute(select(InterestGroup.id, InterestGroup.code)).tuples().all())
    return Catalogue(programmes=programmes, interests=interests, group_codes=group_codes)


def _refuse_collisions(session: Session) -> None:
    codes = session.scalars(
        select(Organisation.code).where(Organisation.code.in_(demo_organisation_codes()))
    ).all()
    emails = session.scalars(
        select(User.email).where(
            User.email.in_([login.email for login in (*DEMO_LOGINS, *OTHER_DEMO_LOGINS)])
        )
    ).all()
    if codes or emails:
        clashes = ", ".join([*codes, *emails])
        raise DemoConflict(
            f"the database already holds {clashes} but not the demo's guidance unit "
            f"{GUIDANCE_UNIT_CODE}; load the demo into an empty database"
        )


def load_demo(
    session: Session, *, now: datetime | None = None, settings: Settings | None = None
) -> str:
    """Seed the catalogues, then fill an empty database with the demo municipality; flush only.

    Idempotent: when the demo's guidance unit exists, nothing else is touched and the summary
    says so. Deterministic apart from the ``created_at`` stamps of the staff accounts.
    """
    settings = settings or get_settings()
    seeded = seed_catalogues(session)
    if session.scalar(select(Organisation.id).where(Organisation.code == GUIDANCE_UNIT_CODE)):
        extra = f" Added {seeded.total} new catalogue entries." if seeded.total else ""
        return (
            f"The demo data is already loaded; nothing else was changed.{extra}\n"
            f"{mfa_notice(settings)}"
        )
    _refuse_collisions(session)

    rng = random.Random(SEED)  # noqa: S311 - made-up people, not secrets
    catalogue = _catalogue(session)
    municipality = build_municipality(session, catalogue.programmes)
    staff = build_staff(session, rng, municipality)
    specs = {spec.code: spec for spec in (*SCHOOLS, TENTH_GRADE_CENTRE)}
    pupils = build_pupils(rng, municipality, specs, catalogue, staff.coordinators)
    ambassadors = build_ambassadors(rng, municipality, catalogue, staff)
    session.add_all([*pupils, *ambassadors])
    session.flush()
    # The first ambassador is the demo login's.
    proposals = build_proposals(session, ambassadors[0], pupils)
    add_school_year_defaults(session)
    term = build_term(
        session,
        staff=staff,
        ambassadors=ambassadors,
        schools={school.code: school for school in municipality.all_schools},
        now=now or utcnow(),
        settings=settings,
    )
    record(
        session,
        actor_id=None,
        action=AuditAction.CREATE,
        object_type="demo",
        details={
            "pupils": len(pupils),
            "ambassadors": len(ambassadors),
            "proposals": proposals,
            "meetings": term.meetings,
        },
    )

    consented = sum(pupil.consent_state is ConsentState.GIVEN for pupil in pupils)
    states = Counter(ambassador.state for ambassador in ambassadors)
    by_state = ", ".join(f"{states[state]} {state.value}" for state in AmbassadorState)
    grades = Counter(pupil.grade for pupil in pupils)
    by_grade = ", ".join(f"{grades[grade]} in grade {grade}" for grade in sorted(grades))
    return (
        f"Loaded the demo municipality {MUNICIPALITY_NAME} ({MUNICIPALITY_CODE}): "
        f"{len(municipality.schools)} primary schools and a 10th-grade centre, "
        f"{len(INSTITUTIONS)} youth-education institutions and the guidance unit; "
        f"{len(pupils)} pupils ({by_grade}; {consented} with guardian consent); "
        f"{len(ambassadors)} ambassadors ({by_state}); "
        f"{proposals} proposals to the demo ambassador; "
        f"{term.meetings} meetings ({term.logs} logged, {term.feedback} feedback answers); "
        f"{len(staff.coordinators)} coordinators, 2 counsellors and an admin; "
        f"catalogues: {seeded.programmes} programmes, {seeded.interest_groups} interest groups, "
        f"{seeded.interests} interests and {seeded.meeting_topics} meeting topics added; "
        f"the school calendar 2026/27 with {len(CALENDAR)} holidays and exam periods.\n"
        f"{mfa_notice(settings)}"
    )
