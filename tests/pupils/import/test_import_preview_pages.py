"""The import preview over HTTP: who is added, updated and archived by name, one archive choice,
the size message in the user's language, the sheet that was read, plural forms, and columns that
are ignored but hold contact details."""

from __future__ import annotations

import html
import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import Organisation, Pupil, PupilStatus, User
from tests.web import csrf_token, post_form

HEADER = "Elevnummer;Fornavn;Efternavn;Klasse"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def upload(
    client: TestClient, school: Organisation, data: bytes, filename: str = "elever.csv"
) -> Response:
    return client.post(
        "/pupils/import",
        data={"csrf_token": csrf_token(client, "/pupils/import"), "school_id": str(school.id)},
        files={"file": (filename, data, "application/octet-stream")},
    )


def commit_form(page: Response, **choice: str) -> dict[str, str]:
    """What a browser sends back from the preview: its hidden fields and the user's choice."""
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)} | choice


def csv_bytes(*lines: str) -> bytes:
    return "\r\n".join(lines).encode("utf-8")


def main_of(page: Response) -> str:
    """The page's own content, without the menu and the footer, with entities unescaped."""
    text = page.text
    return html.unescape(text[text.index("<main") : text.index("</main>")])


def pupils_by_ref(db: Session, school: Organisation) -> dict[str, Pupil]:
    db.expire_all()
    pupils = db.scalars(select(Pupil).where(Pupil.school_id == school.id))
    return {pupil.school_ref: pupil for pupil in pupils}


def import_file(client: TestClient, school: Organisation, data: bytes, **choice: str) -> None:
    preview = upload(client, school, data)
    assert preview.status_code == 200, preview.text
    done = client.post("/pupils/import/commit", data=commit_form(preview, **choice))
    assert done.status_code == 303, done.text


@pytest.fixture
def term_start(client: TestClient, coordinator: User, school: Organisation) -> None:
    import_file(
        client,
        school,
        csv_bytes(
            HEADER,
            "E1;Freja;Østergaard;8.A",
            "E2;Ahmad;Hansen;8.A",
            "E3;Åse;Bæk;9.B",
        ),
    )


def test_the_preview_names_who_is_added_updated_and_missing_with_one_archive_choice(
    client: TestClient, db: Session, school: Organisation, term_start: None
) -> None:
    newer = csv_bytes(HEADER, "E1;Freja;Østergaard;8.B", "E4;Noah;Lund;7.C")

    page = upload(client, school, newer)
    main = main_of(page)

    assert page.status_code == 200
    new_section = main[main.index('id="creates-heading"') : main.index('id="updates-heading"')]
    assert "Noah Lund" in new_section
    assert "7.C" in new_section
    updates = main[main.index('id="updates-heading"') : main.index('id="missing-heading"')]
    assert "Freja Østergaard" in updates
    assert "8.A → 8.B" in updates
    missing = main[main.index('id="missing-heading"') :]
    assert "Ahmad Hansen, 8.A (E2)" in missing
    assert "Åse Bæk, 9.B (E3)" in missing
    # One choice for all of them, not a checkbox per pupil.
    assert 'type="checkbox"' not in missing
    assert len(re.findall(r'name="archive_missing"', missing)) == 2
    assert "Arkivér alle 2 elever ovenfor" in missing
    assert "Hvad skal der ske med de 2 elever, der ikke er i filen?" in missing

    done = client.post("/pupils/import/commit", data=commit_form(page, archive_missing="archive"))

    assert done.status_code == 303
    pupils = pupils_by_ref(db, school)
    assert pupils["E2"].status is PupilStatus.ARCHIVED
    assert pupils["E3"].status is PupilStatus.ARCHIVED
    assert pupils["E1"].class_name == "8.B"
    assert pupils["E4"].status is PupilStatus.ACTIVE


def test_keeping_the_missing_pupils_is_the_default_and_archives_no_one(
    client: TestClient, db: Session, school: Organisation, term_start: None
) -> None:
    page = upload(client, school, csv_bytes(HEADER, "E1;Freja;Østergaard;8.A"))
    assert 'value="keep" checked' in main_of(page)

    client.post("/pupils/import/commit", data=commit_form(page))

    statuses = {ref: pupil.status for ref, pupil in pupils_by_ref(db, school).items()}
    assert statuses == dict.fromkeys(("E1", "E2", "E3"), PupilStatus.ACTIVE)


def test_only_the_pupils_the_preview_listed_are_archived(
    client: TestClient, db: Session, school: Organisation, term_start: None
) -> None:
    page = upload(client, school, csv_bytes(HEADER, "E1;Freja;Østergaard;8.A", "E3;Åse;Bæk;9.B"))
    # Another upload gives E4 between the preview and the commit; it is missing from this file
    # too, but nobody reviewed it.
    import_file(client, school, csv_bytes(HEADER, "E4;Noah;Lund;7.C"))

    client.post("/pupils/import/commit", data=commit_form(page, archive_missing="archive"))

    pupils = pupils_by_ref(db, school)
    assert pupils["E2"].status is PupilStatus.ARCHIVED
    assert pupils["E4"].status is PupilStatus.ACTIVE


def test_a_long_list_is_folded_and_a_short_one_open(
    client: TestClient, coordinator: User, school: Organisation
) -> None:
    many = csv_bytes(HEADER, *(f"N{n};Elev;Nummer{n};8.A" for n in range(25)))
    few = csv_bytes(HEADER, "F1;Freja;Østergaard;8.A")

    long_page = main_of(upload(client, school, many))
    short_page = main_of(upload(client, school, few))

    assert "<details>\n  <summary>Vis de 25 nye elever</summary>" in long_page
    assert "Elev Nummer24" in long_page
    assert "<details open>\n  <summary>Vis den 1 nye elev</summary>" in short_page


def test_the_size_message_gives_both_sizes_in_one_unit_in_the_users_language(
    client: TestClient, coordinator: User, school: Organisation
) -> None:
    too_big = b"x" * int(6.2 * 1024 * 1024)

    danish = upload(client, school, too_big)
    post_form(client, "/language", {"locale": "en", "next": "/pupils/import"})
    english = upload(client, school, too_big)

    assert danish.status_code == english.status_code == 422
    assert "Filen fylder 6,2 MB; grænsen er 5 MB." in main_of(danish)
    assert "The file is 6.2 MB; the limit is 5 MB." in main_of(english)


def test_an_xlsx_whose_first_sheet_is_empty_is_read_from_the_first_sheet_with_rows(
    client: TestClient, coordinator: User, school: Organisation
) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Forside"
    pupils = workbook.create_sheet("Elever")
    for row in (["Elevnummer", "Fornavn", "Efternavn", "Klasse"], ["X1", "Ida", "Holm", "8.A"]):
        pupils.append(row)
    data = io.BytesIO()
    workbook.save(data)

    page = upload(client, school, data.getvalue(), "elever.xlsx")

    assert page.status_code == 200, page.text
    main = main_of(page)
    assert "Nye elever: 1" in main
    assert "Ida Holm" in main
    assert "Projektmappens første ark er tomt, så arket “Elever” blev læst." in main


def test_counts_in_the_preview_use_the_right_plural(
    client: TestClient, coordinator: User, school: Organisation
) -> None:
    one_problem = csv_bytes(HEADER, "P1;;Jensen;8.A")
    three_problems = csv_bytes(HEADER, "P1;;;8.A", "P2;Ida;Holm;12.A")

    one = main_of(upload(client, school, one_problem))
    three = main_of(upload(client, school, three_problems))

    assert "har 1 elevrække." in one
    assert "(1 problem)" in one
    assert "har 2 elevrækker." in three
    assert "(3 problemer)" in three


@pytest.mark.parametrize(
    "header",
    [
        "Forælder e-mail",
        "Forældre e-mail",
        "Værge e-mail",
        "Mail forælder",
        "forældre-mail",
        "FORÆLDER-MAIL",
        "Værge  e-mail",
        "Forældres mail",
    ],
)
def test_a_guardian_email_column_under_a_common_danish_header_is_imported(
    client: TestClient, db: Session, coordinator: User, school: Organisation, header: str
) -> None:
    data = csv_bytes(f"{HEADER};{header}", "G1;Ida;Holm;8.A;mor@example.dk")

    page = upload(client, school, data)

    assert "bruges ikke" not in main_of(page)
    client.post("/pupils/import/commit", data=commit_form(page))
    assert pupils_by_ref(db, school)["G1"].guardian_email == "mor@example.dk"


def test_an_ignored_column_of_addresses_or_phone_numbers_is_a_warning(
    client: TestClient, coordinator: User, school: Organisation
) -> None:
    data = csv_bytes(
        f"{HEADER};Forælder 1 e-mail;Mors mobil;Noter",
        "W1;Ida;Holm;8.A;mor@example.dk;20 12 34 56;glad for fodbold",
        "W2;Bo;Holm;8.A;far@example.dk;+45 31221100;",
    )

    main = main_of(upload(client, school, data))

    warning = main[main.index('id="contact-columns"') :]
    warning = warning[: warning.index("</div>")]
    assert "Tjek disse kolonner, før du importerer:" in warning
    assert (
        "Kolonnen “Forælder 1 e-mail” bruges ikke, men den indeholder e-mailadresser. Er det "
        "en forælders, så kald kolonnen “Forælders e-mail”" in warning
    )
    assert "Kolonnen “Mors mobil” bruges ikke, men den indeholder telefonnumre." in warning
    assert "Noter" not in warning
    assert "Disse kolonner bruges ikke: Forælder 1 e-mail, Mors mobil, Noter." in main
