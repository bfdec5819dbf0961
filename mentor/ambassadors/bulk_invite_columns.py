"""The columns of a file of students to invite: their names in Danish and English, what they accept.

Matched like the pupil file's (``pupils.importing.columns.match_header``): case, spaces and
punctuation do not matter, in any order.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from mentor.i18n import LazyText, lazy_gettext
from mentor.pupils.importing.columns import Column, IgnoredColumn, alias_table, match_header
from mentor.pupils.importing.contact_columns import ContactColumn, ContactKind
from mentor.pupils.importing.reading import FileRejected, Row

HEADER_SEARCH_ROWS = 10


class Field(StrEnum):
    FULL_NAME = "full_name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    INSTITUTION = "institution"
    PROGRAMME = "programme"
    YEAR = "year_of_study"


COLUMNS: tuple[Column[Field], ...] = (
    Column(
        Field.FULL_NAME,
        lazy_gettext("Name"),
        ("Navn", "Fulde navn", "Elevnavn", "Name", "Full name", "Student name"),
        lazy_gettext(
            "The student's full name, at most 200 characters. Required unless the file has "
            "first and last name."
        ),
        required=True,
    ),
    Column(
        Field.FIRST_NAME,
        lazy_gettext("First name"),
        ("Fornavn", "Fornavne", "First name", "Given name", "Firstname"),
        lazy_gettext("Instead of the name: first and last name in two columns."),
    ),
    Column(
        Field.LAST_NAME,
        lazy_gettext("Last name"),
        ("Efternavn", "Last name", "Surname", "Family name", "Lastname"),
        lazy_gettext("Instead of the name: first and last name in two columns."),
    ),
    Column(
        Field.EMAIL,
        lazy_gettext("E-mail"),
        ("E-mail", "Email", "Mail", "E-mailadresse", "Elevens e-mail", "E-mail address"),
        lazy_gettext("Required. The invitation goes there; each address once in the file."),
        required=True,
    ),
    Column(
        Field.INSTITUTION,
        lazy_gettext("Institution"),
        ("Institution", "Uddannelsessted", "Skole", "Uddannelsesinstitution", "School"),
        lazy_gettext("Required. A youth-education institution, by its code or its name."),
        required=True,
    ),
    Column(
        Field.PROGRAMME,
        lazy_gettext("Programme"),
        ("Uddannelse", "Studieretning", "Programme", "Program", "Education"),
        lazy_gettext("Required. A programme the institution offers, by code (STX, EUX) or name."),
        required=True,
    ),
    Column(
        Field.YEAR,
        lazy_gettext("Year of study"),
        ("År", "Årgang", "Studieår", "Klassetrin", "Year", "Year of study"),
        lazy_gettext("1 to 6, written 2 or 2.g. Left empty: 1."),
    ),
)  # fmt: skip

BY_FIELD: dict[Field, Column[Field]] = {column.field: column for column in COLUMNS}
_ALIASES: dict[str, Field] = alias_table({column.field: column.aliases for column in COLUMNS})


@dataclass(frozen=True)
class Header:
    line: int
    positions: dict[Field, int]
    titles: dict[Field, str]
    ignored: list[IgnoredColumn]

    @property
    def ignored_titles(self) -> list[str]:
        return [column.title for column in self.ignored]

    def missing_required(self) -> list[Field]:
        present = set(self.positions)
        missing: list[Field] = []
        if Field.FULL_NAME not in present and not {Field.FIRST_NAME, Field.LAST_NAME} <= present:
            missing.append(Field.FULL_NAME)
        missing += [
            f for f in (Field.EMAIL, Field.INSTITUTION, Field.PROGRAMME) if f not in present
        ]
        return missing


def find_header(rows: Sequence[Row]) -> tuple[Header, list[Row]]:
    candidates: list[Header] = []
    for row in rows[:HEADER_SEARCH_ROWS]:
        positions, titles, ignored = match_header(row.cells, _ALIASES)
        candidates.append(Header(row.line, positions, titles, ignored))
    if not candidates:
        raise FileRejected(lazy_gettext("The file has no rows."))
    best = max(enumerate(candidates), key=lambda item: (len(item[1].positions), -item[0]))[1]
    missing = best.missing_required()
    if missing:
        names = ", ".join(BY_FIELD[f].danish_header for f in missing)
        raise FileRejected(
            lazy_gettext(
                "The file has no column for: %(columns)s. The first row must name the columns; "
                "see the list of column names below.",
                columns=names,
            )
        )
    return best, [row for row in rows if row.line > best.line]


def contact_warning(column: ContactColumn) -> LazyText:
    """What to do about an ignored column of e-mail addresses or phone numbers in this file."""
    if column.kind is ContactKind.EMAIL:
        return lazy_gettext(
            "The column “%(column)s” is not used, but it holds e-mail addresses. Invitations go "
            "only to the column “%(email)s”: if these are the students' own addresses, name the "
            "column so.",
            column=column.title,
            email=BY_FIELD[Field.EMAIL].danish_header,
        )
    return lazy_gettext(
        "The column “%(column)s” is not used, but it holds phone numbers. Phone numbers are not "
        "imported: each ambassador adds their own on their profile.",
        column=column.title,
    )
