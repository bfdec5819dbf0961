"""The school-year calendar through the admin pages: list, create, edit, delete, bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import AuditEvent, CalendarEntry, CalendarEntryKind, OrganisationKind, Role
from tests.factories import make_calendar_entry, make_institution, make_school
from tests.web import log_in_as, post_form


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(CalendarEntry)) or 0


def _entry(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "holiday",
        "name_da": "Vinterferie",
        "name_en": "Winter holiday",
        "starts_on": "13.02.2027",
        "ends_on": "21.02.2027",
        "school_id": "",
    } | overrides


def test_admin_creates_an_entry_for_all_schools_and_one_for_a_school(
    client: TestClient, db: Session
) -> None:
    admin = log_in_as(client, db, Role.ADMIN)
    school = make_school(db, name="Starup Skole")

    everyone = post_form(client, "/admin/calendar/new", _entry())
    own = post_form(
        client,
        "/admin/calendar/new",
        _entry(
            kind="blackout",
            name_da="Temauge",
            name_en="Theme week",
            starts_on="2026-11-02",  # ISO, as a date picker sends it
            ends_on="06.11.2026",
            school_id=str(school.id),
        ),
    )

    assert everyone.status_code == own.status_code == 303
    assert everyone.headers["location"] == "/admin/calendar"
    rows = db.scalars(select(CalendarEntry).order_by(CalendarEntry.starts_on)).all()
    assert [(r.kind, r.starts_on, r.ends_on, r.school_id) for r in rows] == [
        (CalendarEntryKind.BLACKOUT, date(2026, 11, 2), date(2026, 11, 6), school.id),
        (CalendarEntryKind.HOLIDAY, date(2027, 2, 13), date(2027, 2, 21), None),
    ]
    audited = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar_entry")).all()
    assert {(event.action, event.actor_id) for event in audited} == {("create", admin.id)}

    listing = client.get("/admin/calendar")
    assert "Temauge blev oprettet." in listing.text
    assert "Skoleåret 2026/27" in listing.text
    text = listing.text
    assert text.index("Temauge") < text.index("Vinterferie")  # by date
    assert "02.11.2026" in text
    assert "21.02.2027" in text
    assert "Starup Skole" in text
    assert "Alle skoler" in text
    client.cookies.set("mentor_lang", "en")
    english = client.get("/admin/calendar").text
    assert "Winter holiday" in english
    assert "All schools" in english
    assert "Holiday" in english


def test_entries_are_grouped_by_school_year(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_calendar_entry(
        db, name_da="Sommerferie", starts_on=date(2026, 6, 27), ends_on=date(2026, 8, 9)
    )
    make_calendar_entry(
        db, name_da="Juleferie", starts_on=date(2026, 12, 19), ends_on=date(2027, 1, 3)
    )

    text = client.get("/admin/calendar").text

    assert text.index("Skoleåret 2025/26") < text.index("Sommerferie")
    assert text.index("Sommerferie") < text.index("Skoleåret 2026/27") < text.index("Juleferie")


def test_admin_edits_an_entry_and_the_form_shows_danish_dates(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    entry = make_calendar_entry(db)

    page = client.get(f"/admin/calendar/{entry.id}")
    assert 'value="10.10.2026"' in page.text
    assert 'value="18.10.2026"' in page.text
    response = post_form(
        client,
        f"/admin/calendar/{entry.id}",
        _entry(name_da="Efterårsferie uge 42", starts_on="10.10.2026", ends_on="19.10.2026"),
    )

    assert response.status_code == 303
    db.refresh(entry)
    assert (entry.name_da, entry.ends_on) == ("Efterårsferie uge 42", date(2026, 10, 19))
    assert "Efterårsferie uge 42 blev gemt." in client.get("/admin/calendar").text


def test_admin_deletes_an_entry(client: TestClient, db: Session) -> None:
    admin = log_in_as(client, db, Role.ADMIN)
    entry = make_calendar_entry(db, name_da="Pinse")
    kept = make_calendar_entry(db, name_da="Grundlovsdag")
    entry_id = entry.id

    assert f'action="/admin/calendar/{entry_id}/delete"' in client.get("/admin/calendar").text
    response = post_form(client, f"/admin/calendar/{entry_id}/delete", {})

    assert response.status_code == 303
    db.expire_all()
    assert db.get(CalendarEntry, entry_id) is None
    assert db.get(CalendarEntry, kept.id) is not None
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "delete", AuditEvent.object_type == "calendar_entry"
        )
    ).one()
    assert (event.actor_id, event.object_id, event.details["name_da"]) == (
        admin.id,
        str(entry_id),
        "Pinse",
    )
    assert "Pinse blev slettet." in client.get("/admin/calendar").text
    assert client.get(f"/admin/calendar/{entry_id}").status_code == 404
    assert post_form(client, f"/admin/calendar/{entry_id}/delete", {}).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_on": "12.02.2027"}, "ends_on", "Slutdatoen må ikke ligge før startdatoen."),
        (
            {"starts_on": "01.01.0001"},
            "starts_on",
            "Skriv en dato mellem 01.01.2000 og 31.12.2100.",
        ),
        (
            {"starts_on": "0001-01-01"},
            "starts_on",
            "Skriv en dato mellem 01.01.2000 og 31.12.2100.",
        ),
        ({"ends_on": "21.02.9999"}, "ends_on", "Skriv en dato mellem 01.01.2000 og 31.12.2100."),
        ({"ends_on": "21.02.2028"}, "ends_on", "En periode kan højst vare et år. Tjek årstallene."),
        ({"starts_on": "31.02.2027"}, "starts_on", "Skriv en dato som 28.11.2026."),
        ({"starts_on": "i morgen"}, "starts_on", "Skriv en dato som 28.11.2026."),
        ({"name_da": ""}, "name_da", "Feltet skal udfyldes."),
        ({"name_en": "   "}, "name_en", "Feltet skal udfyldes."),
        ({"name_da": "x" * 10_000}, "name_da", "Teksten er for lang."),
        (
            {"name_da": "Vinter\x00ferie"},
            "name_da",
            "Teksten indeholder tegn, der ikke er tilladt.",
        ),
        ({"kind": "party"}, "kind", "Vælg en af mulighederne."),
        ({"school_id": "999999"}, "school_id", "Vælg en skole fra listen."),
        ({"school_id": "99999999999999999999"}, "school_id", "Tallet er for stort."),
    ],
)
def test_bad_input_is_refused_next_to_the_field(
    client: TestClient, db: Session, overrides: dict[str, str], field: str, message: str
) -> None:
    log_in_as(client, db, Role.ADMIN)
    before = _count(db)

    response = post_form(client, "/admin/calendar/new", _entry(**overrides))

    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    assert _count(db) == before
    if field != "name_da":
        assert 'value="Vinterferie"' in response.text  # the user's values are kept


def test_an_entry_is_only_for_a_school(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    institution = make_institution(db)
    closed = make_school(db, kind=OrganisationKind.TENTH_GRADE_CENTRE, active=False)

    for organisation in (institution, closed):
        response = post_form(client, "/admin/calendar/new", _entry(school_id=str(organisation.id)))
        assert response.status_code == 422
        assert "Vælg en skole fra listen." in response.text
    assert _count(db) == 0


def test_an_entry_of_a_school_that_closed_can_still_be_saved(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    school = make_school(db, name="Lukket Skole", active=False)
    entry = make_calendar_entry(db, school_id=school.id)

    page = client.get(f"/admin/calendar/{entry.id}")
    response = post_form(client, f"/admin/calendar/{entry.id}", _entry(school_id=str(school.id)))

    assert "Lukket Skole" in page.text
    assert response.status_code == 303
