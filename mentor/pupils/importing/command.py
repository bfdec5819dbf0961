"""``mentor import pupils FILE --school CODE [--commit]``: the import on the command line.

The same service as the web page; the preview is printed as text, with a progress bar on stderr
while a long file is checked and written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.i18n import gettext
from mentor.pupils.importing import service

# Below this many lines a file is done before a bar could be read.
PROGRESS_FROM_LINES = 2000


@contextmanager
def _progress_bar(show: bool) -> Iterator[service.Progress | None]:
    if not show:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}
    names = {"check": gettext("Checking rows"), "write": gettext("Writing pupils")}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(names.get(phase, phase), total=total)
        bar.update(tasks[phase], completed=done, total=total)

    with bar:
        yield update


def _preview_lines(preview: service.ImportPreview) -> list[str]:
    lines = [
        gettext(
            "%(school)s: %(rows)s rows; %(created)s new, %(updated)s to update, "
            "%(unchanged)s unchanged, %(rejected)s rejected; %(missing)s pupils not in the file.",
            school=preview.school.name,
            rows=preview.rows,
            created=len(preview.creates),
            updated=len(preview.updates),
            unchanged=preview.unchanged,
            rejected=len(preview.rejected),
            missing=len(preview.missing),
        )
    ]
    if preview.changes_nothing:
        lines.append(gettext("The file changes nothing."))
    for row in preview.rejected:
        for problem in row.problems:
            lines.append(
                gettext(
                    "line %(line)s, %(column)s: %(reason)s",
                    line=problem.line,
                    column=problem.column,
                    reason=str(problem.message),
                )
            )
    return lines


def run_import(
    db: Session,
    *,
    data: bytes,
    filename: str,
    school_code: str,
    commit: bool,
    archive_missing: bool,
    settings: Settings,
) -> list[str]:
    """Preview (and with ``commit``, write) the file; the lines to print. Flushes, never commits."""
    school = service.school_by_code(db, school_code)
    show_bar = max(data.count(b"\n"), data.count(b"\r")) >= PROGRESS_FROM_LINES
    with _progress_bar(show_bar) as progress:
        preview = service.preview_import(
            db,
            actor=None,
            school_id=school.id,
            data=data,
            filename=filename,
            settings=settings,
            progress=progress,
        )
        lines = _preview_lines(preview)
        if not commit:
            lines.append(gettext("Nothing was written: add --commit to import the good rows."))
            return lines
        result = service.commit_import(
            db,
            actor=None,
            school_id=school.id,
            data=data,
            filename=filename,
            settings=settings,
            archive_all_missing=archive_missing,
            progress=progress,
        )
    lines.append(
        gettext(
            "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(archived)s archived.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            archived=result.archived,
        )
    )
    return lines
