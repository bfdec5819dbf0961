"""CSV for Danish Excel and XLSX: BOM, semicolons, CRLF, Danish dates, and no formula ever runs."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook

from mentor.exports.writers import Cell, Table, neutralise, to_csv, to_xlsx

HYPERLINK = '=HYPERLINK("http://x","y")'
# Every start a spreadsheet may run: =, +, -, @, a tab and a carriage return.
FORMULAS = [HYPERLINK, "+45 12 34 56 78", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def _table(*rows: list[Cell]) -> Table:
    return Table(title="Elever", headers=["Fornavn", "Dato", "Tid", "Møder"], rows=rows)


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_a_spreadsheet_could_run_gets_a_leading_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Søren", "8.A", "", " =1", "a=b", "'=already quoted"])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert neutralise(text) == text


def test_csv_opens_with_a_bom_and_uses_semicolons_crlf_and_danish_dates() -> None:
    data = to_csv(
        _table(["Åse; Ødegård", date(2026, 11, 28), time(14, 30), 3], [None, None, None, 0])
    )

    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n") == [
        "Fornavn;Dato;Tid;Møder",
        '"Åse; Ødegård";28.11.2026;14:30;3',
        ";;;0",
        "",
    ]


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_neutralises_every_formula_start(text: str) -> None:
    data = to_csv(_table([text, None, None, None]))

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1][0] == "'" + text


def test_xlsx_stores_a_formula_looking_name_as_a_string() -> None:
    data = to_xlsx(_table([HYPERLINK, date(2026, 11, 28), time(14, 30), 3]))

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "Elever"
    name = sheet["A2"]
    assert name.value == "'" + HYPERLINK
    assert name.data_type == "s"
    assert [cell.value for cell in sheet[1]] == ["Fornavn", "Dato", "Tid", "Møder"]
    assert sheet["A1"].font.bold
    # Dates stay dates that Excel sorts, shown as Danes write them.
    assert sheet["B2"].value == datetime(2026, 11, 28)
    assert sheet["B2"].number_format == "dd.mm.yyyy"
    assert sheet["C2"].value == time(14, 30)
    assert sheet["D2"].value == 3
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_never_holds_a_formula(text: str) -> None:
    data = to_xlsx(_table([text, None, None, None]))

    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.data_type == "s"
    assert str(cell.value).startswith("'")


def test_xlsx_drops_control_characters_before_it_looks_for_a_formula() -> None:
    # XML cannot hold "\x01"; removing it must not uncover a formula.
    data = to_xlsx(_table(["\x01=1+1", None, None, None]))

    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.value == "'=1+1"
    assert cell.data_type == "s"
