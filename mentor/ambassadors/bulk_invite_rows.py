"""One row of a file of students → whom to invite, or the reasons the row cannot be used.

The institution and the programme are looked up by code or name among the active
youth-education institutions and the programmes offered today; the institution must offer the
programme.
"""

import re
from dataclasses import dataclass
from datetime import date

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.accounts.links import normalise_email
from mentor.ambassadors.bulk_invite_columns import BY_FIELD, Field, Header
from mentor.db import utcnow
from mentor.i18n import LOCAL_TIMEZONE, LazyText, lazy_gettext
from mentor.models import (
    InstitutionProgramme,
    Organisation,
    OrganisationKind,
    Programme,
)
from mentor.pupils.importing.problems import CPR_IN_CELL, Problem, RejectedRow, cpr_cells
from mentor.pupils.importing.reading import Row
from mentor.web.forms import Email

NAME_LENGTH = 200
DEFAULT_YEAR = 1
YEARS = range(1, 7)

_email = TypeAdapter(Email)
# "2", "2.", "2.g", "2. år", "3. hf", "year 2".
_YEAR = re.compile(r"^(?:year\s*)?(\d{1,2})\s*\.?\s*(?:[a-zæøå]{1,4}\.?)?$")


@dataclass(frozen=True)
class Invitee:
    """A good row: whom to invite, where they study."""

    line: int
    full_name: str
    email: str
    institution_id: int
    institution_name: str
    programme_id: int
    programme_name: str
    year_of_study: int


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class _Place:
    id: int
    name: str


@dataclass(frozen=True)
class _Catalogue:
    """Active institutions and offered programmes by code and name; who offers what."""

    institutions: dict[str, _Place]
    programmes: dict[str, _Place]
    offered: set[tuple[int, int]]


def load_catalogue(db: Session, *, locale: str) -> _Catalogue:
    institutions: dict[str, _Place] = {}
    query = select(Organisation).where(
        Organisation.kind == OrganisationKind.YOUTH_INSTITUTION, Organisation.active.is_(True)
    )
    for institution in db.scalars(query.order_by(Organisation.id)):
        place = _Place(institution.id, institution.name)
        for name in (institution.code, institution.name):
            institutions.setdefault(_key(name), place)
    today: date = utcnow().astimezone(LOCAL_TIMEZONE).date()
    programmes: dict[str, _Place] = {}
    offered_now = select(Programme).where(
        (Programme.valid_from.is_(None)) | (Programme.valid_from <= today),
        (Programme.valid_to.is_(None)) | (Programme.valid_to >= today),
    )
    for programme in db.scalars(offered_now.order_by(Programme.sort_order, Programme.id)):
        place = _Place(programme.id, programme.name_da if locale == "da" else programme.name_en)
        for name in (programme.code, programme.name_da, programme.name_en):
            programmes.setdefault(_key(name), place)
    links = db.execute(
        select(InstitutionProgramme.institution_id, InstitutionProgramme.programme_id)
    )
    offered = {(institution_id, programme_id) for institution_id, programme_id in links}
    return _Catalogue(institutions, programmes, offered)


class _Cells:
    def __init__(self, row: Row, header: Header) -> None:
        self.line = row.line
        self.header = header
        self.values = {
            f: " ".join(row.cells[position].split())
            for f, position in header.positions.items()
            if position < len(row.cells)
        }
        self.problems: list[Problem] = []
        # A CPR number in any column: the cell reads as empty and its one problem is the
        # number, never shown.
        self.refused = cpr_cells(self.values)
        for f in self.refused:
            self.problems.append(Problem(self.line, self._column(f), "", CPR_IN_CELL))
            self.values[f] = ""

    def _column(self, f: Field) -> str:
        return self.header.titles.get(f) or str(BY_FIELD[f].label)

    def value(self, f: Field) -> str:
        return self.values.get(f, "")

    def problem(self, f: Field, message: LazyText, *, value: str | None = None) -> None:
        if f in self.refused:
            return
        shown = self.value(f) if value is None else value
        self.problems.append(Problem(self.line, self._column(f), shown, message))


def _name_and_column(cells: _Cells) -> tuple[str, Field]:
    """The row's name as written (full name, or first and last), and the column to blame."""
    if Field.FULL_NAME in cells.header.positions and cells.value(Field.FULL_NAME):
        return cells.value(Field.FULL_NAME), Field.FULL_NAME
    name = " ".join(
        part for part in (cells.value(Field.FIRST_NAME), cells.value(Field.LAST_NAME)) if part
    )
    return name, Field.FULL_NAME if Field.FULL_NAME in cells.header.positions else Field.FIRST_NAME


def _name(cells: _Cells) -> str | None:
    name, where = _name_and_column(cells)
    if not name:
        cells.problem(where, lazy_gettext("The name is missing."))
        return None
    if len(name) > NAME_LENGTH:
        cells.problem(
            where, lazy_gettext("At most %(limit)s characters are allowed.", limit=NAME_LENGTH)
        )
        return None
    return name


def _address(cells: _Cells) -> str | None:
    value = cells.value(Field.EMAIL)
    if not value:
        cells.problem(Field.EMAIL, lazy_gettext("The e-mail address is missing."))
        return None
    try:
        return normalise_email(_email.validate_python(value))
    except ValidationError:
        cells.problem(Field.EMAIL, lazy_gettext("Write an e-mail address like navn@example.dk."))
        return None


def _year(cells: _Cells) -> int | None:
    value = cells.value(Field.YEAR)
    if not value:
        return DEFAULT_YEAR
    found = _YEAR.match(value.casefold())
    if found is None or int(found.group(1)) not in YEARS:
        cells.problem(Field.YEAR, lazy_gettext("Write the year of study as a number from 1 to 6."))
        return None
    return int(found.group(1))


def _place(cells: _Cells, catalogue: _Catalogue) -> tuple[_Place | None, _Place | None]:
    institution: _Place | None = None
    raw = cells.value(Field.INSTITUTION)
    if not raw:
        cells.problem(Field.INSTITUTION, lazy_gettext("The institution is missing."))
    else:
        institution = catalogue.institutions.get(_key(raw))
        if institution is None:
            cells.problem(
                Field.INSTITUTION,
                lazy_gettext(
                    "“%(name)s” is not a youth-education institution in the programme. Use its "
                    "code or its name as the list of organisations writes it.",
                    name=raw,
                ),
            )
    programme: _Place | None = None
    raw = cells.value(Field.PROGRAMME)
    if not raw:
        cells.problem(Field.PROGRAMME, lazy_gettext("The programme is missing."))
    else:
        programme = catalogue.programmes.get(_key(raw))
        if programme is None:
            cells.problem(
                Field.PROGRAMME,
                lazy_gettext(
                    "“%(programme)s” is not a programme in the catalogue. Use a code such as "
                    "STX or EUX.",
                    programme=raw,
                ),
            )
        elif institution is not None and (institution.id, programme.id) not in catalogue.offered:
            cells.problem(
                Field.PROGRAMME,
                lazy_gettext(
                    "%(institution)s does not offer %(programme)s.",
                    institution=institution.name,
                    programme=programme.name,
                ),
            )
    return institution, programme


def check_row(row: Row, header: Header, catalogue: _Catalogue) -> Invitee | RejectedRow:
    cells = _Cells(row, header)
    name = _name(cells)
    address = _address(cells)
    institution, programme = _place(cells, catalogue)
    year = _year(cells)
    if cells.problems or not (name and address and institution and programme and year):
        return RejectedRow(row.line, cells.problems)
    return Invitee(
        line=row.line,
        full_name=name,
        email=address,
        institution_id=institution.id,
        institution_name=institution.name,
        programme_id=programme.id,
        programme_name=programme.name,
        year_of_study=year,
    )


def email_cell(row: Row, header: Header) -> str:
    position = header.positions[Field.EMAIL]
    return normalise_email(row.cells[position]) if position < len(row.cells) else ""


def name_cell(row: Row, header: Header) -> str:
    """The name a row gives, as written, to say whose row was rejected; at most 200 characters."""
    return _name_and_column(_Cells(row, header))[0][:NAME_LENGTH]
