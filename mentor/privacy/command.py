"""``mentor privacy …``: the data-protection chores of the programme."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from mentor.config import get_settings
from mentor.db import forget_deleted, make_engine, make_sessionmaker
from mentor.i18n import LOCALES, using_locale
from mentor.privacy.record import as_html, as_markdown
from mentor.privacy.retention import run_retention

privacy_app = typer.Typer(no_args_is_help=True, help="Data protection: the record of processing.")
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
    verb = "would be deleted" if dry_run else "deleted"
    for outcome in outcomes:
        typer.echo(f"{outcome.table}: {outcome.rows} {verb}")
    if not emptied:
        typer.echo("note: readers kept the SQLite log busy; run again to empty it", err=True)
