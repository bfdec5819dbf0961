"""Every rejection reason with its line and column, every way of writing a grade, both languages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentor.i18n import using_locale
from mentor.pupils.importing.columns import Field, map_header, normalise_header
from mentor.pupils.importing.names import Catalogue, split_list
from mentor.pupils.importing.problems import RejectedRow
from mentor.pupils.importing.reading import Row
from mentor.pupils.importing.validation import PupilRecord, validate_row

EVERY_ERROR = {
    3: ("Klassetrin", "11", "uden for 7–10"),
    4: ("Klassetrin", "6", "uden for 7–10"),
    5: ("Klassetrin", "otte", "som et tal"),
    6: ("Fornavn", "", "må ikke være tom"),
    7: ("Efternavn", "", "må ikke være tom"),
    8: ("E-mail", "clara(at)skole.dk", "e-mailadresse"),
    9: ("Forælders e-mail", "far@@example", "e-mailadresse"),
    10: ("Elevnummer", "DUP", "mere end én gang (også linje 11)"),
    11: ("Elevnummer", "DUP", "mere end én gang (også linje 10)"),
    12: ("Uddannelsesønsker", "ABC", "“ABC” er ikke en uddannelse"),
    13: ("Uddannelsesønsker", "STX, HHX, HTX, HF, EUX, FGU", "Højst 5 uddannelser"),
    14: ("Interesser", "Kaffe", "“Kaffe” er ikke en interesse"),
    15: ("Fødselsår", "2020", "født mellem"),
    16: ("Fødselsår", "31.02.2012", "Skriv et år"),
    17: ("Fødselsår", "", "CPR-nummer"),  # the number itself is never shown again
    18: ("Elevnummer", "", "CPR-nummer"),
    19: ("Klassetrin", "", "Klassetrinnet mangler"),
    20: ("Klasse", "9.A", "begynder med klassetrin 9"),
    21: ("Telefon", "12 34", "telefonnummer"),
    22: ("Sprog", "klingon", "ikke et sprog"),
    23: ("Efternavn", "X" * 106, "Højst 100 tegn"),
    24: ("Elevnummer", "", "må ikke være tom"),
}


def test_every_rejection_reason_names_line_column_and_reason(
    preview: Callable[..., object], data_file: Callable[[str], bytes]
) -> None:
    result = preview(data_file("pupils_every_error.csv"))

    found = {
        row.line: [(p.column, p.value, str(p.message)) for p in row.problems]
        for row in result.rejected  # type: ignore[attr-defined]
    }
    assert set(found) == set(EVERY_ERROR)
    for line, (column, value, reason) in EVERY_ERROR.items():
        assert len(found[line]) == 1, found[line]
        got_column, got_value, got_reason = found[line][0]
        assert (got_column, got_value) == (column, value), line
        assert reason in got_reason, (line, got_reason)
    # The one good row still goes through.
    assert [rec.school_ref for rec in result.creates] == ["G1"]  # type: ignore[attr-defined]


def test_reasons_read_in_english_for_an_english_user(
    preview: Callable[..., object], data_file: Callable[[str], bytes]
) -> None:
    with using_locale("en"):
        result = preview(data_file("pupils_every_error.csv"))
        first = result.rejected[0].problems[0]  # type: ignore[attr-defined]
        assert str(first.message) == (
            "Grade 11 is outside 7–10: the programme is for grades 7 to 10."
        )


HEADER = map_header(
    ["Elevnummer", "Fornavn", "Efternavn", "Klassetrin", "Klasse", "Uddannelsesønsker"], line=1
)
CATALOGUE = Catalogue(
    interests={},
    programmes={
        **dict.fromkeys(Catalogue.keys("EUD-KHF", "EUD – Kontor, handel og forretningsservice"), 7),
        **dict.fromkeys(Catalogue.keys("STX", "Almen studentereksamen"), 1),
    },
)


def check(
    grade: str = "8", class_name: str = "", programmes: str = ""
) -> PupilRecord | RejectedRow:
    cells = ["E1", "Freja", "Jensen", grade, class_name, programmes]
    return validate_row(Row(2, cells), HEADER, CATALOGUE, school_year_end=2027)


@pytest.mark.parametrize(
    ("grade", "class_name", "expected"),
    [
        ("8", "", 8),
        ("8.", "", 8),
        ("8. klasse", "", 8),
        ("8 kl.", "", 8),
        ("10. Klasse", "10X", 10),
        ("08", "", 8),
        ("", "8.A", 8),
        ("", "10X", 10),
        ("", "kl. 9c", 9),
        ("  9  ", "9.b", 9),
    ],
)
def test_grades_as_schools_write_them(grade: str, class_name: str, expected: int) -> None:
    result = check(grade, class_name)
    assert isinstance(result, PupilRecord), result
    assert result.grade == expected


def test_a_programme_name_with_a_comma_is_one_programme() -> None:
    result = check(programmes="EUD – Kontor, handel og forretningsservice, stx")
    assert isinstance(result, PupilRecord), result
    assert result.programme_ids == (7, 1)


def test_split_list_prefers_the_longest_known_name() -> None:
    known = {"film, foto og video", "musik"}
    assert split_list("Film, foto og video, Musik; Dans", lambda t: t.casefold() in known) == [
        "Film, foto og video",
        "Musik",
        "Dans",
    ]


def test_headers_match_in_any_case_spacing_and_punctuation() -> None:
    assert normalise_header("  ELEV-NR. ") == normalise_header("elevnr")
    header = map_header(
        ["KLASSE", "fornavn ", " Efter navn", "Elev nr.", "Noget andet", "Fornavn"], line=4
    )
    assert header.positions == {
        Field.CLASS_NAME: 0,
        Field.FIRST_NAME: 1,
        Field.LAST_NAME: 2,
        Field.SCHOOL_REF: 3,
    }
    assert header.ignored_titles == ["Noget andet", "Fornavn"]
    assert header.missing_required() == []


def test_a_full_name_column_is_split_into_first_and_last_name() -> None:
    header = map_header(["Elevnr", "Navn", "Klasse"], line=1)
    for cell, first, last in [
        ("Jensen, Freja Marie", "Freja Marie", "Jensen"),
        ("Freja Marie Jensen", "Freja Marie", "Jensen"),
    ]:
        result = validate_row(Row(2, ["E1", cell, "8.A"]), header, CATALOGUE, school_year_end=2027)
        assert isinstance(result, PupilRecord)
        assert (result.first_name, result.last_name) == (first, last)
    lone = validate_row(Row(3, ["E2", "Freja", "8.A"]), header, CATALOGUE, school_year_end=2027)
    assert isinstance(lone, RejectedRow)
    assert lone.problems[0].column == "Navn"
