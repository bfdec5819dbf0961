"""Importing a school's pupil file: preview what it would change, then write it in one go.

``preview_import`` reads and checks the file against the school's pupils and writes nothing;
``commit_import`` computes the same plan again (the database may have moved since the preview)
and writes every good row in the caller's transaction. The number of queries does not grow with
the number of rows: the school's pupils and their links are loaded in three queries, and new and
changed rows are written with executemany statements.

A pupil in the file is found by the school's own pupil number. A blank cell leaves a stored value
alone; interests, programmes and languages from the file are only used while the pupil has not
answered the questionnaire, whose answers are the pupil's own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict, NotFound
from mentor.i18n import LOCAL_TIMEZONE, LazyText, lazy_gettext
from mentor.models import (
    Interest,
    Organisation,
    Programme,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
    PupilStatus,
    User,
)
from mentor.models.pupil import pupil_sort_name
from mentor.organisations.service import SCHOOL_KINDS
from mentor.pupils.importing.columns import BY_FIELD, Field, HeaderMap, map_header
from mentor.pupils.importing.reading import FileRejected, Row, read_table
from mentor.pupils.importing.validation import (
    Catalogue,
    Problem,
    PupilRecord,
    RejectedRow,
    validate_rows,
)

PUPIL: Table = Pupil.__table__  # type: ignore[assignment]
PUPIL_INTEREST: Table = PupilInterest.__table__  # type: ignore[assignment]
PUPIL_PROGRAMME_INTEREST: Table = PupilProgrammeInterest.__table__  # type: ignore[assignment]
# The header is the best-matching of the first rows: some exports put a title line above it.
HEADER_SEARCH_ROWS = 10
CHUNK = 500
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

    @property
    def changes_nothing(self) -> bool:
        return not self.creates and not self.updates

    @property
    def problem_count(self) -> int:
        return sum(len(row.problems) for row in self.rejected)


@dataclass(frozen=True)
class ImportResult:
    school: Organisation
    created: int
    updated: int
    unchanged: int
    rejected: int
    archived: int

    @property
    def changed_nothing(self) -> bool:
        return not (self.created or self.updated or self.archived)


@dataclass
class _Existing:
    id: int
    status: PupilStatus
    answered: bool
    values: dict[str, Any]
    interest_ids: set[int] = field(default_factory=set)
    programme_ids: list[int] = field(default_factory=list)


def school_year_end(now: datetime | None = None) -> int:
    """The calendar year the current school year ends in (2026/27 → 2027); it starts in August."""
    today = (now or utcnow()).astimezone(LOCAL_TIMEZONE).date()
    return today.year + 1 if today.month >= 8 else today.year


def last_school_year(grade: int, *, year_end: int) -> int:
    # A pupil leaves after 9th grade, or after 10th.
    return year_end + max(0, 9 - grade)


def get_school(db: Session, school_id: int) -> Organisation:
    school = db.get(Organisation, school_id)
    if school is None or school.kind not in SCHOOL_KINDS:
        raise NotFound()
    return school


def school_by_code(db: Session, code: str) -> Organisation:
    school = db.scalar(select(Organisation).where(Organisation.code == code.strip()))
    if school is None or school.kind not in SCHOOL_KINDS:
        raise NotFound(lazy_gettext("There is no school with the code %(code)s.", code=code))
    return school


def load_catalogue(db: Session, *, today: datetime | None = None) -> Catalogue:
    """Active interests and currently offered programmes, by code and by name in both languages."""
    day = (today or utcnow()).astimezone(LOCAL_TIMEZONE).date()
    interests: dict[str, int] = {}
    for interest in db.scalars(select(Interest).where(Interest.active.is_(True))):
        for key in Catalogue.keys(interest.code, interest.label_da, interest.label_en):
            interests.setdefault(key, interest.id)
    programmes: dict[str, int] = {}
    offered = select(Programme).where(
        (Programme.valid_from.is_(None)) | (Programme.valid_from <= day),
        (Programme.valid_to.is_(None)) | (Programme.valid_to >= day),
    )
    for programme in db.scalars(offered.order_by(Programme.sort_order)):
        for key in Catalogue.keys(programme.code, programme.name_da, programme.name_en):
            programmes.setdefault(key, programme.id)
    return Catalogue(interests=interests, programmes=programmes)


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


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _new_pupil(rec: PupilRecord, school_id: int, year_end: int, now: datetime) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "school_ref": rec.school_ref,
        "first_name": rec.first_name,
        "last_name": rec.last_name,
        "sort_name": pupil_sort_name(rec.first_name, rec.last_name),
        "grade": rec.grade,
        "class_name": rec.class_name,
        "birth_year": rec.birth_year,
        "email": rec.email,
        "guardian_name": rec.guardian_name,
        "guardian_email": rec.guardian_email,
        "guardian_phone": rec.guardian_phone,
        "languages": list(rec.languages or []),
        "availability": [],
        "priority": False,
        "status": PupilStatus.ACTIVE,
        "last_school_year": last_school_year(rec.grade, year_end=year_end),
        "created_at": now,
        "updated_at": now,
    }


def _replace_links(
    db: Session,
    *,
    interests: dict[int, tuple[int, ...]],
    programmes: dict[int, tuple[int, ...]],
    replace: bool,
) -> None:
    if replace:
        for ids in _chunks(sorted(interests)):
            db.execute(delete(PupilInterest).where(PupilInterest.pupil_id.in_(ids)))
        for ids in _chunks(sorted(programmes)):
            db.execute(
                delete(PupilProgrammeInterest).where(PupilProgrammeInterest.pupil_id.in_(ids))
            )
    interest_rows = [
        {"pupil_id": pupil_id, "interest_id": interest_id}
        for pupil_id, chosen in interests.items()
        for interest_id in chosen
    ]
    programme_rows = [
        {"pupil_id": pupil_id, "programme_id": programme_id, "rank": rank}
        for pupil_id, chosen in programmes.items()
        for rank, programme_id in enumerate(chosen, 1)
    ]
    _insert_integers(db, PUPIL_INTEREST, interest_rows)
    _insert_integers(db, PUPIL_PROGRAMME_INTEREST, programme_rows)


def _insert_integers(db: Session, table: Table, rows: list[dict[str, int]]) -> None:
    """Insert rows of integer columns in one statement, however many rows there are.

    PostgreSQL takes each column as one array (``INSERT … SELECT unnest(…), unnest(…)``);
    elsewhere a Core executemany (SQLite's is a C loop over one prepared statement). Either way
    the ORM's per-row bookkeeping is skipped.
    """
    if not rows:
        return
    if db.get_bind().dialect.name != "postgresql":
        db.execute(insert(table), rows)
        return
    columns = list(rows[0])
    arrays = (
        func.unnest(bindparam(f"{name}_list", [row[name] for row in rows], ARRAY(Integer)))
        for name in columns
    )
    db.execute(insert(table).from_select(columns, select(*arrays)))


def _write(db: Session, preview: ImportPreview, *, progress: Progress | None) -> None:
    now = utcnow()
    year_end = school_year_end(now)
    school_id = preview.school.id
    total = len(preview.creates) + len(preview.updates)
    if preview.creates:
        rows = [_new_pupil(rec, school_id, year_end, now) for rec in preview.creates]
        # A plain executemany, then one SELECT for the new ids: on psycopg a multi-row
        # INSERT … RETURNING spends seconds parsing its own SQL, an executemany does not.
        db.execute(insert(PUPIL), rows)
        new_ids = select(PUPIL.c.school_ref, PUPIL.c.id).where(PUPIL.c.school_id == school_id)
        ids: dict[str, int] = dict(db.execute(new_ids).tuples().all())
        _replace_links(
            db,
            interests={
                ids[rec.school_ref]: rec.interest_ids for rec in preview.creates if rec.interest_ids
            },
            programmes={
                ids[rec.school_ref]: rec.programme_ids
                for rec in preview.creates
                if rec.programme_ids
            },
            replace=False,
        )
    if progress is not None:
        progress("write", len(preview.creates), total)
    if preview.updates:
        # One executemany UPDATE by primary key, every row with the same columns. (Bind names
        # must differ from column names in an UPDATE, hence the prefix.)
        columns = [*preview.updates[0].values, "updated_at"]
        statement = (
            update(PUPIL)
            .where(PUPIL.c.id == bindparam("pupil_id"))
            .values({name: bindparam(f"new_{name}") for name in columns})
        )
        db.execute(
            statement,
            [
                {
                    "pupil_id": planned.pupil_id,
                    "new_updated_at": now,
                    **{f"new_{name}": value for name, value in planned.values.items()},
                }
                for planned in preview.updates
            ],
        )
        _replace_links(
            db,
            interests={
                p.pupil_id: p.interest_ids for p in preview.updates if p.interest_ids is not None
            },
            programmes={
                p.pupil_id: p.programme_ids for p in preview.updates if p.programme_ids is not None
            },
            replace=True,
        )
    if progress is not None:
        progress("write", total, total)


def commit_import(
    db: Session,
    *,
    actor: User | None,
    school_id: int,
    data: bytes,
    filename: str,
    settings: Settings,
    archive_ids: Collection[int] = (),
    archive_all_missing: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Write every good row of the file, and archive the chosen pupils missing from it.

    The plan is made again from the file and today's database, so what is written is what is
    true now. Everything happens in the caller's transaction: the route commits once, and a
    failure anywhere leaves nothing written. Only pupils that really are missing from the file
    can be archived, whatever ids the form sends.
    """
    preview = preview_import(
        db,
        actor=actor,
        school_id=school_id,
        data=data,
        filename=filename,
        settings=settings,
        progress=progress,
    )
    missing_ids = [pupil.id for pupil in preview.missing]
    chosen = missing_ids if archive_all_missing else [i for i in missing_ids if i in archive_ids]
    try:
        with db.begin_nested():
            _write(db, preview, progress=progress)
            archived = archive_missing(
                db, actor=actor, school_id=preview.school.id, pupil_ids=chosen, audit=False
            )
    except IntegrityError as error:
        # Another import of the same school wrote a pupil number in between.
        raise Conflict(
            lazy_gettext(
                "The school's pupils changed while the file was being imported. "
                "Upload the file again to see a new preview."
            )
        ) from error
    result = ImportResult(
        school=preview.school,
        created=len(preview.creates),
        updated=len(preview.updates),
        unchanged=preview.unchanged,
        rejected=len(preview.rejected),
        archived=archived,
    )
    record(
        db,
        actor_id=actor.id if actor else None,
        action="import",
        object_type="organisation",
        object_id=preview.school.id,
        details={
            "what": "pupils",
            "filename": filename[:200],
            "rows": preview.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "archived_pupil_ids": chosen,
        },
    )
    return result


def archive_missing(
    db: Session,
    *,
    actor: User | None,
    school_id: int,
    pupil_ids: Sequence[int],
    audit: bool = True,
) -> int:
    """Archive active pupils of the school (those a newer file no longer lists); never delete.

    Archived pupils leave the lists and matching; their data stays until the retention period
    ends. Returns how many were archived.
    """
    archived = 0
    now = utcnow()
    for ids in _chunks(list(pupil_ids)):
        result = db.execute(
            update(Pupil)
            .where(
                Pupil.id.in_(ids),
                Pupil.school_id == school_id,
                Pupil.status == PupilStatus.ACTIVE,
            )
            .values(status=PupilStatus.ARCHIVED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        archived += int(getattr(result, "rowcount", 0) or 0)
    if audit and archived:
        record(
            db,
            actor_id=actor.id if actor else None,
            action="archive",
            object_type="organisation",
            object_id=school_id,
            details={"what": "pupils", "pupil_ids": list(pupil_ids)},
        )
    return archived
