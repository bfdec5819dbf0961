"""Planning an import: what the file would add, change and leave out, without writing anything.

``preview_import`` reads and checks the file against the school's pupils. A pupil in the file is
found by the school's own pupil number. A blank cell leaves a stored value alone; interests,
programmes and languages from the file are only used while the pupil has not answered the
questionnaire, whose answers are the pupil's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    Organisation,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
    PupilStatus,
    User,
)
from mentor.models.pupil import pupil_sort_name
from mentor.pupils.importing.columns import BY_FIELD, Field, HeaderMap, map_header
from mentor.pupils.importing.contact_columns import ContactColumn, contact_columns
from mentor.pupils.importing.duplicates import validate_rows
from mentor.pupils.importing.lookups import (
    get_school,
    last_school_year,
    load_catalogue,
    school_year_end,
)
from mentor.pupils.importing.problems import Problem, RejectedRow
from mentor.pupils.importing.reading import FileRejected, Row, read_table
from mentor.pupils.importing.validation import PupilRecord

# The header is the best-matching of the first rows: some exports put a title line above it.
HEADER_SEARCH_ROWS = 10
# Told how far a long file has come: (phase, done, total); the phases are "check" and "write".
Progress = Callable[[str, int, int], None]

# Scalar fields the file may set, in the order the preview shows changes.
SCALAR_FIELDS: tuple[Field, ...] = (
    Field.FIRST_NAME,
    Field.LAST_NAME,
    Field.GRADE,
    Field.CLASS_NAME,
    Field.BIRTH_YEAR,
    Field.EMAIL,
    Field.GUARDIAN_NAME,
    Field.GUARDIAN_EMAIL,
    Field.GUARDIAN_PHONE,
)
# Plain strings: reading a StrEnum member's value costs a descriptor call, 100,000s of times.
SCALAR_NAMES: tuple[str, ...] = tuple(str(f) for f in SCALAR_FIELDS)
SCALAR_LABELS: tuple[LazyText, ...] = tuple(BY_FIELD[f].label for f in SCALAR_FIELDS)
STATUS_LABEL = lazy_gettext("Status")
STATUS_ARCHIVED = lazy_gettext("archived")
STATUS_ACTIVE = lazy_gettext("active")


@dataclass(frozen=True)
class Change:
    label: LazyText
    old: str
    new: str


@dataclass(frozen=True)
class PlannedUpdate:
    pupil_id: int
    record: PupilRecord
    changes: list[Change]
    values: dict[str, Any]
    interest_ids: tuple[int, ...] | None
    programme_ids: tuple[int, ...] | None


@dataclass(frozen=True)
class MissingPupil:
    id: int
    school_ref: str
    first_name: str
    last_name: str
    grade: int
    class_name: str | None


@dataclass
class ImportPreview:
    school: Organisation
    filename: str
    kind: str
    rows: int
    header: HeaderMap
    creates: list[PupilRecord] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    missing: list[MissingPupil] = field(default_factory=list)
    # An XLSX's sheet that was read, and whether it was not the first (which was empty).
    sheet: str | None = None
    sheet_index: int = 0
    contact_columns: list[ContactColumn] = field(default_factory=list)

    @property
    def changes_nothing(self) -> bool:
        return not self.creates and not self.updates

    @property
    def problem_count(self) -> int:
        return sum(len(row.problems) for row in self.rejected)


@dataclass
class _Existing:
    id: int
    status: PupilStatus
    answered: bool
    values: dict[str, Any]
    interest_ids: set[int] = field(default_factory=set)
    programme_ids: list[int] = field(default_factory=list)


def _find_header(rows: Sequence[Row]) -> tuple[HeaderMap, list[Row]]:
    candidates = [map_header(row.cells, line=row.line) for row in rows[:HEADER_SEARCH_ROWS]]
    if not candidates:
        raise FileRejected(lazy_gettext("The file has no rows."))
    best = max(enumerate(candidates), key=lambda item: (item[1].score, -item[0]))[1]
    missing = best.missing_required()
    if missing:
        names = ", ".join(BY_FIELD[field].danish_header for field in missing)
        raise FileRejected(
            lazy_gettext(
                "The file has no column for: %(columns)s. The first row must name the columns; "
                "see the list of column names below.",
                columns=names,
            )
        )
    return best, [row for row in rows if row.line > best.line]


def _load_existing(db: Session, school_id: int) -> dict[str, _Existing]:
    existing: dict[str, _Existing] = {}
    by_id: dict[int, _Existing] = {}
    query = select(
        Pupil.id,
        Pupil.school_ref,
        Pupil.status,
        Pupil.questionnaire_completed_at,
        Pupil.languages,
        Pupil.last_school_year,
        *(getattr(Pupil, name) for name in SCALAR_NAMES),
    ).where(Pupil.school_id == school_id)
    for pupil_id, ref, status, answered_at, languages, leaves, *scalars in db.execute(query).all():
        values = dict(zip(SCALAR_NAMES, scalars, strict=True))
        values["languages"] = list(languages or [])
        values["last_school_year"] = leaves
        pupil = _Existing(
            id=pupil_id, status=status, answered=answered_at is not None, values=values
        )
        existing[ref] = by_id[pupil_id] = pupil
    interest_links = select(PupilInterest.pupil_id, PupilInterest.interest_id).join(
        Pupil, Pupil.id == PupilInterest.pupil_id
    )
    for pupil_id, interest_id in db.execute(interest_links.where(Pupil.school_id == school_id)):
        by_id[pupil_id].interest_ids.add(interest_id)
    programme_links = (
        select(PupilProgrammeInterest.pupil_id, PupilProgrammeInterest.programme_id)
        .join(Pupil, Pupil.id == PupilProgrammeInterest.pupil_id)
        .where(Pupil.school_id == school_id)
        .order_by(PupilProgrammeInterest.pupil_id, PupilProgrammeInterest.rank)
    )
    for pupil_id, programme_id in db.execute(programme_links):
        by_id[pupil_id].programme_ids.append(programme_id)
    return existing


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _plan_update(pupil: _Existing, rec: PupilRecord, *, year_end: int) -> PlannedUpdate | None:
    values = dict(pupil.values)
    changes: list[Change] = []
    for name, label in zip(SCALAR_NAMES, SCALAR_LABELS, strict=True):
        new = getattr(rec, name)
        if new is not None and new != values[name]:
            changes.append(Change(label, _shown(values[name]), _shown(new)))
            values[name] = new
    if rec.grade != pupil.values["grade"]:
        values["last_school_year"] = last_school_year(rec.grade, year_end=year_end)
    interest_ids: tuple[int, ...] | None = None
    programme_ids: tuple[int, ...] | None = None
    # The questionnaire's answers are the pupil's own: a file does not overwrite them.
    if not pupil.answered:
        if rec.languages is not None and list(rec.languages) != values["languages"]:
            changes.append(
                Change(
                    BY_FIELD[Field.LANGUAGES].label,
                    _shown(values["languages"]),
                    _shown(rec.languages),
                )
            )
            values["languages"] = list(rec.languages)
        if rec.interest_ids is not None and set(rec.interest_ids) != pupil.interest_ids:
            interest_ids = rec.interest_ids
            changes.append(Change(BY_FIELD[Field.INTERESTS].label, "", ""))
        if rec.programme_ids is not None and list(rec.programme_ids) != pupil.programme_ids:
            programme_ids = rec.programme_ids
            changes.append(Change(BY_FIELD[Field.PROGRAMMES].label, "", ""))
    if pupil.status is PupilStatus.ARCHIVED:
        changes.append(Change(STATUS_LABEL, str(STATUS_ARCHIVED), str(STATUS_ACTIVE)))
    if not changes:
        return None
    values["status"] = PupilStatus.ACTIVE
    # Derived from the names; a bulk UPDATE bypasses the model's validator that keeps it.
    values["sort_name"] = pupil_sort_name(values["first_name"], values["last_name"])
    return PlannedUpdate(pupil.id, rec, changes, values, interest_ids, programme_ids)


def preview_import(
    db: Session,
    *,
    actor: User | None,
    school_id: int,
    data: bytes,
    filename: str,
    settings: Settings,
    progress: Progress | None = None,
) -> ImportPreview:
    """What importing ``data`` into the school would do; writes nothing.

    Raises ``FileRejected`` when the file as a whole cannot be used; bad rows are in the preview.
    ``actor`` is None on the command line; routes check ``may_enrol_at`` before calling.
    """
    school = get_school(db, school_id)
    table = read_table(
        data,
        filename=filename,
        max_bytes=settings.import_max_bytes,
        max_rows=settings.import_max_rows,
    )
    header, rows = _find_header(table.rows)
    if not rows:
        raise FileRejected(lazy_gettext("The file has column names but no pupils."))
    year_end = school_year_end()
    catalogue = load_catalogue(db)
    total = len(rows)
    records, rejected = validate_rows(
        rows,
        header,
        catalogue,
        school_year_end=year_end,
        progress=(lambda done: progress("check", done, total)) if progress else None,
    )
    preview = ImportPreview(
        school=school,
        filename=filename,
        kind=table.kind,
        rows=total,
        header=header,
        rejected=rejected,
        sheet=table.sheet,
        sheet_index=table.sheet_index,
        contact_columns=contact_columns(header.ignored, rows),
    )
    existing = _load_existing(db, school.id)
    in_file = {rec.school_ref for rec in records} | {_raw_ref(row, header) for row in rows}
    for rec in records:
        pupil = existing.get(rec.school_ref)
        if pupil is None:
            preview.creates.append(rec)
            continue
        if pupil.status is PupilStatus.ANONYMISED:
            rejected.append(_erased(rec, header))
            continue
        planned = _plan_update(pupil, rec, year_end=year_end)
        if planned is None:
            preview.unchanged += 1
        else:
            preview.updates.append(planned)
    rejected.sort(key=lambda row: row.line)
    preview.missing = sorted(
        (
            MissingPupil(
                id=pupil.id,
                school_ref=ref,
                first_name=pupil.values["first_name"],
                last_name=pupil.values["last_name"],
                grade=pupil.values["grade"],
                class_name=pupil.values["class_name"],
            )
            for ref, pupil in existing.items()
            if pupil.status is PupilStatus.ACTIVE and ref not in in_file
        ),
        key=lambda p: (p.grade, p.class_name or "", p.last_name, p.first_name),
    )
    return preview


def _raw_ref(row: Row, header: HeaderMap) -> str:
    position = header.positions[Field.SCHOOL_REF]
    return " ".join(row.cells[position].split()) if position < len(row.cells) else ""


def _erased(rec: PupilRecord, header: HeaderMap) -> RejectedRow:
    message = lazy_gettext(
        "This pupil number belonged to a pupil whose data has been erased. Give the pupil a "
        "new number."
    )
    title = header.titles[Field.SCHOOL_REF]
    return RejectedRow(rec.line, [Problem(rec.line, title, rec.school_ref, message)])
