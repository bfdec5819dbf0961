"""One row of a pupil file → a clean pupil record, or the reasons it cannot be one.

Every reason names the line and the column as the file calls them and is a lazy translation, so
the preview reads in the user's language. A blank optional cell means "nothing to say": it never
erases what is stored (the pupil page edits that).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pydantic import TypeAdapter, ValidationError

from mentor.i18n import LazyText, lazy_gettext
from mentor.pupils.importing.columns import BY_FIELD, Field, HeaderMap
from mentor.pupils.importing.names import Catalogue, KeyT, Resolver, Resolvers
from mentor.pupils.importing.problems import (
    CPR_IN_CELL,
    Problem,
    RejectedRow,
    cpr_cells,
)
from mentor.pupils.importing.reading import Row
from mentor.web.forms import Email

MAX_PROGRAMMES = 5
NAME_LENGTH = 100
GUARDIAN_NAME_LENGTH = 200
CLASS_LENGTH = 20
REF_LENGTH = 40
GRADES = range(7, 11)

_email = TypeAdapter(Email)
# "8", "8.", "8. klasse", "8 kl.", "8th grade", "10. årgang".
_GRADE = re.compile(r"^(\d{1,2})\s*\.?\s*(?:klasse|kl|klassetrin|årgang|th grade|grade|th)?\.?$")
# A class name that begins with its grade: "8.A", "10X", "7 b", "kl. 9c".
_CLASS_GRADE = re.compile(r"^(?:kl\.?\s*)?(\d{1,2})(?!\d)")
_YEAR = re.compile(r"^(\d{4})$")
_DANISH_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
# Ten digits, with or without the dash: a CPR number, which the programme must never store.
_CPR = re.compile(r"^\d{6}-?\d{4}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")
CPR_AS_PUPIL_NUMBER = lazy_gettext(
    "This looks like a CPR number, which must not be imported. Use the school's own pupil number."
)


@dataclass(frozen=True)
class PupilRecord:
    """A valid row; ``None`` means the file says nothing about that field."""

    line: int
    school_ref: str
    first_name: str
    last_name: str
    grade: int
    class_name: str | None = None
    birth_year: int | None = None
    email: str | None = None
    guardian_name: str | None = None
    guardian_email: str | None = None
    guardian_phone: str | None = None
    languages: tuple[str, ...] | None = None
    interest_ids: tuple[int, ...] | None = None
    programme_ids: tuple[int, ...] | None = None


class _Row:
    """The cells of one row by field, and the problems found so far."""

    def __init__(self, row: Row, header: HeaderMap) -> None:
        self.line = row.line
        self.header = header
        cells = row.cells
        # Repeated and stray spaces never matter: "Søren  Peter " is "Søren Peter".
        self.values = {
            field: " ".join(cells[position].split())
            for field, position in header.positions.items()
            if position < len(cells)
        }
        self.problems: list[Problem] = []
        # A CPR number in any column: that cell reads as empty, and its one problem is the
        # number (other checks of the cell say nothing more, and never show it).
        self.refused = cpr_cells(self.values)
        for field in self.refused:
            message = CPR_AS_PUPIL_NUMBER if field is Field.SCHOOL_REF else CPR_IN_CELL
            self.problems.append(Problem(self.line, self.column(field), "", message))
            self.values[field] = ""

    def value(self, field: Field) -> str:
        return self.values.get(field, "")

    def column(self, field: Field) -> str:
        return self.header.titles.get(field) or str(BY_FIELD[field].label)

    def problem(self, field: Field, message: LazyText, *, value: str | None = None) -> None:
        if field in self.refused:
            return
        shown = self.value(field) if value is None else value
        self.problems.append(Problem(self.line, self.column(field), shown, message))


def _text(row: _Row, field: Field, limit: int, *, required: bool = False) -> str | None:
    value = row.value(field)
    if not value:
        if required:
            row.problem(field, lazy_gettext("This cell must not be empty."))
        return None
    if len(value) > limit:
        row.problem(field, lazy_gettext("At most %(limit)s characters are allowed.", limit=limit))
        return None
    return value


def _names(row: _Row) -> tuple[str | None, str | None]:
    separate = Field.FULL_NAME not in row.header.positions
    first = _text(row, Field.FIRST_NAME, NAME_LENGTH, required=separate)
    last = _text(row, Field.LAST_NAME, NAME_LENGTH, required=separate)
    if separate or (first and last):
        return first, last
    full = row.value(Field.FULL_NAME)
    if "," in full:
        last_part, first_part = (part.strip() for part in full.split(",", 1))
    else:
        first_part, _, last_part = full.rpartition(" ")
    first, last = first or first_part or None, last or last_part or None
    if not first or not last:
        row.problem(
            Field.FULL_NAME,
            lazy_gettext("Write both first and last name, such as “Freja Jensen”."),
        )
        return None, None
    if len(first) > NAME_LENGTH or len(last) > NAME_LENGTH:
        row.problem(
            Field.FULL_NAME,
            lazy_gettext("At most %(limit)s characters are allowed.", limit=NAME_LENGTH),
        )
        return None, None
    return first, last


def _school_ref(row: _Row) -> str | None:
    value = _text(row, Field.SCHOOL_REF, REF_LENGTH, required=True)
    if value and _CPR.match(value):
        row.problem(Field.SCHOOL_REF, CPR_AS_PUPIL_NUMBER, value="")
        return None
    return value


def _grade_and_class(row: _Row) -> tuple[int | None, str | None]:
    class_name = _text(row, Field.CLASS_NAME, CLASS_LENGTH)
    raw_grade = row.value(Field.GRADE)
    class_grade = _CLASS_GRADE.match(class_name.casefold()) if class_name else None
    grade: int | None = None
    if raw_grade:
        found = _GRADE.match(raw_grade.casefold())
        if found is None:
            row.problem(Field.GRADE, lazy_gettext("Write the grade as a number: 7, 8, 9 or 10."))
            return None, class_name
        grade = int(found.group(1))
        if class_grade is not None and int(class_grade.group(1)) != grade:
            row.problem(
                Field.CLASS_NAME,
                lazy_gettext(
                    "The class begins with grade %(class_grade)s, but the grade is %(grade)s.",
                    class_grade=class_grade.group(1),
                    grade=grade,
                ),
            )
            return None, class_name
    elif class_grade is not None:
        grade = int(class_grade.group(1))
    else:
        field = Field.GRADE if Field.GRADE in row.header.positions else Field.CLASS_NAME
        row.problem(
            field,
            lazy_gettext(
                "The grade is missing: write 7, 8, 9 or 10, or a class name that begins with "
                "it (8.A)."
            ),
        )
        return None, class_name
    if grade not in GRADES:
        field = Field.GRADE if raw_grade else Field.CLASS_NAME
        row.problem(
            field,
            lazy_gettext(
                "Grade %(grade)s is outside 7–10: the programme is for grades 7 to 10.",
                grade=grade,
            ),
        )
        return None, class_name
    return grade, class_name


def _birth_year(row: _Row, school_year_end: int) -> int | None:
    value = row.value(Field.BIRTH_YEAR)
    if not value:
        return None
    if _CPR.match(value):
        row.problem(Field.BIRTH_YEAR, CPR_IN_CELL, value="")
        return None
    year: int | None = None
    for pattern, group in ((_YEAR, 1), (_DANISH_DATE, 3), (_ISO_DATE, 1)):
        found = pattern.match(value)
        if found:
            year = int(found.group(group))
            if pattern is not _YEAR and not _is_date(found, iso=pattern is _ISO_DATE):
                year = None
            break
    if year is None:
        row.problem(
            Field.BIRTH_YEAR,
            lazy_gettext("Write a year (2012) or a date (04.03.2012)."),
        )
        return None
    # Pupils in grades 7–10 are 12 to 17, give or take a year or two (a late start, a repeat).
    earliest, latest = school_year_end - 21, school_year_end - 11
    if not earliest <= year <= latest:
        row.problem(
            Field.BIRTH_YEAR,
            lazy_gettext(
                "A pupil in grades 7–10 is born between %(earliest)s and %(latest)s.",
                earliest=earliest,
                latest=latest,
            ),
        )
        return None
    return year


def _is_date(found: re.Match[str], *, iso: bool) -> bool:
    parts = [int(part) for part in found.groups()[:3]]
    year, month, day = parts if iso else parts[::-1]
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _email_of(row: _Row, field: Field) -> str | None:
    value = row.value(field)
    if not value:
        return None
    try:
        return _email.validate_python(value)
    except ValidationError:
        row.problem(field, lazy_gettext("Write an e-mail address like navn@example.dk."))
        return None


def _phone(row: _Row) -> str | None:
    value = row.value(Field.GUARDIAN_PHONE)
    if not value:
        return None
    digits = sum(char.isdigit() for char in value)
    if not _PHONE_CHARS.match(value) or not 8 <= digits <= 15 or len(value) > 30:
        row.problem(
            Field.GUARDIAN_PHONE,
            lazy_gettext("Write a phone number with 8 to 15 digits, such as 20 12 34 56."),
        )
        return None
    return value


def _lookup(
    row: _Row, field: Field, resolver: Resolver[KeyT], message: Callable[[str], LazyText]
) -> tuple[KeyT, ...] | None:
    value = row.value(field)
    if not value:
        return None
    result = resolver.resolve(value)
    if isinstance(result, str):
        row.problem(field, message(result))
        return None
    return result


def validate_row(
    row: Row,
    header: HeaderMap,
    catalogue: Catalogue,
    *,
    school_year_end: int,
    resolvers: Resolvers | None = None,
) -> PupilRecord | RejectedRow:
    resolvers = resolvers or Resolvers.of(catalogue)
    checked = _Row(row, header)
    school_ref = _school_ref(checked)
    first_name, last_name = _names(checked)
    grade, class_name = _grade_and_class(checked)
    birth_year = _birth_year(checked, school_year_end)
    email = _email_of(checked, Field.EMAIL)
    guardian_name = _text(checked, Field.GUARDIAN_NAME, GUARDIAN_NAME_LENGTH)
    guardian_email = _email_of(checked, Field.GUARDIAN_EMAIL)
    guardian_phone = _phone(checked)
    languages = _lookup(
        checked,
        Field.LANGUAGES,
        resolvers.languages,
        lambda item: lazy_gettext(
            "“%(language)s” is not a language we know. Write its name (arabisk) or its "
            "two-letter code (ar).",
            language=item,
        ),
    )
    interest_ids = _lookup(
        checked,
        Field.INTERESTS,
        resolvers.interests,
        lambda item: lazy_gettext(
            "“%(interest)s” is not an interest in the catalogue.", interest=item
        ),
    )
    programme_ids = _lookup(
        checked,
        Field.PROGRAMMES,
        resolvers.programmes,
        lambda item: lazy_gettext(
            "“%(programme)s” is not a programme in the catalogue. Use a code such as STX or EUX.",
            programme=item,
        ),
    )
    if programme_ids is not None and len(programme_ids) > MAX_PROGRAMMES:
        checked.problem(
            Field.PROGRAMMES,
            lazy_gettext("At most %(limit)s programmes, most wanted first.", limit=MAX_PROGRAMMES),
        )
    if checked.problems or not (school_ref and first_name and last_name and grade):
        return RejectedRow(line=row.line, problems=checked.problems)
    return PupilRecord(
        line=row.line,
        school_ref=school_ref,
        first_name=first_name,
        last_name=last_name,
        grade=grade,
        class_name=class_name,
        birth_year=birth_year,
        email=email,
        guardian_name=guardian_name,
        guardian_email=guardian_email,
        guardian_phone=guardian_phone,
        languages=languages,
        interest_ids=interest_ids,
        programme_ids=programme_ids,
    )
