"""``mentor export …`` for the municipality's automation: the file, Danish headers, the audit
event with no actor, and a one-line reason for each refusal."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from mentor.cli import app
from mentor.config import get_settings
from mentor.db import make_engine, make_sessionmaker, session_scope
from mentor.migrations import upgrade
from mentor.models import AuditEvent
from tests.factories import make_pupil, make_school

HYPERLINK = '=HYPERLINK("http://x","y")'


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('export-cli') / 'cli.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        school = make_school(session, code="SBRO", name="Sønderbro Skole")
        other = make_school(session, code="GRAM", name="Gram Skole")
        for first, day in ((HYPERLINK, 3), ("Søren", 20), ("Ida", 28)):
            created = datetime(2026, 11, day, 9, tzinfo=UTC)
            make_pupil(session, school=school, first_name=first, created_at=created)
        make_pupil(session, school=other, first_name="Fremmed")
    engine.dispose()
    return url


def mentor(database: str, *args: str) -> Outcome:
    result = CliRunner().invoke(app, ["export", *args], env={"MENTOR_DATABASE_URL": database})
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _exports(database: str) -> list[AuditEvent]:
    engine = make_engine(database)
    with make_sessionmaker(engine)() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))
    engine.dispose()
    return events


def test_a_csv_of_one_schools_pupils_in_a_period(database: str, tmp_path: Path) -> None:
    output = tmp_path / "elever.csv"
    before = len(_exports(database))

    result = mentor(database, "pupils", "--school", "SBRO", "--from", "2026-11-01",
                    "--to", "25.11.2026", "--format", "csv", "--output", str(output))  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"2 rækker skrevet til {output}"
    data = output.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:3] == ["Elevnummer", "Fornavn", "Efternavn"]
    assert sorted(row[1] for row in rows[1:]) == ["'" + HYPERLINK, "Søren"]
    events = _exports(database)
    assert len(events) == before + 1
    event = events[-1]
    assert event.actor_id is None
    assert event.object_type == "export"
    assert event.details == {
        "dataset": "pupils",
        "schools": ["SBRO"],
        "from": "2026-11-01",
        "to": "2026-11-25",
        "format": "csv",
        "rows": 2,
        "via": "cli",
    }


@pytest.mark.parametrize("dataset", ["pupils", "matches", "meetings", "waiting"])
def test_each_list_as_xlsx(database: str, tmp_path: Path, dataset: str) -> None:
    output = tmp_path / f"{dataset}.xlsx"

    result = mentor(database, dataset, "--school", "SBRO", "--format", "xlsx",
                    "--output", str(output))  # fmt: skip

    assert result.exit_code == 0, result.stderr
    sheet = load_workbook(output).active
    assert sheet is not None
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Fremmed" not in values
    if dataset == "pupils":
        name = next(c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value))
        assert (name.value, name.data_type) == ("'" + HYPERLINK, "s")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["pupils", "--school", "NOPE"], "Der er ingen skole med koden NOPE"),
        (["pupils", "--school", "SBRO", "--from", "31.02.2026"], "--from: Skriv en dato som"),
        (["pupils", "--school", "SBRO", "--to", "i morgen"], "--to: Skriv en dato som"),
        (
            ["pupils", "--school", "SBRO", "--from", "2026-11-30", "--to", "2026-11-01"],
            "--to: Slutdatoen ligger før startdatoen.",
        ),
        (["grades", "--school", "SBRO"], "DATASET: Vælg en af mulighederne."),
    ],
)
def test_a_refusal_is_one_line_and_writes_nothing(
    database: str, tmp_path: Path, args: list[str], reason: str
) -> None:
    output = tmp_path / "out.csv"
    before = len(_exports(database))

    result = mentor(database, *args, "--format", "csv", "--output", str(output))

    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert reason in lines[0]
    assert not output.exists()
    assert len(_exports(database)) == before


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_an_unwritable_output_is_one_line_and_not_audited(
    database: str, tmp_path: Path, where: str
) -> None:
    output = tmp_path / "no-such-folder" / "x.csv" if where == "missing folder" else tmp_path
    before = len(_exports(database))

    result = mentor(database, "pupils", "--school", "SBRO", "--format", "csv",
                    "--output", str(output))  # fmt: skip

    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot write {output}")
    assert len(_exports(database)) == before
    assert list(tmp_path.glob(".*")) == []  # no temporary file left behind
