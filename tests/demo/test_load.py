"""The demo municipality: believable, complete, the same every time, and loaded only once."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.accounts.passwords import password_problem, verify_password
from mentor.demo import DEMO_LOGINS, DemoConflict, load_demo
from mentor.models import (
    Ambassador,
    AmbassadorState,
    Base,
    ConsentState,
    CounsellorSchool,
    InstitutionProgramme,
    Organisation,
    OrganisationKind,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
    Role,
    User,
)
from tests.factories import make_school, make_user


def _row_counts(db: Session) -> dict[str, int]:
    return {
        table.name: db.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def _kinds(db: Session) -> Counter[OrganisationKind]:
    return Counter(db.scalars(select(Organisation.kind)))


def test_the_demo_is_a_believable_municipality(db: Session) -> None:
    summary = load_demo(db)

    assert "Haderslev" in summary
    kinds = _kinds(db)
    assert kinds[OrganisationKind.PRIMARY_SCHOOL] >= 12
    assert kinds[OrganisationKind.TENTH_GRADE_CENTRE] == 1
    assert kinds[OrganisationKind.YOUTH_INSTITUTION] == 5
    assert kinds[OrganisationKind.GUIDANCE_UNIT] == 1
    assert set(db.scalars(select(Organisation.municipality_code))) == {"510"}
    # Each institution offers its programmes, and each ambassador studies one of them there.
    offered = set(
        db.execute(
            select(InstitutionProgramme.institution_id, InstitutionProgramme.programme_id)
        ).tuples()
    )
    ambassadors = db.scalars(select(Ambassador)).all()
    assert all((a.institution_id, a.programme_id) in offered for a in ambassadors)

    pupils = db.scalars(select(Pupil)).all()
    assert 550 <= len(pupils) <= 650
    assert {p.grade for p in pupils} == {7, 8, 9, 10}
    assert all(abs(p.birth_year - (2020 - p.grade)) <= 1 for p in pupils if p.birth_year)
    assert all(p.class_name and p.class_name.startswith(f"{p.grade}.") for p in pupils)
    consent = Counter(p.consent_state for p in pupils)
    assert consent[ConsentState.GIVEN] > len(pupils) * 0.7
    assert consent[ConsentState.MISSING] > 0
    assert {lang for p in pupils for lang in p.languages} >= {"da", "en", "de", "ar", "tr", "uk"}
    names = " ".join(f"{p.first_name} {p.last_name}" for p in pupils)
    assert all(letter in names for letter in "æøå")
    assert (db.scalar(select(func.count()).select_from(PupilInterest)) or 0) > 2 * len(pupils)
    assert (db.scalar(select(func.count()).select_from(PupilProgrammeInterest)) or 0) > len(pupils)

    assert 70 <= len(ambassadors) <= 90
    assert {a.state for a in ambassadors} == set(AmbassadorState)
    assert {a.capacity for a in ambassadors} == {1, 2, 3, 4, 5}  # 5: the demo login
    assert any(a.former_school_id is not None for a in ambassadors)
    ambassador_users = db.scalars(select(User).where(User.role == Role.AMBASSADOR)).all()
    assert len(ambassador_users) == len(ambassadors)


def test_running_it_twice_changes_nothing(db: Session) -> None:
    load_demo(db)
    before = _row_counts(db)

    summary = load_demo(db)

    assert "already loaded" in summary
    assert _row_counts(db) == before


def test_every_demo_login_works(db: Session) -> None:
    load_demo(db)

    for login in DEMO_LOGINS:
        user = db.scalars(select(User).where(User.email == login.email)).one()
        assert user.role is login.role
        assert user.is_active
        assert password_problem(login.password, email=login.email) is None
        assert verify_password(user.password_hash, login.password)
    by_role = {login.role: login for login in DEMO_LOGINS}
    assert set(by_role) == set(Role)

    ambassador = db.scalars(
        select(Ambassador)
        .join(User, User.id == Ambassador.user_id)
        .where(User.email == by_role[Role.AMBASSADOR].email)
    ).one()
    assert ambassador.state is AmbassadorState.ACTIVE
    assert ambassador.training_completed_at is not None
    assert ambassador.capacity >= 1

    counsellor = db.scalars(select(User).where(User.email == by_role[Role.COUNSELLOR].email)).one()
    coordinator = db.scalars(
        select(User).where(User.email == by_role[Role.COORDINATOR].email)
    ).one()
    schools = set(
        db.scalars(
            select(CounsellorSchool.school_id).where(
                CounsellorSchool.counsellor_id == counsellor.id
            )
        )
    )
    assert (
        len(schools)
        > sum(
            _kinds(db)[kind]
            for kind in (OrganisationKind.PRIMARY_SCHOOL, OrganisationKind.TENTH_GRADE_CENTRE)
        )
        / 2
    )
    assert coordinator.organisation_id in schools
    # The coordinator's school has pupils, some of them with an alumnus among the ambassadors.
    assert db.scalar(
        select(func.count())
        .select_from(Pupil)
        .where(Pupil.school_id == coordinator.organisation_id)
    )
    assert ambassador.former_school_id == coordinator.organisation_id


def test_the_demo_is_the_same_every_time(db: Session) -> None:
    def snapshot() -> tuple[list[tuple[str, str, str, str, int, ConsentState]], list[str]]:
        pupils = db.execute(
            select(
                Organisation.code,
                Pupil.school_ref,
                Pupil.first_name,
                Pupil.last_name,
                Pupil.grade,
                Pupil.consent_state,
            )
            .join(Organisation, Organisation.id == Pupil.school_id)
            .order_by(Organisation.code, Pupil.school_ref)
        ).tuples()
        emails = db.scalars(select(User.email).order_by(User.email))
        return list(pupils), list(emails)

    savepoint = db.begin_nested()
    load_demo(db)
    first = snapshot()
    savepoint.rollback()
    assert db.scalar(select(func.count()).select_from(Pupil)) == 0

    load_demo(db)

    assert snapshot() == first


def test_it_refuses_a_database_that_holds_demo_codes_but_not_the_demo(db: Session) -> None:
    make_school(db, code="SBRO", name="Sønderbro Skole")

    with pytest.raises(DemoConflict, match="SBRO"):
        load_demo(db)


def test_an_existing_user_with_a_demo_address_is_a_conflict_too(db: Session) -> None:
    make_user(db, email="admin@ambassador.local", role=Role.ADMIN, organisation_id=None)

    with pytest.raises(DemoConflict, match=re.escape("admin@ambassador.local")):
        load_demo(db)
