"""Inviting a whole list of students at once from a CSV or Excel file.

The same rules as the pupil import, through the same code: the file is read by
``pupils.importing.reading`` (every safety check), its header matched by ``columns.match_header``,
bad rows reported with line, column and reason (``validation.Problem``), and the preview carried
to the commit sealed (``sealing``, purpose ``ambassador-import``).

``preview_invites`` writes nothing. ``commit_invites`` makes the same plan again from the file and
the database as they are then, and invites every good row in the caller's transaction through
``joining.invite_ambassador`` — the one way an invitation is made — so the invitation mails are
queued in the outbox in that same transaction and delivered after the route commits.

Idempotent by e-mail: an address that already has an account is listed as already known and left
alone — never invited again, never updated — so uploading the same file twice invites no one twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.accounts.service import normalise_email
from mentor.ambassadors import joining
from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict, InvalidInput
from mentor.i18n import LOCAL_TIMEZONE, LazyText, lazy_gettext
from mentor.models import (
    Ambassador,
    InstitutionProgramme,
    Organisation,
    OrganisationKind,
    Programme,
    User,
)
from mentor.pupils.importing.columns import alias_table, match_header
from mentor.pupils.importing.reading import FileRejected, Row, read_table
from mentor.pupils.importing.validation import Problem, RejectedRow, other_lines
from mentor.web.forms import Email

SEAL_PURPOSE = "ambassador-import"
HEADER_SEARCH_ROWS = 10
NAME_LENGTH = 200
DEFAULT_YEAR = 1
YEARS = range(1, 7)

_email = TypeAdapter(Email)
# "2", "2.", "2.g", "2. år", "3. hf", "year 2".
_YEAR = re.compile(r"^(?:year\s*)?(\d{1,2})\s*\.?\s*(?:[a-zæøå]{1,4}\.?)?$")


class Field(StrEnum):
    FULL_NAME = "full_name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    INSTITUTION = "institution"
    PROGRAMME = "programme"
    YEAR = "year_of_study"


@dataclass(frozen=True)
class Column:
    field: Field
    label: LazyText
    aliases: tuple[str, ...]
    accepts: LazyText
    required: bool = False

    @property
    def danish_header(self) -> str:
        return self.aliases[0]


COLUMNS: tuple[Column, ...] = (
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

BY_FIELD: dict[Field, Column] = {column.field: column for column in COLUMNS}
_ALIASES: dict[str, Field] = alias_table({column.field: column.aliases for column in COLUMNS})


@dataclass(frozen=True)
class Header:
    line: int
    positions: dict[Field, int]
    titles: dict[Field, str]
    ignored: list[str]

    def missing_required(self) -> list[Field]:
        present = set(self.positions)
        missing: list[Field] = []
        if Field.FULL_NAME not in present and not {Field.FIRST_NAME, Field.LAST_NAME} <= present:
            missing.append(Field.FULL_NAME)
        missing += [
            f for f in (Field.EMAIL, Field.INSTITUTION, Field.PROGRAMME) if f not in present
        ]
        return missing


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


@dataclass(frozen=True)
class Known:
    """A row whose address already has an account: left alone."""

    line: int
    full_name: str
    email: str


@dataclass
class InvitePreview:
    filename: str
    kind: str
    rows: int
    header: Header
    invites: list[Invitee] = field(default_factory=list)
    known: list[Known] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def changes_nothing(self) -> bool:
        return not self.invites

    @property
    def problem_count(self) -> int:
        return sum(len(row.problems) for row in self.rejected)


@dataclass(frozen=True)
class InviteResult:
    invited: int
    known: int
    rejected: int


# --- reading -------------------------------------------------------------------------------


def _find_header(rows: Sequence[Row]) -> tuple[Header, list[Row]]:
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


def _load_catalogue(db: Session, *, locale: str) -> _Catalogue:
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

    def value(self, f: Field) -> str:
        return self.values.get(f, "")

    def problem(self, f: Field, message: LazyText, *, value: str | None = None) -> None:
        column = self.header.titles.get(f) or str(BY_FIELD[f].label)
        shown = self.value(f) if value is None else value
        self.problems.append(Problem(self.line, column, shown, message))


def _name(cells: _Cells) -> str | None:
    if Field.FULL_NAME in cells.header.positions and cells.value(Field.FULL_NAME):
        name = cells.value(Field.FULL_NAME)
        where = Field.FULL_NAME
    else:
        name = " ".join(
            part for part in (cells.value(Field.FIRST_NAME), cells.value(Field.LAST_NAME)) if part
        )
        where = Field.FULL_NAME if Field.FULL_NAME in cells.header.positions else Field.FIRST_NAME
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


def _check(row: Row, header: Header, catalogue: _Catalogue) -> Invitee | RejectedRow:
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


def _email_cell(row: Row, header: Header) -> str:
    position = header.positions[Field.EMAIL]
    return normalise_email(row.cells[position]) if position < len(row.cells) else ""


def preview_invites(
    db: Session, *, data: bytes, filename: str, settings: Settings, locale: str = "da"
) -> InvitePreview:
    """What inviting the file's students would do; writes nothing.

    Raises ``FileRejected`` when the file as a whole cannot be used; bad rows are in the preview.
    """
    table = read_table(
        data,
        filename=filename,
        max_bytes=settings.import_max_bytes,
        max_rows=settings.import_max_rows,
    )
    header, rows = _find_header(table.rows)
    if not rows:
        raise FileRejected(lazy_gettext("The file has column names but no students."))
    preview = InvitePreview(filename=filename, kind=table.kind, rows=len(rows), header=header)
    catalogue = _load_catalogue(db, locale=locale)
    lines_of: dict[str, list[int]] = {}
    for row in rows:
        lines_of.setdefault(_email_cell(row, header), []).append(row.line)
    good: list[Invitee] = []
    for row in rows:
        result = _check(row, header, catalogue)
        address = _email_cell(row, header)
        if address and len(lines_of[address]) > 1:
            # Neither row can be trusted to be the right one, so none is invited.
            duplicate = Problem(
                row.line,
                header.titles[Field.EMAIL],
                address,
                lazy_gettext(
                    "The e-mail address %(email)s is in the file more than once (also line "
                    "%(lines)s): none of these rows is imported.",
                    email=address,
                    lines=other_lines(lines_of[address], exclude=row.line),
                ),
            )
            problems = result.problems if isinstance(result, RejectedRow) else []
            result = RejectedRow(row.line, [duplicate, *problems])
        if isinstance(result, RejectedRow):
            preview.rejected.append(result)
        else:
            good.append(result)
    known = _known_addresses(db, [invitee.email for invitee in good])
    for invitee in good:
        if invitee.email in known:
            preview.known.append(Known(invitee.line, invitee.full_name, invitee.email))
        else:
            preview.invites.append(invitee)
    return preview


def _known_addresses(db: Session, addresses: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(addresses), 500):
        chunk = addresses[start : start + 500]
        known.update(db.scalars(select(User.email).where(User.email.in_(chunk))))
    return known


def commit_invites(
    db: Session,
    *,
    actor: User,
    data: bytes,
    filename: str,
    locale: str,
    settings: Settings,
) -> InviteResult:
    """Invite every good, new row of the file; flush, never commit.

    The plan is made again from the file and today's database. Every invitation goes through
    ``joining.invite_ambassador`` (account, ambassador, the mail in the outbox, the audit line);
    if one fails — someone invited the same address in between — ``Conflict`` is raised and the
    caller rolls back the whole file.
    """
    preview = preview_invites(db, data=data, filename=filename, settings=settings, locale=locale)
    invited: list[Ambassador] = []
    for invitee in preview.invites:
        try:
            invited.append(
                joining.invite_ambassador(
                    db,
                    actor=actor,
                    email=invitee.email,
                    full_name=invitee.full_name,
                    institution_id=invitee.institution_id,
                    programme_id=invitee.programme_id,
                    year_of_study=invitee.year_of_study,
                    locale=locale,
                    settings=settings,
                )
            )
        except (InvalidInput, Conflict) as error:
            raise Conflict(
                lazy_gettext(
                    "The list of users changed while the file was being imported (line "
                    "%(line)s). Upload the file again to see a new preview.",
                    line=invitee.line,
                )
            ) from error
    result = InviteResult(
        invited=len(invited), known=len(preview.known), rejected=len(preview.rejected)
    )
    record(
        db,
        actor_id=actor.id,
        action="import",
        object_type="ambassador",
        details={
            "what": "ambassadors",
            "filename": filename[:200],
            "rows": preview.rows,
            "invited": result.invited,
            "known": result.known,
            "rejected": result.rejected,
            "ambassador_ids": [ambassador.id for ambassador in invited],
        },
    )
    db.flush()
    return result
