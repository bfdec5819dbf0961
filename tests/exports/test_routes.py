"""The export page and its downloads, through HTTP: files Danish Excel opens, a formula-looking
name that never runs, each download audited, another school's code a 404, bad dates a 422."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import AuditEvent, Organisation, Role, User
from mentor.web.middleware import LOCALE_COOKIE
from tests.factories import make_counsellor_school, make_pupil, make_school, make_user
from tests.web import sign_in

HYPERLINK = '=HYPERLINK("http://x","y")'
NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def school(db: Session) -> Organisation:
    school = make_school(db, code="SBRO", name="Sønderbro Skole")
    enrolled = datetime(2026, 11, 5, 9, tzinfo=UTC)
    make_pupil(db, school=school, first_name=HYPERLINK, last_name="Jensen", created_at=enrolled)
    make_pupil(db, school=school, first_name="Søren", last_name="Ødegård", created_at=enrolled)
    return school


@pytest.fixture
def other_school(db: Session) -> Organisation:
    other = make_school(db, code="GRAM", name="Gram Skole")
    make_pupil(db, school=other, first_name="Fremmed", created_at=datetime(2026, 11, 5, tzinfo=UTC))
    return other


@pytest.fixture
def counsellor(client: TestClient, db: Session, school: Organisation) -> User:
    user = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=user, school=school)
    sign_in(client, db, user)
    return user


def _exports(db: Session) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "export")))


def test_the_page_offers_the_users_own_schools(
    client: TestClient, counsellor: User, other_school: Organisation
) -> None:
    page = client.get("/exports")

    assert page.status_code == 200
    assert '<a href="/exports"' in page.text  # the menu item "Eksport"
    assert "Eksport" in page.text
    assert 'action="/exports/download"' in page.text
    assert "Sønderbro Skole" in page.text
    assert "Gram Skole" not in page.text


def test_a_csv_download_for_danish_excel(
    client: TestClient, db: Session, counsellor: User, other_school: Organisation
) -> None:
    response = client.get(f"/exports/download?dataset=pupils&school=SBRO&{NOVEMBER}&format=csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="elever-SBRO-2026-11-01-2026-11-30.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Elevnummer;Fornavn;Efternavn;Klasse;Klassetrin;")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    names = {row[1] for row in rows[1:]}
    assert names == {"'" + HYPERLINK, "Søren"}
    assert "Fremmed" not in text

    (event,) = _exports(db)
    assert event.actor_id == counsellor.id
    assert event.details is not None
    assert event.details["rows"] == 2 == len(rows) - 1
    assert event.details["schools"] == ["SBRO"]
    assert (event.details["from"], event.details["to"]) == ("2026-11-01", "2026-11-30")
    assert event.details["via"] == "web"


def test_an_xlsx_download_holds_the_name_as_a_string_not_a_formula(
    client: TestClient, db: Session, counsellor: User
) -> None:
    response = client.get("/exports/download?dataset=pupils&school=SBRO&format=xlsx")

    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"] == 'attachment; filename="elever-SBRO.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    hyperlink = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    assert hyperlink.value == "'" + HYPERLINK
    assert hyperlink.data_type == "s"
    assert _exports(db)[0].details == {
        "dataset": "pupils",
        "schools": ["SBRO"],
        "from": None,
        "to": None,
        "format": "xlsx",
        "rows": 2,
        "via": "web",
    }


@pytest.mark.parametrize("dataset", ["pupils", "matches", "meetings", "waiting"])
def test_a_coordinator_downloads_each_list_of_the_own_school(
    client: TestClient, db: Session, school: Organisation, dataset: str
) -> None:
    sign_in(client, db, make_user(db, role=Role.COORDINATOR, organisation=school))

    response = client.get(f"/exports/download?dataset={dataset}&school=SBRO&format=csv")

    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert len(_exports(db)) == 1


@pytest.mark.parametrize("code", ["GRAM", "NOPE"])
def test_another_schools_code_is_not_found_and_nothing_is_audited(
    client: TestClient, db: Session, counsellor: User, other_school: Organisation, code: str
) -> None:
    response = client.get(f"/exports/download?dataset=pupils&school={code}&format=csv")

    assert response.status_code == 404
    assert "Fremmed" not in response.text
    assert _exports(db) == []


def test_a_bad_date_comes_back_on_the_form_with_a_message_by_the_field(
    client: TestClient, db: Session, counsellor: User
) -> None:
    response = client.get(
        "/exports/download?dataset=matches&school=SBRO&from=31.02.2026&to=2026-11-30&format=csv"
    )

    assert response.status_code == 422
    assert 'id="from-error"' in response.text
    assert "Skriv en dato som 28.11.2026." in response.text
    assert 'value="2026-11-30"' in response.text  # the user's values are kept
    assert _exports(db) == []


def test_a_period_that_ends_before_it_starts_is_refused(
    client: TestClient, db: Session, counsellor: User
) -> None:
    response = client.get(
        "/exports/download?dataset=pupils&school=SBRO&from=2026-11-30&to=2026-11-01&format=csv"
    )

    assert response.status_code == 422
    assert 'id="to-error"' in response.text
    assert "Slutdatoen ligger før startdatoen." in response.text


def test_headers_and_values_in_the_users_language(client: TestClient, counsellor: User) -> None:
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")

    response = client.get("/exports/download?dataset=pupils&school=SBRO&format=csv")

    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Pupil number;First name;Last name;Class;Grade;Status;Enrolled;")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AMBASSADOR])
def test_roles_that_may_not_export_are_refused_and_see_no_menu_item(
    client: TestClient, db: Session, school: Organisation, role: Role
) -> None:
    sign_in(client, db, make_user(db, role=role))

    download = client.get("/exports/download?dataset=pupils&school=SBRO&format=csv")
    home = client.get("/")

    assert download.status_code == 403
    assert client.get("/exports").status_code == 403
    assert 'href="/exports"' not in home.text
    assert _exports(db) == []
