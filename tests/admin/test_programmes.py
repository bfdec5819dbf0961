"""The programmes catalogue through the admin pages: create, edit, dates, duplicates."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import EudMainArea, Programme, ProgrammeFamily, Role
from tests.conftest import QueryCounter
from tests.factories import make_programme
from tests.web import log_in_as, post_form

FORM = {
    "code": "EUX-VELFAERD",
    "name_da": "EUX Velfærd",
    "name_en": "EUX Welfare",
    "family": "vocational",
    "eud_main_area": "care_health_pedagogy",
    "valid_from": "01.08.2026",
    "valid_to": "",
    "sort_order": "40",
}


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Programme)) or 0


def test_admin_creates_a_programme_with_a_danish_date(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    response = post_form(client, "/admin/programmes/new", FORM)

    assert response.status_code == 303
    created = db.scalars(select(Programme).where(Programme.code == "EUX-VELFAERD")).one()
    assert created.family is ProgrammeFamily.VOCATIONAL
    assert created.eud_main_area is EudMainArea.CARE_HEALTH_PEDAGOGY
    assert (created.valid_from, created.valid_to, created.sort_order) == (
        date(2026, 8, 1),
        None,
        40,
    )
    listing = client.get("/admin/programmes")
    assert "EUX-VELFAERD blev oprettet." in listing.text
    assert "EUX Velfærd" in listing.text
    assert "Omsorg, sundhed og pædagogik" in listing.text
    assert "fra 01.08.2026" in listing.text


def test_names_follow_the_language(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_programme(db, name_da="Højere handelseksamen", name_en="Higher commercial examination")

    danish = client.get("/admin/programmes").text
    client.cookies.set("mentor_lang", "en")
    english = client.get("/admin/programmes").text

    assert "Højere handelseksamen" in danish
    assert "Higher commercial" not in danish
    assert "Higher commercial examination" in english
    assert "Højere handelseksamen" not in english


def test_admin_edits_a_programme_and_closes_it_with_an_iso_date(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    programme = make_programme(db, code="HF", family=ProgrammeFamily.GYMNASIAL)

    page = client.get(f"/admin/programmes/{programme.id}")
    assert 'value="HF"' in page.text
    response = post_form(
        client,
        f"/admin/programmes/{programme.id}",
        FORM
        | {
            "code": "HF",
            "family": "gymnasial",
            "eud_main_area": "",
            "valid_from": "",
            "valid_to": "2030-07-31",
        },
    )

    assert response.status_code == 303
    db.refresh(programme)
    assert (programme.name_da, programme.valid_to, programme.eud_main_area) == (
        "EUX Velfærd",
        date(2030, 7, 31),
        None,
    )
    assert 'value="31.07.2030"' in client.get(f"/admin/programmes/{programme.id}").text


def test_a_duplicate_code_is_refused_next_to_the_field(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_programme(db, code="STX")
    other = make_programme(db, code="HTX", name_da="Højere teknisk eksamen")
    before = _count(db)

    created = post_form(client, "/admin/programmes/new", FORM | {"code": "stx"})
    edited = post_form(client, f"/admin/programmes/{other.id}", FORM | {"code": "STX"})

    assert created.status_code == edited.status_code == 422
    assert "Koden er allerede i brug." in created.text
    assert "Koden er allerede i brug." in edited.text
    assert 'value="stx"' in created.text
    assert _count(db) == before
    db.refresh(other)
    assert (other.code, other.name_da) == ("HTX", "Højere teknisk eksamen")


def test_bad_dates_and_rules_are_refused_and_nothing_is_written(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)

    bad_date = post_form(client, "/admin/programmes/new", FORM | {"valid_from": "31.02.2026"})
    backwards = post_form(
        client,
        "/admin/programmes/new",
        FORM | {"valid_from": "01.08.2027", "valid_to": "31.07.2026"},
    )
    main_area = post_form(client, "/admin/programmes/new", FORM | {"family": "gymnasial"})

    assert bad_date.status_code == backwards.status_code == main_area.status_code == 422
    assert "Skriv en dato som 28.11.2026." in bad_date.text
    assert 'value="31.02.2026"' in bad_date.text
    assert "Slutdatoen må ikke ligge før startdatoen." in backwards.text
    assert "Kun erhvervsuddannelser har et hovedområde." in main_area.text
    assert _count(db) == 0


def test_the_list_makes_the_same_number_of_queries_for_3_or_40_programmes(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    log_in_as(client, db, Role.ADMIN)

    def queries() -> int:
        query_counter.reset()
        assert client.get("/admin/programmes").status_code == 200
        return query_counter.count

    for _ in range(3):
        make_programme(db)
    few = queries()
    for _ in range(37):
        make_programme(
            db, eud_main_area=EudMainArea.OFFICE_TRADE_BUSINESS, family=ProgrammeFamily.VOCATIONAL
        )
    many = queries()

    assert few == many
    print(f"/admin/programmes: {many} queries")
