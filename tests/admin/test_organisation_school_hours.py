"""A school's hours and meeting confirmation on the admin's organisation form."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import AuditEvent, Organisation, Role
from mentor.organisations.school_hours import DEFAULT_SCHOOL_HOURS, school_hours_of
from tests.factories import make_institution, make_school
from tests.web import log_in_as, post_form

WEEK = {f"hours_{day}_{part}": "" for day in range(7) for part in ("start", "end")}


def _form(school: Organisation | None = None, **overrides: Any) -> dict[str, Any]:
    values = {
        "kind": "primary_school",
        "name": "Starup Skole",
        "code": "STAR",
        "institution_number": "561203",
        "school_section": "1",
        "meeting_confirmation_required": "1",
        **WEEK,
        "hours_0_start": "08:00",
        "hours_0_end": "15:30",
        "hours_4_start": "8.00",
        "hours_4_end": "12:00",
    }
    if school is not None:
        values |= {"name": school.name, "code": school.code, "kind": school.kind.value}
        values["institution_number"] = school.institution_number or ""
    return values | overrides


def test_a_new_school_form_offers_the_usual_hours_and_confirmation(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)

    page = client.get("/admin/organisations/new").text

    assert "Skoletider" in page
    assert 'id="hours_0_start" name="hours_0_start" type="time" step="300" value="08:00"' in page
    assert 'id="hours_4_end" name="hours_4_end" type="time" step="300" value="16:00"' in page
    assert 'id="hours_5_start" name="hours_5_start" type="time" step="300" value=""' in page
    assert 'name="meeting_confirmation_required" type="checkbox" value="1" checked' in page
    assert "<legend>Mandag</legend>" in page


def test_admin_creates_a_school_with_its_hours(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    response = post_form(client, "/admin/organisations/new", _form())

    assert response.status_code == 303
    school = db.scalars(select(Organisation).where(Organisation.code == "STAR")).one()
    assert school.school_hours == [
        {"weekday": 0, "start": "08:00", "end": "15:30"},
        {"weekday": 4, "start": "08:00", "end": "12:00"},
    ]
    assert school.meeting_confirmation_required is True
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "organisation", AuditEvent.object_id == str(school.id)
        )
    ).one()
    assert event.details["school_hours"] == school.school_hours


def test_admin_changes_a_schools_hours_and_turns_confirmation_off(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    school = make_school(db)  # no hours of its own: the usual ones

    page = client.get(f"/admin/organisations/{school.id}").text
    assert 'id="hours_2_end" name="hours_2_end" type="time" step="300" value="16:00"' in page
    fields = _form(school, hours_2_start="09:15", hours_2_end="14:00")
    del fields["meeting_confirmation_required"]  # unticked
    response = post_form(client, f"/admin/organisations/{school.id}", fields)

    assert response.status_code == 303
    db.refresh(school)
    assert [day["weekday"] for day in school_hours_of(school)] == [0, 2, 4]
    assert school_hours_of(school)[1] == {"weekday": 2, "start": "09:15", "end": "14:00"}
    assert school.meeting_confirmation_required is False
    page = client.get(f"/admin/organisations/{school.id}").text
    assert 'name="meeting_confirmation_required" type="checkbox" value="1" >' in page
    assert 'id="hours_1_start" name="hours_1_start" type="time" step="300" value=""' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"hours_0_end": "07:00"},
            "hours_0_end",
            "Sluttiden skal ligge efter starttiden.",
        ),
        ({"hours_0_start": "kl. 8"}, "hours_0_start", "Skriv tider som 14:30."),
        ({"hours_0_start": "25:00"}, "hours_0_start", "Skriv tider som 14:30."),
        ({"hours_0_start": "08:00\x00"}, "hours_0_start", "Skriv tider som 14:30."),
        (
            {"hours_4_end": ""},
            "hours_4_end",
            "Skriv sluttidspunktet, eller lad begge tider være tomme.",
        ),
        (
            {"hours_0_start": "", "hours_0_end": "", "hours_4_start": "", "hours_4_end": ""},
            "school_hours",
            "Skriv tiderne for mindst én dag. En skole, der er lukket alle dage, "
            "kan ikke have møder.",
        ),
    ],
)
def test_bad_hours_are_refused_next_to_the_field_and_nothing_changes(
    client: TestClient, db: Session, overrides: dict[str, str], field: str, message: str
) -> None:
    log_in_as(client, db, Role.ADMIN)
    school = make_school(db, school_hours=[])

    response = post_form(
        client, f"/admin/organisations/{school.id}", _form(school, name="Nyt navn", **overrides)
    )

    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    assert 'value="Nyt navn"' in response.text  # the user's values are kept
    db.refresh(school)
    assert school.school_hours == []
    assert school.name != "Nyt navn"


def test_hours_errors_come_with_the_other_fields_errors(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    response = post_form(client, "/admin/organisations/new", _form(name="", hours_0_end="07:00"))

    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert 'id="hours_0_end-error"' in response.text


def test_an_institution_ignores_the_school_section(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    institution = make_institution(db)

    # Hours that would be refused for a school are not read for an institution.
    fields = _form(institution, hours_0_end="07:00")
    del fields["meeting_confirmation_required"]
    response = post_form(client, f"/admin/organisations/{institution.id}", fields)

    assert response.status_code == 303
    db.refresh(institution)
    assert (institution.school_hours, institution.meeting_confirmation_required) == ([], True)


def test_a_post_without_the_school_section_keeps_the_schools_settings(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    own = [{"weekday": 1, "start": "09:00", "end": "13:00"}]
    school = make_school(db, school_hours=own, meeting_confirmation_required=True)

    fields = {"kind": "primary_school", "name": "Omdøbt Skole", "code": school.code}
    response = post_form(client, f"/admin/organisations/{school.id}", fields)

    assert response.status_code == 303
    db.refresh(school)
    assert (school.name, school.school_hours) == ("Omdøbt Skole", own)
    assert school.meeting_confirmation_required is True
    assert school_hours_of(make_school(db)) == list(DEFAULT_SCHOOL_HOURS)
