"""Bytes from an upload → rows of text with their line numbers, or a plain reason why not.

What schools produce: CSV from Excel or the school's administration system (``;`` or ``,``,
UTF-8 with or without BOM, Windows-1252, now and then UTF-16 "Unicode text" with tabs) and XLSX.
Everything here treats the file as hostile: the limits are checked before any parsing, an XLSX is
only opened when it is a real zip whose declared sizes are sane, and its XML goes through
defusedxml (openpyxl uses it whenever it is installed; a test keeps that true). Formulas are never
evaluated: a cell ``=HYPERLINK(...)`` is read as that text.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from babel.numbers import format_decimal

from mentor.errors import DomainError
from mentor.i18n import LazyText, get_locale, lazy_gettext

XLSX_MAGIC = b"PK\x03\x04"
# The old binary Excel format (and other OLE2 files): not something we can read.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Columns beyond this are ignored: a pupil file has a dozen.
MAX_COLUMNS = 60
MAX_CELL_CHARS = 10_000
# An XLSX is zipped XML. Real sheets compress 5–30 times; a zip bomb compresses thousands of times.
MAX_ZIP_ENTRIES = 500
MAX_ZIP_RATIO = 200
MAX_ZIP_TOTAL = 200 * 1024 * 1024
DELIMITERS = (";", ",", "\t")


class FileRejected(DomainError):
    """The file as a whole cannot be imported; the message says why, in the user's language."""

    status_code = 422


@dataclass(frozen=True)
class Row:
    line: int
    cells: list[str]


@dataclass(frozen=True)
class Table:
    kind: str  # "csv" or "xlsx"
    rows: list[Row]  # blank rows left out
    encoding: str | None = None
    delimiter: str | None = None
    # An XLSX: the sheet read (the first that has rows), its place, and how many sheets there are.
    sheet: str | None = None
    sheet_index: int = 0
    sheet_count: int = 1


KILOBYTE = 1024
MEGABYTE = 1024 * 1024
_UNITS = ((MEGABYTE, "MB"), (KILOBYTE, "kB"), (1, "B"))


@dataclass(frozen=True)
class _Amount:
    """A number of units written when shown, in the language then current: 6,2 or 6.2."""

    value: float

    def __str__(self) -> str:
        return format_decimal(self.value, "#,##0.#", locale=get_locale())


def too_large(size: int, limit: int) -> LazyText:
    """ "The file is 6,2 MB; the limit is 5 MB": both in the limit's unit, in the user's language.

    The size is rounded up, so a file just over the limit never reads as being at it.
    """
    unit, name = next((u, n) for u, n in _UNITS if limit >= u or u == 1)
    return lazy_gettext(
        "The file is %(size)s %(unit)s; the limit is %(limit)s %(unit)s.",
        size=_Amount(math.ceil(size * 10 / unit) / 10),
        limit=_Amount(limit / unit),
        unit=name,
    )


def _too_many_rows(max_rows: int) -> LazyText:
    return lazy_gettext(
        "The file has more than %(limit)s rows. Split it into smaller files.", limit=max_rows
    )


def read_table(data: bytes, *, filename: str, max_bytes: int, max_rows: int) -> Table:
    """Read a CSV or XLSX file into rows; raise ``FileRejected`` with the reason otherwise."""
    if len(data) > max_bytes:
        raise FileRejected(too_large(len(data), max_bytes))
    if not data.strip():
        raise FileRejected(lazy_gettext("The file is empty."))
    name = filename.lower()
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, max_rows=max_rows)
    if name.endswith((".xlsx", ".xlsm")):
        raise FileRejected(
            lazy_gettext(
                "The file is called .xlsx but is not an Excel workbook. "
                "Open it in Excel and save it again as .xlsx or CSV."
            )
        )
    if data.startswith(OLE2_MAGIC) or name.endswith((".xls", ".ods", ".numbers")):
        raise FileRejected(
            lazy_gettext(
                "This spreadsheet format cannot be read. "
                "Save the file as an Excel workbook (.xlsx) or as CSV."
            )
        )
    return _read_csv(data, max_rows=max_rows)


# --- CSV -----------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRejected(_unreadable_text()) from None
        if "\x00" in text:
            raise FileRejected(_nul_bytes())
        return text, "utf-16"
    if b"\x00" in data:
        raise FileRejected(_nul_bytes())
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise FileRejected(_unreadable_text()) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel's "CSV (semikolonsepareret)" on a Danish Windows writes Windows-1252; the few bytes
    # that code page leaves undefined are read as Latin-1 rather than refusing the whole file.
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _nul_bytes() -> LazyText:
    return lazy_gettext(
        "The file contains NUL bytes, so it is not a text (CSV) file. "
        "Save it from Excel as CSV or as .xlsx."
    )


def _unreadable_text() -> LazyText:
    return lazy_gettext("The characters in the file cannot be read. Save it as CSV UTF-8.")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields most often."""
    sample = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ";", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(fields) for fields in csv.reader(sample, delimiter=delimiter)]
        except csv.Error:
            continue
        common = Counter(n for n in counts if n > 1).most_common(1)
        if not common:
            continue
        width, lines = common[0]
        score = (lines, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, *, max_rows: int) -> Table:
    # Counted on the raw bytes, before parsing: a limit that needs the parser is no limit.
    if max(data.count(b"\n"), data.count(b"\r")) > max_rows + 1:
        raise FileRejected(_too_many_rows(max_rows))
    text, encoding = _decode(data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    line = 1
    try:
        for record in reader:
            cells = _trimmed([_clean(cell) for cell in record[:MAX_COLUMNS]])
            if cells:
                rows.append(Row(line=line, cells=cells))
            line = reader.line_num + 1
    except csv.Error:
        raise FileRejected(
            lazy_gettext(
                "Line %(line)s of the file cannot be read (a quotation mark that is never "
                "closed, or a cell that is far too long).",
                line=line,
            )
        ) from None
    if len(rows) > max_rows + 1:
        raise FileRejected(_too_many_rows(max_rows))
    return Table(kind="csv", rows=rows, encoding=encoding, delimiter=delimiter)


# Control characters (a stray tab, a NUL that PostgreSQL would refuse) become spaces.
_CONTROL = dict.fromkeys(range(32), " ")


def _trimmed(cells: list[str]) -> list[str]:
    """Without the empty cells at the end (Excel pads rows to the widest one)."""
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _clean(value: str) -> str:
    return value.translate(_CONTROL).strip()[:MAX_CELL_CHARS]


# --- XLSX ----------------------------------------------------------------------------------


def _not_a_workbook() -> LazyText:
    return lazy_gettext(
        "The file cannot be read as an Excel workbook. Open it in Excel and save it again as "
        ".xlsx or CSV."
    )


def _check_zip(data: bytes) -> None:
    """Refuse a zip bomb on the sizes the archive declares, before anything is decompressed.

    Python's zipfile never returns more than an entry's declared size, so checking the declared
    sizes bounds what openpyxl can be made to read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise FileRejected(_not_a_workbook()) from None
    total = sum(entry.file_size for entry in entries)
    too_packed = any(
        entry.file_size > 1024 * 1024
        and entry.file_size > MAX_ZIP_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    if len(entries) > MAX_ZIP_ENTRIES or total > MAX_ZIP_TOTAL or too_packed:
        raise FileRejected(
            lazy_gettext(
                "The workbook unpacks to far more data than a pupil list holds, so it is refused. "
                "Save the sheet as CSV and import that instead."
            )
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _clean(str(value))


def _sheet_rows(sheet: Any, *, max_rows: int) -> list[Row]:
    declared = sheet.max_row
    if isinstance(declared, int) and declared > max_rows + 1:
        raise FileRejected(_too_many_rows(max_rows))
    width = sheet.max_column if isinstance(sheet.max_column, int) else MAX_COLUMNS
    rows: list[Row] = []
    values_of = sheet.iter_rows(max_col=min(width, MAX_COLUMNS), values_only=True)
    for line, values in enumerate(values_of, 1):
        if line > max_rows + 1:
            raise FileRejected(_too_many_rows(max_rows))
        cells = _trimmed([_cell_text(value) for value in values])
        if cells:
            rows.append(Row(line=line, cells=cells))
    return rows


def _read_xlsx(data: bytes, *, max_rows: int) -> Table:
    """The workbook's first sheet that has rows: an empty first sheet is common (a cover, a
    sheet Excel added), and the preview says which sheet was read."""
    _check_zip(data)
    # Imported here: openpyxl is only needed for workbooks, and loading it costs a moment.
    import openpyxl

    rows: list[Row] = []
    try:
        # read_only streams the sheet; data_only=False returns a formula cell's text, never a
        # value computed from it (nor the value Excel cached).
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
        try:
            sheets = workbook.worksheets
            index = 0
            for position, sheet in enumerate(sheets):
                rows = _sheet_rows(sheet, max_rows=max_rows)
                if rows:
                    index = position
                    break
            name = str(sheets[index].title) if sheets else None
        finally:
            workbook.close()
    except FileRejected:
        raise
    except Exception:  # whatever the parser trips over in a hostile file: "unreadable"
        raise FileRejected(_not_a_workbook()) from None
    return Table(
        kind="xlsx",
        rows=rows,
        sheet=name,
        sheet_index=index,
        sheet_count=len(sheets),
    )
