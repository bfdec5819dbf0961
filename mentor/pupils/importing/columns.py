"""The columns of a pupil file: what each is called in Danish and English, and what it accepts.

Schools export from different administration systems and then edit the file in Excel, so a
header is matched case- and space-insensitively, ignoring punctuation ("Elev nr.", "elevnr",
"ELEV-NR" are one column), in any order. The Danish name first in ``aliases`` is the one the
example file uses; the help page lists the rest.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from mentor.i18n import LazyText, lazy_gettext
from mentor.privacy.cpr import contains_cpr


class Field(StrEnum):
    SCHOOL_REF = "school_ref"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    FULL_NAME = "full_name"
    GRADE = "grade"
    CLASS_NAME = "class_name"
    BIRTH_YEAR = "birth_year"
    EMAIL = "email"
    GUARDIAN_NAME = "guardian_name"
    GUARDIAN_EMAIL = "guardian_email"
    GUARDIAN_PHONE = "guardian_phone"
    LANGUAGES = "languages"
    INTERESTS = "interests"
    PROGRAMMES = "programmes"


FieldT = TypeVar("FieldT", bound=StrEnum)


@dataclass(frozen=True)
class Column(Generic[FieldT]):
    """A column of an import file (pupils or students to invite): the field it fills, its label,
    the headers it is known by (the Danish one first: the example file's), what it accepts."""

    field: FieldT
    label: LazyText
    aliases: tuple[str, ...]
    accepts: LazyText
    required: bool = False

    @property
    def danish_header(self) -> str:
        return self.aliases[0]


COLUMNS: tuple[Column[Field], ...] = (
    Column(
        Field.SCHOOL_REF,
        lazy_gettext("Pupil number"),
        (
            "Elevnummer", "Elevnr", "Elev-id", "Elevid", "Elevreference", "Elevnøgle",
            "Pupil number", "Pupil reference", "Pupil id", "Student id", "Student number",
            "School reference", "Reference", "Ref", "Id",
        ),
        lazy_gettext(
            "The school's own number for the pupil, at most 40 characters. Required: a new file "
            "updates the pupil with the same number."
        ),
        required=True,
    ),
    Column(
        Field.FIRST_NAME,
        lazy_gettext("First name"),
        ("Fornavn", "Fornavne", "First name", "First names", "Given name", "Firstname"),
        lazy_gettext("Required, at most 100 characters."),
        required=True,
    ),
    Column(
        Field.LAST_NAME,
        lazy_gettext("Last name"),
        ("Efternavn", "Efternavne", "Last name", "Surname", "Family name", "Lastname"),
        lazy_gettext("Required, at most 100 characters."),
        required=True,
    ),
    Column(
        Field.FULL_NAME,
        lazy_gettext("Name"),
        ("Navn", "Elevnavn", "Fulde navn", "Elevens navn", "Name", "Full name", "Pupil name"),
        lazy_gettext(
            "Instead of first and last name: “Jensen, Freja Marie” or “Freja Marie Jensen” "
            "(the last word is then the last name)."
        ),
    ),
    Column(
        Field.GRADE,
        lazy_gettext("Grade"),
        ("Klassetrin", "Årgang", "Klassetrin/årgang", "Grade", "Year group", "School year"),
        lazy_gettext(
            "7, 8, 9 or 10, written 8, 8. or 8. klasse. May be left out when the class name "
            "begins with the grade (8.A)."
        ),
    ),
    Column(
        Field.CLASS_NAME,
        lazy_gettext("Class"),
        ("Klasse", "Klassebetegnelse", "Klassenavn", "Hold", "Class", "Class name"),
        lazy_gettext("For example 8.A or 10X, at most 20 characters."),
    ),
    Column(
        Field.BIRTH_YEAR,
        lazy_gettext("Year of birth"),
        (
            "Fødselsår", "Født", "Fødselsdato", "Fødselsdag", "Birth year", "Year of birth",
            "Date of birth", "Birth date", "Birthday",
        ),
        lazy_gettext(
            "A year (2012) or a date (04.03.2012 or 2012-03-04): only the year is stored. "
            "Never a CPR number."
        ),
    ),
    Column(
        Field.EMAIL,
        lazy_gettext("Pupil's e-mail"),
        ("Elevens e-mail", "E-mail", "Email", "Mail", "Elev e-mail", "Pupil e-mail"),
        lazy_gettext("An e-mail address like navn@skole.dk. Questionnaire links can go there."),
    ),
    Column(
        Field.GUARDIAN_NAME,
        lazy_gettext("Guardian"),
        (
            "Forælder", "Forældre", "Værge", "Forælders navn", "Forældrenavn", "Kontaktperson",
            "Guardian", "Guardian name", "Parent", "Parent name",
        ),
        lazy_gettext("The name of a parent or guardian, at most 200 characters."),
    ),
    Column(
        Field.GUARDIAN_EMAIL,
        lazy_gettext("Guardian's e-mail"),
        (
            "Forælders e-mail", "Forældre e-mail", "Forældres e-mail", "Forælder e-mail",
            "Forældre-mail", "Forælder-mail", "Forælders mail", "Forældres mail", "Forældre mail",
            "Værges e-mail", "Værge e-mail", "Værge-mail", "Værges mail", "Mail forælder",
            "Mail forældre", "Mail til forældre", "Mail til forælder", "E-mail forælder",
            "E-mail forældre", "E-mail til forældre", "Guardian e-mail", "Guardian email",
            "Guardian mail", "Parent e-mail", "Parent email", "Parents' e-mail", "Parent mail",
        ),
        lazy_gettext("An e-mail address like navn@example.dk."),
    ),
    Column(
        Field.GUARDIAN_PHONE,
        lazy_gettext("Guardian's phone"),
        (
            "Forælders telefon", "Forældre telefon", "Forældres telefon", "Forælder telefon",
            "Forælder tlf", "Forældre tlf", "Værges telefon", "Værge telefon", "Telefon forælder",
            "Tlf forælder", "Telefon", "Tlf", "Mobil", "Telefonnummer", "Guardian phone",
            "Parent phone", "Phone",
        ),
        lazy_gettext("A phone number with 8 to 15 digits, such as 20 12 34 56 or +45 20123456."),
    ),
    Column(
        Field.LANGUAGES,
        lazy_gettext("Languages"),
        ("Sprog", "Hjemmesprog", "Modersmål", "Sprog i hjemmet", "Languages", "Language"),
        lazy_gettext(
            "Languages spoken at home, separated by commas: names (dansk, arabisk) or codes "
            "(da, ar)."
        ),
    ),
    Column(
        Field.INTERESTS,
        lazy_gettext("Interests"),
        ("Interesser", "Interests"),
        lazy_gettext(
            "Interests from the programme's catalogue, separated by commas or semicolons, by "
            "name or code."
        ),
    ),
    Column(
        Field.PROGRAMMES,
        lazy_gettext("Programmes of interest"),
        (
            "Uddannelsesønsker", "Uddannelser", "Uddannelsesønske", "Ønsker", "Programmes",
            "Programs", "Programmes of interest", "Education wishes",
        ),
        lazy_gettext(
            "Up to five youth-education programmes, most wanted first, by code (STX, EUX) or "
            "name."
        ),
    ),
)  # fmt: skip

BY_FIELD: dict[Field, Column[Field]] = {column.field: column for column in COLUMNS}

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def normalise_header(text: str) -> str:
    """``" Elev-nr. "`` → ``"elevnr"``: case, spaces and punctuation do not matter."""
    return _NOT_LETTER_OR_DIGIT.sub("", text.casefold())


KeyT = TypeVar("KeyT", bound=Hashable)


@dataclass(frozen=True)
class IgnoredColumn:
    """A column the import does not use: where it is and what the file calls it."""

    position: int
    title: str


@dataclass(frozen=True)
class HeaderMap:
    """Which cell of a row holds which field; what the file calls it; what was not used."""

    line: int
    positions: dict[Field, int]
    titles: dict[Field, str]
    ignored: list[IgnoredColumn] = field(default_factory=list)

    @property
    def ignored_titles(self) -> list[str]:
        return [column.title for column in self.ignored]

    @property
    def score(self) -> int:
        return len(self.positions)

    def missing_required(self) -> list[Field]:
        """Required columns the file lacks; a full name stands in for first and last name."""
        present = set(self.positions)
        missing: list[Field] = []
        if Field.SCHOOL_REF not in present:
            missing.append(Field.SCHOOL_REF)
        if Field.FULL_NAME not in present:
            missing += [f for f in (Field.FIRST_NAME, Field.LAST_NAME) if f not in present]
        if Field.GRADE not in present and Field.CLASS_NAME not in present:
            missing.append(Field.GRADE)
        return missing


def alias_table(aliases: Mapping[KeyT, Sequence[str]]) -> dict[str, KeyT]:
    """A column spec (field → its names) as the lookup ``match_header`` takes."""
    return {normalise_header(alias): key for key, names in aliases.items() for alias in names}


def match_header(
    cells: Sequence[str], table: Mapping[str, KeyT]
) -> tuple[dict[KeyT, int], dict[KeyT, str], list[IgnoredColumn]]:
    """Positions and titles of the fields a header row names, and the cells it does not use.

    Shared by every file import (pupils, ambassadors): ``table`` comes from ``alias_table``.
    The first of two same-meaning columns wins.
    """
    positions: dict[KeyT, int] = {}
    titles: dict[KeyT, str] = {}
    ignored: list[IgnoredColumn] = []
    for index, cell in enumerate(cells):
        title = " ".join(cell.split())
        if not title:
            continue
        if contains_cpr(title):
            # A file without a header row: its first row is a pupil's, and never shown.
            title = str(lazy_gettext("(a CPR number)"))
        found = table.get(normalise_header(title))
        if found is None or found in positions:
            ignored.append(IgnoredColumn(index, title))
            continue
        positions[found] = index
        titles[found] = title
    return positions, titles, ignored


_ALIASES: dict[str, Field] = alias_table({column.field: column.aliases for column in COLUMNS})


def map_header(cells: Sequence[str], *, line: int) -> HeaderMap:
    """Match a header row's cells to the pupil file's fields."""
    positions, titles, ignored = match_header(cells, _ALIASES)
    return HeaderMap(line=line, positions=positions, titles=titles, ignored=ignored)
