"""A table as a file: CSV for Danish Excel, or an XLSX workbook.

Danish Excel opens a CSV by double-click only when it is separated by semicolons (the comma is
the decimal mark) and starts with a UTF-8 byte-order mark (without it, "Søren" comes out as
"SÃ¸ren"); rows end in CRLF. Dates are written as Danes write them, 28.11.2026.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is one a
spreadsheet may run as a formula (CSV injection: a pupil named ``=HYPERLINK(...)`` becomes a
link that sends the sheet's data away). Such a cell gets a leading apostrophe, in both formats,
and in XLSX every text is stored as a string, never as a formula. Tables are built in memory:
an export is one school's lists, a few thousand rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mentor.exports.forms import FileFormat

Cell = str | int | date | time | None

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {FileFormat.CSV: CSV_MEDIA_TYPE, FileFormat.XLSX: XLSX_MEDIA_TYPE}

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "%d.%m.%Y"
TIME_FORMAT = "%H:%M"
# The same, as Excel's number formats: the cell stays a date that sorts and filters as one.
XLSX_DATE_FORMAT = "dd.mm.yyyy"
XLSX_TIME_FORMAT = "hh:mm"
XLSX_MAX_WIDTH = 50


@dataclass(frozen=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def neutralise(text: str) -> str:
    """``text`` with a leading apostrophe if a spreadsheet could take it for a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, time):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_text(header) for header in table.headers])
    writer.writerows([_csv_text(value) for value in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx_cell(sheet: Worksheet, value: Cell, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        # Control characters XML cannot hold go first: "\x01=cmd" must not become "=cmd".
        cell = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, time):
            cell.number_format = XLSX_TIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = XLSX_DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _width(value: Cell) -> int:
    if isinstance(value, date | time):
        return 10
    return len(str(value or ""))


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers):
        widest = max((_width(row[index]) for row in table.rows), default=0)
        width = min(max(len(header), widest) + 2, XLSX_MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    if table.headers:
        last = f"{get_column_letter(len(table.headers))}{len(table.rows) + 1}"
        sheet.auto_filter.ref = f"A1:{last}"
    sheet.append([_xlsx_cell(sheet, header, bold=True) for header in table.headers])
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(table: Table, file_format: FileFormat) -> bytes:
    return to_csv(table) if file_format is FileFormat.CSV else to_xlsx(table)
