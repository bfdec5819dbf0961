"""The import pages over HTTP: upload, preview, commit, the example file, and who may do it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import Organisation, Pupil, PupilStatus, Role, User
from mentor.pupils.importing import service
from tests.factories import make_counsellor_school, make_pupil, make_school
from tests.web import csrf_token, log_in_as

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def upload(
    client: TestClient, school: Organisation | int | str, data: bytes, filename: str = "elever.csv"
) -> Response:
    school_id = school.id if isinstance(school, Organisation) else school
    return client.post(
        "/pupils/import",
        data={"csrf_token": csrf_token(client, "/pupils/import"), "school_id": str(school_id)},
        files={"file": (filename, data, "application/octet-stream")},
    )


def commit_form(page: Response, **extra: str) -> dict[str, str]:
    # What a browser sends back: the attribute values unescaped.
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
    return {**fields, **extra}


def count_pupils(db: Session, school: Organisation) -> int:
    query = select(func.count()).select_from(Pupil).where(Pupil.school_id == school.id)
    return db.scalar(query) or 0


def test_the_upload_page_offers_the_coordinators_school_and_the_column_help(
    client: TestClient, coordinator: User, school: Organisation
) -> None:
    page = client.get("/pupils/import")

    assert page.status_code == 200
    assert "Importér elever" in page.text
    assert f'<option value="{school.id}" selected>Hertug Hans Skole</option>' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    for header in ("Elevnummer", "Fornavn", "Klassetrin", "Uddannelsesønsker"):
        assert f'<th scope="row">{header}</th>' in page.text
    assert 'href="/pupils/import/example.csv"' in page.text


def test_the_example_file_has_danish_headers_and_imports_cleanly(
    client: TestClient, db: Session, coordinator: User, school: Organisation
) -> None:
    example = client.get("/pupils/import/example.csv")

    assert example.status_code == 200
    assert example.headers["content-type"].startswith("text/csv")
    assert "attachment" in example.headers["content-disposition"]
    assert example.content.startswith(b"\xef\xbb\xbf")
    text = example.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Elevnummer;Fornavn;Efternavn;Klassetrin;Klasse")

    preview = upload(client, school, example.content, "elevliste-eksempel.csv")
    assert preview.status_code == 200, preview.text
    assert "Nye elever: 3" in preview.text
    assert "Afviste rækker: 0" in preview.text


def test_a_coordinator_uploads_a_file_with_errors_reads_the_preview_and_commits_the_good_rows(
    client: TestClient,
    db: Session,
    coordinator: User,
    school: Organisation,
    data_file: Callable[[str], bytes],
) -> None:
    preview = upload(client, school, data_file("pupils_every_error.csv"))

    assert preview.status_code == 200
    assert "Nye elever: 1" in preview.text
    assert "Afviste rækker: 22" in preview.text
    assert '<td>3</td>\n      <td>Klassetrin</td>\n      <td class="email">11</td>' in preview.text
    assert "Elevnummeret DUP står i filen mere end én gang" in preview.text
    assert "0103121234" not in preview.text  # a CPR number is never shown back
    assert count_pupils(db, school) == 0  # a preview writes nothing

    done = client.post("/pupils/import/commit", data=commit_form(preview))

    assert done.status_code == 303
    assert done.headers["location"] == "/pupils/import"
    assert count_pupils(db, school) == 1
    page = client.get("/pupils/import")
    assert "Eleverne på Hertug Hans Skole er importeret: 1 oprettet" in page.text


def test_a_file_that_changes_nothing_says_so(
    client: TestClient,
    coordinator: User,
    school: Organisation,
    data_file: Callable[[str], bytes],
) -> None:
    data = data_file("pupils_windows1252.csv")
    client.post("/pupils/import/commit", data=commit_form(upload(client, school, data)))

    again = upload(client, school, data)

    assert "Filen ændrer ingenting" in again.text
    assert "Uændrede: 3" in again.text
    assert "Importér" not in again.text.split("Filen ændrer ingenting")[1]
    client.post("/pupils/import/commit", data=commit_form(again))  # nothing to do, still fine


def test_missing_pupils_are_offered_for_archiving_and_archived_when_ticked(
    client: TestClient,
    db: Session,
    coordinator: User,
    school: Organisation,
    data_file: Callable[[str], bytes],
) -> None:
    first = upload(client, school, data_file("pupils_semicolon_bom_da.csv"))
    client.post("/pupils/import/commit", data=commit_form(first))
    e002 = db.scalars(select(Pupil).where(Pupil.school_ref == "E002")).one()

    newer = upload(client, school, data_file("pupils_semicolon_bom_da_changed.csv"))

    assert "Elever, der ikke er i filen: 1" in newer.text
    done = client.post("/pupils/import/commit", data=commit_form(newer, archive_missing="archive"))
    assert done.status_code == 303
    db.refresh(e002)
    assert e002.status is PupilStatus.ARCHIVED


def test_a_coordinator_cannot_import_into_another_school(
    client: TestClient,
    db: Session,
    coordinator: User,
    data_file: Callable[[str], bytes],
) -> None:
    other = make_school(db)

    response = upload(client, other, data_file("pupils_windows1252.csv"))

    assert response.status_code == 403
    assert count_pupils(db, other) == 0


def test_a_sealed_preview_cannot_be_moved_to_another_school_or_user(
    app: FastAPI,
    client: TestClient,
    db: Session,
    coordinator: User,
    school: Organisation,
    data_file: Callable[[str], bytes],
) -> None:
    preview = upload(client, school, data_file("pupils_windows1252.csv"))
    fields = commit_form(preview)
    meta = fields["upload_meta"]
    assert f'"s": {school.id},' in meta

    tampered = client.post(
        "/pupils/import/commit",
        data={**fields, "upload_meta": meta.replace(f'"s": {school.id},', '"s": 999999,')},
    )
    assert tampered.status_code == 422
    assert "Forhåndsvisningen er udløbet eller blevet ændret" in tampered.text

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        log_in_as(other, db, Role.COORDINATOR, organisation=school)
        stolen = other.post(
            "/pupils/import/commit", data={**fields, "csrf_token": csrf_token(other, "/")}
        )
    assert stolen.status_code == 422
    assert count_pupils(db, school) == 0


def test_bad_input_comes_back_with_messages_next_to_the_fields(
    client: TestClient, coordinator: User, school: Organisation
) -> None:
    no_file = client.post(
        "/pupils/import",
        data={"csrf_token": csrf_token(client, "/pupils/import"), "school_id": str(school.id)},
    )
    assert no_file.status_code == 422
    assert 'id="file-error"' in no_file.text
    assert "Vælg en CSV- eller Excel-fil" in no_file.text

    no_school = upload(client, "", b"Elevnummer\r\n")
    assert no_school.status_code == 422
    assert "Vælg en af dine skoler." in no_school.text

    too_big = upload(client, school, b"x" * (5 * 1024 * 1024 + 10))
    assert too_big.status_code == 422
    assert "Filen fylder 5,1 MB; grænsen er 5 MB." in too_big.text

    fake = upload(client, school, b"hello", "elever.xlsx")
    assert fake.status_code == 422
    assert "ikke en Excel-projektmappe" in fake.text

    no_header = upload(client, school, b"a;b;c\r\n1;2;3\r\n")
    assert no_header.status_code == 422
    assert "Filen har ingen kolonne til: Elevnummer, Fornavn, Efternavn, Klassetrin" in (
        no_header.text
    )


def test_a_counsellor_chooses_among_the_caseload_schools(
    client: TestClient, db: Session, school: Organisation, data_file: Callable[[str], bytes]
) -> None:
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    second = make_school(db, name="Starup Skole")
    make_counsellor_school(db, counsellor=counsellor, school=second)
    outside = make_school(db)

    page = client.get("/pupils/import")
    assert "Vælg en skole" in page.text
    assert "Starup Skole" in page.text
    assert outside.name not in page.text

    preview = upload(client, second, data_file("pupils_windows1252.csv"))
    assert preview.status_code == 200
    assert upload(client, outside, data_file("pupils_windows1252.csv")).status_code == 403


def test_a_server_error_during_commit_leaves_nothing_written(
    app: FastAPI,
    db: Session,
    school: Organisation,
    data_file: Callable[[str], bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_pupil(db, school=school, school_ref="W1", first_name="Gammel", last_name="Navn")
    with TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as client:
        log_in_as(client, db, Role.COORDINATOR, organisation=school)
        preview = upload(client, school, data_file("pupils_windows1252.csv"))

        def broken(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("the database went away")

        # Fails after every pupil was sent to the database, before the audit event.
        monkeypatch.setattr(service, "record", broken)
        response = client.post("/pupils/import/commit", data=commit_form(preview))

    assert response.status_code == 500
    db.expire_all()
    assert count_pupils(db, school) == 1
    kept = db.scalars(select(Pupil).where(Pupil.school_ref == "W1")).one()
    assert (kept.first_name, kept.last_name) == ("Gammel", "Navn")
