"""Input hygiene through HTTP: control characters (NUL above all, which PostgreSQL refuses in
text) and CPR numbers are refused next to the field in every form, searches with a NUL answer a
normal page, and consent dates must be plausible (issue 17, defects 2 and 13, "personal numbers
kept out")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import (
    ConsentState,
    Interest,
    InterestGroup,
    Note,
    Organisation,
    Role,
    User,
)
from tests.conftest import FakeClock
from tests.factories import make_interest_group, make_pupil, make_school
from tests.pupils.casework import casework
from tests.web import csrf_token, log_in_as, make_user_with_password, post_form, sign_in

NOT_ALLOWED = "Teksten indeholder tegn, der ikke er tilladt."
NO_CPR = "Skriv ikke CPR-numre her."
CPR_NUMBERS = ("010203-1234", "0102031234")

PUPIL = {
    "first_name": "Ida",
    "last_name": "Lund",
    "grade": "8",
    "class_name": "8.A",
    "guardian_name": "Karen Lund",
    "guardian_phone": "20 30 40 50",
}
CONSENT = {"state": "given", "given_by": "Karen Lund", "method": "paper"}


def _count(db: Session, model: type[object]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


# --- Defect 2: a NUL byte in a form field ------------------------------------------------------


def test_a_nul_byte_at_login_and_password_reset_is_refused_not_a_server_error(
    client: TestClient, db: Session
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)

    login = post_form(
        client, "/login", {"email": user.email + "\x00", "password": "x"}, token_from="/login"
    )
    reset = post_form(
        client, "/password-reset", {"email": "a\x00@b.dk"}, token_from="/password-reset"
    )

    assert login.status_code == 422
    assert NOT_ALLOWED in login.text
    assert "\x00" not in login.text
    assert reset.status_code == 422
    assert NOT_ALLOWED in reset.text


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_a_pupils_name_are_refused_and_nothing_saved(
    client: TestClient, db: Session, character: str
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Ida")
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    response = post_form(
        client, f"/pupils/{pupil.id}/edit", PUPIL | {"first_name": f"Ida{character}Marie"}
    )

    assert response.status_code == 422
    assert f'<p class="field-error" id="first_name-error">{NOT_ALLOWED}</p>' in response.text
    assert character not in response.text
    db.refresh(pupil)
    assert pupil.first_name == "Ida"


def test_line_breaks_and_tabs_stay_allowed_in_a_text_area(client: TestClient, db: Session) -> None:
    case = casework(db)
    sign_in(client, db, case.counsellor)

    response = post_form(
        client, f"/pupils/{case.pupil.id}/notes", {"body": "Ringede hjem.\r\n\tFar svarede."}
    )

    assert response.status_code == 303
    assert db.scalars(select(Note.body)).one().startswith("Ringede hjem.")


def test_an_application_with_a_nul_byte_is_refused_next_to_the_field(
    client: TestClient, db: Session
) -> None:
    from tests.ambassadors.test_joining_routes import application

    data = application(db, "ung@elev.dk") | {"full_name": "Sara\x00Holm"}
    response = client.post("/apply", data={**data, "csrf_token": csrf_token(client, "/apply")})

    assert response.status_code == 422
    assert NOT_ALLOWED in response.text
    assert _count(db, User) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users?q=%00",
        "/admin/users?q=a%00b&role=admin",
        "/admin/organisations?q=%00",
        "/admin/ambassadors?q=%00",
        "/pupils?q=%00&class_name=8.A%00",
        "/pupils/consent?class_name=8.A%00",
    ],
)
def test_a_search_with_a_nul_byte_answers_a_normal_page(
    client: TestClient, db: Session, path: str
) -> None:
    school = make_school(db)
    make_pupil(db, school=school, class_name="8.A")
    role = Role.COORDINATOR if path.startswith("/pupils") else Role.ADMIN
    log_in_as(client, db, role, organisation=school)

    response = client.get(path)

    assert response.status_code == 200
    assert "\x00" not in response.text


def test_a_staff_edit_with_a_nul_byte_is_refused(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    group = make_interest_group(db, label_da="Sport")

    response = post_form(
        client,
        "/admin/interests/new",
        {
            "code": "fod\x00bold",
            "label_da": "Fodbold",
            "label_en": "Football",
            "group_id": str(group.id),
        },
    )

    assert response.status_code == 422
    assert NOT_ALLOWED in response.text
    assert _count(db, Interest) == 0


def test_an_organisation_with_a_nul_byte_in_its_name_is_refused(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    before = _count(db, Organisation)

    response = post_form(
        client,
        "/admin/organisations/new",
        {"kind": "primary_school", "name": "Skole\x00", "code": "SK1", "address": "Vej 0102031234"},
    )

    assert response.status_code == 422
    assert f'id="name-error">{NOT_ALLOWED}' in response.text
    assert f'id="address-error">{NO_CPR}' in response.text
    assert _count(db, Organisation) == before


# --- Personal numbers kept out ---------------------------------------------------------------


@pytest.mark.parametrize("number", CPR_NUMBERS)
@pytest.mark.parametrize("field", ["first_name", "last_name", "class_name", "guardian_name"])
def test_a_cpr_number_in_the_pupil_form_is_refused_and_not_echoed(
    client: TestClient, db: Session, field: str, number: str
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Ida", guardian_name=None)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    response = post_form(client, f"/pupils/{pupil.id}/edit", PUPIL | {field: f"8.A {number}"[-20:]})

    assert response.status_code == 422
    assert f'id="{field}-error">{NO_CPR}' in response.text
    db.refresh(pupil)
    assert number not in f"{pupil.first_name} {pupil.last_name} {pupil.class_name}"
    assert pupil.guardian_name is None


def test_a_cpr_number_as_who_gave_consent_is_refused(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, consent_state=ConsentState.MISSING)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    response = post_form(
        client,
        f"/pupils/{pupil.id}/consent",
        CONSENT | {"given_by": "Mor, cpr 010203-1234", "consent_date": date.today().isoformat()},
    )

    assert response.status_code == 422
    assert f'id="given_by-error">{NO_CPR}' in response.text
    db.refresh(pupil)
    assert pupil.consent_state is ConsentState.MISSING


def test_a_cpr_number_in_the_class_checklist_is_refused_for_its_row(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, class_name="8.A", consent_state=ConsentState.MISSING)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    response = post_form(
        client,
        "/pupils/consent",
        {
            "school_id": str(school.id),
            "class_name": "8.A",
            "method": "paper",
            "consent_date": date.today().isoformat(),
            f"state_{pupil.id}": "given",
            f"given_by_{pupil.id}": "0102031234",
        },
    )

    assert response.status_code == 422
    assert NO_CPR in response.text
    db.refresh(pupil)
    assert pupil.consent_state is ConsentState.MISSING
    assert pupil.consent_given_by != "0102031234"


def test_a_cpr_number_in_an_interest_or_a_group_is_refused(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    group = make_interest_group(db)
    groups_before = _count(db, InterestGroup)

    new_group = post_form(
        client,
        "/admin/interests/groups",
        {"code": "hemmelig", "label_da": "Født 010203-1234", "label_en": "Secret"},
    )
    new_interest = post_form(
        client,
        "/admin/interests/new",
        {
            "code": "musik",
            "label_da": "Musik",
            "label_en": "Music 0102031234",
            "group_id": str(group.id),
        },
    )

    assert new_group.status_code == new_interest.status_code == 422
    assert f'id="label_da-error">{NO_CPR}' in new_group.text
    assert f'id="label_en-error">{NO_CPR}' in new_interest.text
    assert _count(db, InterestGroup) == groups_before
    assert _count(db, Interest) == 0


def test_a_cpr_number_in_a_note_is_refused(client: TestClient, db: Session) -> None:
    case = casework(db)
    sign_in(client, db, case.counsellor)

    response = post_form(
        client, f"/pupils/{case.pupil.id}/notes", {"body": "Fars cpr er 0102031234."}
    )

    assert response.status_code == 422
    assert NO_CPR in response.text
    assert _count(db, Note) == 0


def test_a_password_may_hold_any_digits(client: TestClient, db: Session) -> None:
    # Never shown or stored as typed: a CPR-like password is the owner's business.
    user = make_user_with_password(db, Role.COORDINATOR)

    response = post_form(
        client, "/login", {"email": user.email, "password": "0102031234"}, token_from="/login"
    )

    assert NO_CPR not in response.text
    assert response.status_code != 422


# --- Defect 13: plausible consent dates ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("01.01.0001", "Skriv en dato mellem 01.01.1900 og 31.12.2100."),
        ("0001-01-01", "Skriv en dato mellem 01.01.1900 og 31.12.2100."),
        ("31.12.9999", "Skriv en dato mellem 01.01.1900 og 31.12.2100."),
        ("01.06.2010", "Datoen kan ikke ligge før eleven blev født (2011)."),
        ("02.03.2026", "Datoen kan ikke ligge i fremtiden."),
    ],
)
def test_an_implausible_consent_date_is_refused(
    client: TestClient, db: Session, clock: FakeClock, day: str, message: str
) -> None:
    clock.now = datetime(2026, 3, 1, 11, tzinfo=UTC)
    school = make_school(db)
    pupil = make_pupil(db, school=school, birth_year=2011, consent_state=ConsentState.MISSING)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    response = post_form(client, f"/pupils/{pupil.id}/consent", CONSENT | {"consent_date": day})

    assert response.status_code == 422
    assert f'id="consent_date-error">{message}' in response.text
    db.refresh(pupil)
    assert pupil.consent_state is ConsentState.MISSING


def test_without_a_birth_year_a_consent_date_over_20_years_ago_is_refused(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    # Inside the form's 1900-2100 range, so only the consent's own rule can refuse it.
    clock.now = datetime(2026, 3, 1, 11, tzinfo=UTC)
    school = make_school(db)
    pupil = make_pupil(db, school=school, birth_year=None, consent_state=ConsentState.MISSING)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    refused = post_form(
        client, f"/pupils/{pupil.id}/consent", CONSENT | {"consent_date": "31.12.2005"}
    )
    db.refresh(pupil)
    state_after_refusal = pupil.consent_state
    accepted = post_form(
        client, f"/pupils/{pupil.id}/consent", CONSENT | {"consent_date": "01.01.2006"}
    )

    assert refused.status_code == 422
    assert 'id="consent_date-error">Datoen kan ikke ligge mere end 20 år tilbage.' in refused.text
    assert state_after_refusal is ConsentState.MISSING
    assert accepted.status_code == 303


def test_consent_on_the_clocks_today_is_stamped_with_the_clocks_time(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 1, 11, tzinfo=UTC)
    school = make_school(db)
    pupil = make_pupil(db, school=school, birth_year=2011, consent_state=ConsentState.MISSING)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    response = post_form(
        client, f"/pupils/{pupil.id}/consent", CONSENT | {"consent_date": "01.03.2026"}
    )

    assert response.status_code == 303
    db.refresh(pupil)
    assert pupil.consent_at is not None
    assert pupil.consent_at.astimezone(UTC) == clock.now


def test_the_class_checklist_refuses_a_date_before_a_pupil_was_born(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 1, 11, tzinfo=UTC)
    school = make_school(db)
    pupil = make_pupil(
        db, school=school, class_name="8.A", birth_year=2012, consent_state=ConsentState.MISSING
    )
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    response = post_form(
        client,
        "/pupils/consent",
        {
            "school_id": str(school.id),
            "class_name": "8.A",
            "method": "paper",
            "consent_date": "01.01.2011",
            f"state_{pupil.id}": "given",
            f"given_by_{pupil.id}": "Mor",
        },
    )

    assert response.status_code == 422
    assert "Datoen kan ikke ligge før eleven blev født (2012)." in response.text
    db.refresh(pupil)
    assert pupil.consent_state is ConsentState.MISSING
