"""Writing a planned import: new pupils, changed pupils and their links, in a few statements.

The number of queries does not grow with the number of rows: new and changed rows are written
with executemany statements, links with one INSERT per table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import (
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
    PupilStatus,
)
from mentor.models.pupil import pupil_sort_name
from mentor.pupils.importing.lookups import last_school_year, school_year_end
from mentor.pupils.importing.planning import ImportPreview, Progress
from mentor.pupils.importing.validation import (
    PupilRecord,
)

PUPIL: Table = Pupil.__table__  # type: ignore[assignment]
PUPIL_INTEREST: Table = PupilInterest.__table__  # type: ignore[assignment]
PUPIL_PROGRAMME_INTEREST: Table = PupilProgrammeInterest.__table__  # type: ignore[assignment]
CHUNK = 500


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
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
        for ids in chunks(sorted(interests)):
            db.execute(delete(PupilInterest).where(PupilInterest.pupil_id.in_(ids)))
        for ids in chunks(sorted(programmes)):
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


def write_plan(db: Session, preview: ImportPreview, *, progress: Progress | None) -> None:
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
