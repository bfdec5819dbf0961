"""A CPR number in any column of a pupil file: the row is refused, the preview names its line and
column and never shows the number, and nothing of the row is saved ("personal numbers kept
out", issue 17)."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import Organisation, Pupil, User
from tests.web import csrf_token

HEADER = "Elevnummer;Fornavn;Efternavn;Klassetrin;Klasse;Forælder;Fødselsår"
GOOD = "E1;Freja;Jensen;8;8.A;Karen Jensen;2012"


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def upload(client: TestClient, school: Organisation, data: bytes) -> Response:
    return client.post(
        "/pupils/import",
        data={"csrf_token": csrf_token(client, "/pupils/import"), "school_id": str(school.id)},
        files={"file": ("elever.csv", data, "text/csv")},
    )


def commit_form(page: Response) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}


def _row(line: int, cell: str, value: str) -> tuple[str, str]:
    cells = dict(zip(HEADER.split(";"), f"E{line};Ida;Lund;8;8.A;Mor;2012".split(";"), strict=True))
    cells[cell] = value
    return cell, ";".join(cells.values())


def _file(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, GOOD, *rows]) + "\r\n").encode("utf-8")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Fornavn", "010203-1234"),
        ("Efternavn", "Lund 0102031234"),
        ("Klasse", "8.A 010203-1234"),
        ("Forælder", "Mor (cpr 0102031234)"),
        ("Fødselsår", "010203-1234"),
        ("Elevnummer", "0102031234"),
    ],
)
def test_a_cpr_number_in_any_column_refuses_the_row_without_showing_it(
    client: TestClient,
    db: Session,
    coordinator: User,
    school: Organisation,
    column: str,
    value: str,
) -> None:
    _, row = _row(3, column, value)

    preview = upload(client, school, _file(row))

    assert preview.status_code == 200, preview.text
    assert "Nye elever: 1" in preview.text
    assert "Afviste rækker: 1" in preview.text
    assert f"<td>3</td>\n      <td>{column}</td>" in preview.text
    assert "CPR-nummer" in preview.text
    for number in ("010203-1234", "0102031234", "010203"):
        assert number not in preview.text
    done = client.post("/pupils/import/commit", data=commit_form(preview))
    assert done.status_code == 303
    names = db.scalars(select(Pupil.first_name).where(Pupil.school_id == school.id)).all()
    assert names == ["Freja"]


def test_two_rows_with_the_same_cpr_number_as_pupil_number_do_not_show_it_as_a_duplicate(
    client: TestClient, db: Session, coordinator: User, school: Organisation
) -> None:
    _, first = _row(3, "Elevnummer", "010203-1234")
    _, second = _row(4, "Elevnummer", "010203-1234")

    preview = upload(client, school, _file(first, second))

    assert "Afviste rækker: 2" in preview.text
    assert "010203-1234" not in preview.text
    assert "010203" not in preview.text


def test_a_cpr_number_as_a_column_header_is_not_shown(
    client: TestClient, db: Session, coordinator: User, school: Organisation
) -> None:
    data = (HEADER + ";0102031234\r\n" + GOOD + ";x\r\n").encode("utf-8")

    preview = upload(client, school, data)

    assert preview.status_code == 200
    assert "0102031234" not in preview.text
