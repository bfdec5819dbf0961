"""``mentor import pupils FILE --school CODE [--commit]``: the import on the command line.

The same service as the web page; the preview is printed as text, with a progress bar on stderr
while a long file is checked and written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from mentor.i18n import gettext, ngettext
from mentor.pupils.importing import service

# Below this many lines a file is done before a bar could be read.
PROGRESS_FROM_LINES = 2000
# Names listed per group (new, to update, not in the file); the rest are counted.
NAMES_LISTED = 50


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


def _counts(preview: service.ImportPreview) -> str:
    parts = [
        ngettext("%(num)s new pupil", "%(num)s new pupils", len(preview.creates)),
        ngettext("%(num)s pupil to update", "%(num)s pupils to update", len(preview.updates)),
        ngettext("%(num)s unchanged pupil", "%(num)s unchanged pupils", preview.unchanged),
        ngettext("%(num)s rejected row", "%(num)s rejected rows", len(preview.rejected)),
        ngettext(
            "%(num)s pupil not in the file", "%(num)s pupils not in the file", len(preview.missing)
        ),
    ]
    return gettext(
        "%(school)s: %(rows)s; %(counts)s.",
        school=preview.school.name,
        rows=ngettext("%(num)s row", "%(num)s rows", preview.rows),
        counts=", ".join(parts),
    )


def _listed(heading: str, names: Sequence[str]) -> list[str]:
    """A heading and the first names, indented; the rest counted."""
    if not names:
        return []
    lines = [heading, *(f"  {name}" for name in names[:NAMES_LISTED])]
    if len(names) > NAMES_LISTED:
        more = len(names) - NAMES_LISTED
        lines.append("  " + ngettext("… and %(num)s more", "… and %(num)s more", more))
    return lines


def _pupil(line: int, ref: str, first: str, last: str, class_name: str | None, grade: int) -> str:
    place = class_name or gettext("grade %(grade)s", grade=grade)
    return gettext(
        "line %(line)s: %(name)s (%(ref)s), %(place)s",
        line=line,
        name=f"{first} {last}",
        ref=ref,
        place=place,
    )


def _names(preview: service.ImportPreview) -> list[str]:
    creates = [
        _pupil(r.line, r.school_ref, r.first_name, r.last_name, r.class_name, r.grade)
        for r in preview.creates
    ]
    updates = [
        _pupil(
            p.record.line,
            p.record.school_ref,
            p.record.first_name,
            p.record.last_name,
            p.record.class_name,
            p.record.grade,
        )
        + " — "
        + "; ".join(
            f"{change.label}: {change.old or '–'} → {change.new}"
            if change.old or change.new
            else str(change.label)
            for change in p.changes
        )
        for p in preview.updates
    ]
    missing = [
        f"{m.first_name} {m.last_name} ({m.school_ref}), "
        + (m.class_name or gettext("grade %(grade)s", grade=m.grade))
        for m in preview.missing
    ]
    return [
        *_listed(gettext("New pupils:"), creates),
        *_listed(gettext("Pupils to update:"), updates),
        *_listed(
            gettext("Pupils not in the file (archived only with --archive-missing):"), missing
        ),
    ]


def _columns(preview: service.ImportPreview) -> list[str]:
    lines: list[str] = []
    if preview.sheet and preview.sheet_index:
        lines.append(
            gettext(
                "The workbook's first sheet is empty, so the sheet “%(sheet)s” was read.",
                sheet=preview.sheet,
            )
        )
    elif preview.sheet:
        lines.append(gettext("Read from the sheet “%(sheet)s”.", sheet=preview.sheet))
    ignored = preview.header.ignored_titles
    if ignored:
        lines.append(
            ngettext("This column is not used:", "These columns are not used:", len(ignored))
            + f" {', '.join(ignored)}."
        )
    for column in preview.contact_columns:
        lines.append(gettext("Warning: %(warning)s", warning=str(column.message)))
    return lines


def _preview_lines(preview: service.ImportPreview) -> list[str]:
    lines = [_counts(preview), *_columns(preview)]
    if preview.changes_nothing:
        lines.append(gettext("The file changes nothing."))
    lines += _names(preview)
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
