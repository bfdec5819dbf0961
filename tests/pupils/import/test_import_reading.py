"""Reading files as schools produce them, and refusing the ones no school should send."""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Callable
from datetime import date

import openpyxl
import openpyxl.xml
import pytest

from mentor.pupils.importing.reading import FileRejected, Table, read_table

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


def read(data: bytes, filename: str = "elever.csv", **limits: int) -> Table:
    return read_table(
        data,
        filename=filename,
        max_bytes=limits.get("max_bytes", MAX_BYTES),
        max_rows=limits.get("max_rows", MAX_ROWS),
    )


def refusal(data: bytes, filename: str = "elever.csv", **limits: int) -> str:
    with pytest.raises(FileRejected) as caught:
        read(data, filename, **limits)
    return str(caught.value.message)


def workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_semicolon_utf8_with_bom_keeps_danish_letters_and_skips_blank_lines(
    data_file: Callable[[str], bytes],
) -> None:
    data = data_file("pupils_semicolon_bom_da.csv")
    assert data.startswith(codecs.BOM_UTF8)

    table = read(data)

    assert (table.kind, table.encoding, table.delimiter) == ("csv", "utf-8-sig", ";")
    header = table.rows[1]
    assert header.line == 3
    assert header.cells[0] == "Elevnummer"  # the BOM and the stray spaces are gone
    freja = table.rows[2]
    assert freja.cells[:3] == ["E001", "Freja", "Østergaard"]
    # Blank lines are skipped, yet the line numbers stay those of the file.
    assert [row.line for row in table.rows] == [1, 3, 4, 5, 7, 8, 9]


def test_comma_utf8_without_bom_with_quoted_commas(data_file: Callable[[str], bytes]) -> None:
    table = read(data_file("pupils_comma_utf8_en.csv"))

    assert (table.encoding, table.delimiter) == ("utf-8", ",")
    assert table.rows[2].cells[5] == "Film, photo and video"


def test_windows_1252_is_read_with_its_danish_letters(data_file: Callable[[str], bytes]) -> None:
    data = data_file("pupils_windows1252.csv")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    table = read(data)

    assert table.encoding == "cp1252"
    assert table.rows[1].cells[1:3] == ["Bjørn", "Ærø"]
    assert table.rows[0].cells[4] == "Forælder"


def test_utf16_tab_separated_unicode_text_from_excel() -> None:
    text = "Elevnummer\tFornavn\tEfternavn\tKlasse\r\nU1\tÅse\tBæk\t8.A\r\n"
    table = read(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "elever.txt")

    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.rows[1].cells == ["U1", "Åse", "Bæk", "8.A"]


def test_committed_xlsx_reads_numbers_dates_and_formulas_as_text(
    data_file: Callable[[str], bytes],
) -> None:
    table = read(data_file("pupils.xlsx"), "elever.xlsx")

    assert table.kind == "xlsx"
    by_line = {row.line: row.cells for row in table.rows}
    assert by_line[4][:6] == ["1001", "Freja", "Østergaard", "8", "8.A", "2012-03-04"]
    # 1002.0 and 9.0 as Excel stores them become 1002 and 9.
    assert by_line[5][:4] == ["1002", "Åse", "Bæk", "9"]
    # The formula is its text: never evaluated, and not Excel's cached result either.
    assert by_line[5][6] == '=HYPERLINK("http://evil.example","Klik")'
    assert 2 not in by_line  # blank rows skipped, numbering kept
    assert 6 not in by_line


def test_xlsx_made_now_with_a_formula_and_a_date() -> None:
    data = workbook_bytes([["Elevnummer", "Fornavn"], ["=1+1", date(2012, 1, 2)], [True, 3.5]])

    table = read(data, "upload")  # the magic bytes decide, not the name

    assert [row.cells for row in table.rows] == [
        ["Elevnummer", "Fornavn"],
        ["=1+1", "2012-01-02"],
        ["1", "3.5"],
    ]


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize(
    ("data", "filename", "limits", "says"),
    [
        (b"x" * 101, "elever.csv", {"max_bytes": 100}, "grænsen er"),
        (b"Fornavn\n" + b"Freja\n" * 11, "elever.csv", {"max_rows": 10}, "mere end 10 rækker"),
        (b"Fornavn\rFreja\r" * 11, "elever.csv", {"max_rows": 10}, "mere end 10 rækker"),
        (b"", "elever.csv", {}, "tom"),
        (b"  \r\n \r\n", "elever.csv", {}, "tom"),
        (b"Fornavn;Efternavn\r\nFre\x00ja;Jensen\r\n", "elever.csv", {}, "NUL"),
        (codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le"), "e.txt", {}, "NUL"),
        (b"Elevnummer;Fornavn\r\n", "elever.xlsx", {}, "ikke en Excel-projektmappe"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "elever.xls", {}, "kan ikke læses"),
        (b"PK\x03\x04 not really a zip", "elever.xlsx", {}, "kan ikke læses som"),
        (b'Fornavn;Efternavn\r\n"Freja;Jensen\r\n' + b"x" * 200_000, "e.csv", {}, "Linje 2"),
    ],
    ids=[
        "too-large",
        "too-many-rows",
        "too-many-rows-cr",
        "empty",
        "blank",
        "nul-byte",
        "nul-in-utf16",
        "fake-xlsx",
        "old-xls",
        "broken-zip",
        "unclosed-quote",
    ],
)
def test_files_refused_with_a_plain_reason(
    data: bytes, filename: str, limits: dict[str, int], says: str
) -> None:
    assert says in refusal(data, filename, **limits)


def test_committed_nul_csv_and_fake_xlsx_are_refused(data_file: Callable[[str], bytes]) -> None:
    assert "NUL" in refusal(data_file("pupils_nul.csv"), "pupils_nul.csv")
    assert "ikke en Excel" in refusal(data_file("not_really.xlsx"), "not_really.xlsx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        # 300 MB of zeros deflate to about 300 kB.
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(300):
                sheet.write(chunk)
    data = buffer.getvalue()
    assert len(data) < MAX_BYTES

    assert "pakkes ud til langt mere data" in refusal(data, "bombe.xlsx")


def test_a_dense_but_honest_xlsx_is_not_mistaken_for_a_bomb() -> None:
    rows: list[list[object]] = [["Elevnummer", "Fornavn", "Efternavn", "Klassetrin"]]
    rows += [[f"E{n}", "Freja", "Jensen", 8] for n in range(5000)]

    table = read(workbook_bytes(rows), "elever.xlsx")

    assert len(table.rows) == 5001


def test_an_xlsx_with_too_many_rows_is_refused() -> None:
    rows: list[list[object]] = [["Fornavn"]] + [["Freja"]] * 30
    assert "mere end 20 rækker" in refusal(workbook_bytes(rows), "e.xlsx", max_rows=20)


def test_control_characters_in_cells_become_spaces() -> None:
    table = read(b"Fornavn;Efternavn\r\nFre\x07ja;\x1bJensen\r\n")
    assert table.rows[1].cells == ["Fre ja", "Jensen"]
