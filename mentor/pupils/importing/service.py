"""Importing a school's pupil file: preview what it would change, then write it in one go.

``preview_import`` (``planning``) reads and checks the file against the school's pupils and
writes nothing; ``commit_import`` computes the same plan again (the database may have moved since
the preview) and writes every good row in the caller's transaction. The number of queries does
not grow with the number of rows: the school's pupils and their links are loaded in three
queries, and new and changed rows are written with executemany statements (``writing``).

A pupil in the file is found by the school's own pupil number. A blank cell leaves a stored value
alone; interests, programmes and languages from the file are only used while the pupil has not
answered the questionnaire, whose answers are the pupil's own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict
from mentor.i18n import lazy_gettext
from mentor.models import (
    Organisation,
    Pupil,
    PupilStatus,
    User,
)
from mentor.pupils.importing.lookups import (
    get_school,
    last_school_year,
    load_catalogue,
    school_by_code,
    school_year_end,
)
from mentor.pupils.importing.planning import (
    Change,
    ImportPreview,
    MissingPupil,
    PlannedUpdate,
    Progress,
    preview_import,
)
from mentor.pupils.importing.writing import chunks, write_plan

__all__ = [
    "Change",
    "ImportPreview",
    "ImportResult",
    "MissingPupil",
    "PlannedUpdate",
    "Progress",
    "archive_missing",
    "commit_import",
    "get_school",
    "last_school_year",
    "load_catalogue",
    "preview_import",
    "school_by_code",
    "school_year_end",
]


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
            write_plan(db, preview, progress=progress)
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
    for ids in chunks(list(pupil_ids)):
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
