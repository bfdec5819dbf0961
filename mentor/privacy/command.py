"""``mentor privacy …``: the data-protection chores of the programme."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mentor.config import get_settings
from mentor.db import forget_deleted, make_engine, make_sessionmaker, utcnow
from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LOCALES, using_locale
from mentor.privacy.access import export_html, pupil_export, record_export
from mentor.privacy.ambassador_access import ambassador_export, record_ambassador_export
from mentor.privacy.ambassador_erasure import erase_ambassador
from mentor.privacy.erasure import ErasurePlan, erase_pupil
from mentor.privacy.record import as_html, as_markdown
from mentor.privacy.requests import check_ambassador_reason, check_reason
from mentor.privacy.retention import run_retention
from mentor.web.ids import MAX_ID

privacy_app = typer.Typer(
    no_args_is_help=True,
    help="Data protection: the record of processing, subject access and erasure.",
)
retention_app = typer.Typer(no_args_is_help=True, help="Deleting what is past its retention.")

RECORD_NAME = "processing-record"


@privacy_app.command("record")
def record(
    output_dir: Annotated[
        Path, typer.Option("--output-dir", help="Where to write the Markdown and HTML files.")
    ] = Path("."),
    language: Annotated[str, typer.Option(help="da or en.")] = "da",
) -> None:
    """Write the record of processing activities (GDPR Art. 30) as Markdown and HTML."""
    if language not in LOCALES:
        typer.echo(f"error: --language must be one of {', '.join(LOCALES)}", err=True)
        raise typer.Exit(1)
    settings = get_settings()
    output_dir.mkdir(parents=True, exist_ok=True)
    with using_locale(language):
        markdown = as_markdown(settings)
        html = as_html(settings, language=language)
    for suffix, text in ((".md", markdown), (".html", html)):
        target = output_dir / f"{RECORD_NAME}{suffix}"
        target.write_text(text, encoding="utf-8")
        typer.echo(f"written: {target}")


@retention_app.command("run")
def retention_run(
    today: Annotated[
        str | None, typer.Option(help="The day to run as, YYYY-MM-DD (default: today).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing.")
    ] = False,
) -> None:
    """Delete every row past its retention period (for cron, daily); prints what it did per
    table. Idempotent."""
    try:
        day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    except ValueError:
        typer.echo("error: --today must be a date like 2027-08-01", err=True)
        raise typer.Exit(1) from None
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            outcomes = run_retention(db, today=day, settings=settings, dry_run=dry_run)
            if dry_run:
                db.rollback()
            else:
                db.commit()
        emptied = dry_run or forget_deleted(engine)
    finally:
        engine.dispose()
    for outcome in outcomes:
        verb = f"would be {outcome.action}" if dry_run else outcome.action
        typer.echo(f"{outcome.table}: {outcome.rows} {verb}")
    if not emptied:
        typer.echo("note: readers kept the SQLite log busy; run again to empty it", err=True)


class ExportFormat(StrEnum):
    JSON = "json"
    HTML = "html"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


PupilOption = Annotated[int | None, typer.Option("--pupil", help="The pupil's number.")]
AmbassadorOption = Annotated[
    int | None, typer.Option("--ambassador", help="The ambassador's number.")
]


def _subject(pupil: int | None, ambassador: int | None) -> tuple[str, int]:
    """("pupil" or "ambassador", the number): exactly one of the two options."""
    if (pupil is None) == (ambassador is None):
        raise _fail("give exactly one of --pupil ID and --ambassador ID")
    kind, number = ("pupil", pupil) if pupil is not None else ("ambassador", ambassador)
    assert number is not None
    # A number no id column holds would reach PostgreSQL as a value it cannot bind.
    if not 1 <= number <= MAX_ID:
        raise _fail(f"no {kind} with the number {number}")
    return kind, number


@privacy_app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", help="The file to write.")],
    pupil: PupilOption = None,
    ambassador: AmbassadorOption = None,
    file_format: Annotated[
        ExportFormat | None,
        typer.Option("--format", help="json or html (default: from the file's suffix, else json)."),
    ] = None,
    language: Annotated[str, typer.Option(help="da or en, for the HTML page.")] = "da",
) -> None:
    """Write everything about a pupil or an ambassador (GDPR Art. 15) to a file; the export is
    audited."""
    chosen = file_format or (
        ExportFormat.HTML if output.suffix.lower() in (".html", ".htm") else ExportFormat.JSON
    )
    if language not in LOCALES:
        raise _fail(f"--language must be one of {', '.join(LOCALES)}")
    kind, number = _subject(pupil, ambassador)
    engine = make_engine(get_settings().database_url)
    try:
        with make_sessionmaker(engine)() as db:
            try:
                if kind == "pupil":
                    data = pupil_export(db, number, now=utcnow())
                    record_export(db, pupil_id=number, actor_id=None, file_format=chosen.value)
                else:
                    data = ambassador_export(db, number, now=utcnow())
                    record_ambassador_export(
                        db, ambassador_id=number, actor_id=None, file_format=chosen.value
                    )
            except NotFound:
                raise _fail(f"no {kind} with the number {number}") from None
            if chosen is ExportFormat.HTML:
                text = export_html(data, locale=language)
            else:
                text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
            db.commit()
    finally:
        engine.dispose()
    typer.echo(f"written: {output}")


@privacy_app.command("erase")
def erase(
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log: no names).")],
    pupil: PupilOption = None,
    ambassador: AmbassadorOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Yes: delete the data for good.")] = False,
) -> None:
    """Erase a pupil or an ambassador and everything theirs, for good (GDPR Art. 17); prints
    rows per table. An ambassador whose matches or meetings are kept for the pupils is
    anonymised for good instead."""
    kind, number = _subject(pupil, ambassador)
    if not yes:
        raise _fail("erasing cannot be undone; give --yes to go ahead")
    if not reason.strip():
        raise _fail("--reason must say why")
    engine = make_engine(get_settings().database_url)
    try:
        with make_sessionmaker(engine)() as db:
            details = {"reason": reason.strip()}
            plan: ErasurePlan
            try:
                if kind == "pupil":
                    check_reason(db, number, reason)
                    plan = erase_pupil(db, number, actor_id=None, details=details)
                else:
                    check_ambassador_reason(db, number, reason)
                    plan = erase_ambassador(db, number, actor_id=None, details=details)
            except NotFound:
                raise _fail(f"no {kind} with the number {number}") from None
            except InvalidInput:
                raise _fail(f"--reason may not name the {kind} or hold a CPR number") from None
            db.commit()
        emptied = forget_deleted(engine)
    finally:
        engine.dispose()
    for table, rows in plan.deleted.items():
        typer.echo(f"{table}: {rows} deleted")
    for table, rows in plan.kept.items():
        anonymised = plan.anonymised and table in ("ambassador", "user_account")
        how = "anonymised" if anonymised else f"without the {kind}"
        typer.echo(f"{table}: {rows} kept, {how}")
    if not emptied:
        typer.echo("note: readers kept the SQLite log busy; run `mentor retention run`", err=True)
