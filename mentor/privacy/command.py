"""``mentor privacy …``: the data-protection chores of the programme."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mentor.config import get_settings
from mentor.i18n import LOCALES, using_locale
from mentor.privacy.record import as_html, as_markdown

privacy_app = typer.Typer(no_args_is_help=True, help="Data protection: the record of processing.")

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
