"""The record of processing (GDPR Art. 30) is generated from the columns' annotations and the
retention settings: every personal column is in it, and a changed setting changes it."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from mentor.config import Settings
from mentor.db import Base, Retention
from mentor.i18n import using_locale
from mentor.privacy.record import ACTIVITIES, as_html, as_markdown, personal_columns


def test_every_retention_category_is_a_described_activity() -> None:
    assert set(ACTIVITIES) == set(Retention)


def test_every_personal_column_is_in_the_record(settings: Settings) -> None:
    with using_locale("da"):
        markdown = as_markdown(settings)
    personal = [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info["personal"]
    ]
    assert len(personal) > 50
    for table, column in personal:
        line = next(text for text in markdown.splitlines() if text.startswith(f"  - `{table}`:"))
        assert column in line.split(":", 1)[1].split(", ") or f" {column}" in line, (table, column)
    assert "`pupil`: " in markdown
    assert "first_name" in markdown
    # Columns that say nothing about a person are not listed as personal data.
    assert "`programme`" not in markdown


def test_the_retention_settings_are_what_the_record_says(settings: Settings) -> None:
    changed = settings.model_copy(update={"retention_pupil_months": 18, "retention_audit_years": 3})
    with using_locale("da"):
        markdown = as_markdown(changed)
    with using_locale("en"):
        english = as_markdown(changed)
    assert "18 måneder efter udgangen af elevens sidste skoleår" in markdown
    assert "3 år" in markdown
    assert "# Fortegnelse over behandlingsaktiviteter" in markdown
    assert "18 months after the end of the pupil's last school year" in english


def test_the_categories_cover_what_the_annotations_hold() -> None:
    columns = personal_columns()
    assert "pupil" in columns[Retention.PUPIL]
    assert "audit_event" in columns[Retention.AUDIT]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_command_writes_markdown_and_html(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mentor", "privacy", "record", "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MENTOR_RETENTION_PUPIL_MONTHS": "24"},
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "processing-record.md").read_text(encoding="utf-8")
    html = (tmp_path / "processing-record.html").read_text(encoding="utf-8")
    assert "24 måneder" in markdown
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.text)
    assert '<html lang="da">' in html
    assert "24 måneder" in text
    assert "guardian_name" in text


def test_the_html_is_escaped(settings: Settings) -> None:
    with using_locale("en"):
        html = as_html(settings, language="en")
    assert "<script" not in html
    assert html.count("<h2>") == len(personal_columns()) + 1
