"""``mentor import pupils FILE --school CODE [--commit]``: preview by default, one-line failures."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mentor.catalogue.seed import seed_catalogues
from mentor.cli import app
from mentor.config import get_settings
from mentor.db import make_engine, make_sessionmaker, session_scope
from mentor.models import Organisation, OrganisationKind, Pupil

DATA = Path(__file__).resolve().parents[2] / "data"


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def mentor_process(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mentor", *args],
        capture_output=True,
        text=True,
        env={"MENTOR_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def mentor(database: Path, *args: str) -> Outcome:
    """The command in this process (starting Python for each case costs seconds)."""
    result = CliRunner().invoke(
        app, list(args), env={"MENTOR_DATABASE_URL": f"sqlite:///{database}"}
    )
    return Outcome(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import-cli") / "cli.sqlite3"
    assert mentor_process(path, "db", "upgrade").returncode == 0
    with session_scope(make_sessionmaker(make_engine(f"sqlite:///{path}"))) as session:
        seed_catalogues(session)
        session.add(
            Organisation(kind=OrganisationKind.PRIMARY_SCHOOL, name="Gram Skole", code="GRAM")
        )
    return path


def pupil_count(database: Path) -> int:
    with make_sessionmaker(make_engine(f"sqlite:///{database}"))() as session:
        return session.scalar(select(func.count()).select_from(Pupil)) or 0


def test_preview_by_default_writes_nothing(database: Path) -> None:
    result = mentor(
        database, "import", "pupils", str(DATA / "pupils_every_error.csv"), "--school", "GRAM"
    )

    assert result.returncode == 0, result.stderr
    assert "23 rækker; 1 ny elev, 0 elever opdateres, 0 uændrede elever, 22 afviste rækker" in (
        result.stdout
    )
    assert "linje 3, Klassetrin: Klassetrin 11 ligger uden for 7–10" in result.stdout
    assert "tilføj --commit" in result.stdout
    assert pupil_count(database) == 0


def test_commit_writes_and_a_second_run_changes_nothing(database: Path) -> None:
    path = str(DATA / "pupils.xlsx")
    # Once through the real entry point.
    first = mentor_process(database, "import", "pupils", path, "--school", "GRAM", "--commit")
    again = mentor(
        database, "import", "pupils", path, "--school", "GRAM", "--commit", "--language", "en"
    )

    assert first.returncode == 0, first.stderr
    assert "Importeret: 3 oprettet" in first.stdout
    assert pupil_count(database) == 3
    assert "The file changes nothing." in again.stdout


def test_a_long_file_shows_progress_and_finishes(database: Path, tmp_path: Path) -> None:
    lines = ["Elevnummer;Fornavn;Efternavn;Klasse"]
    lines += [f"L{n};Freja;Jensen;8.A" for n in range(3000)]
    long_file = tmp_path / "lang.csv"
    long_file.write_text("\n".join(lines), encoding="utf-8")

    result = mentor(database, "import", "pupils", str(long_file), "--school", "GRAM")

    assert result.returncode == 0, result.stderr
    assert "3000 rækker; 3000 nye elever" in result.stdout


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["pupils_nul.csv", "--school", "GRAM"], "NUL-bytes"),
        (["not_really.xlsx", "--school", "GRAM"], "ikke en Excel-projektmappe"),
        (["pupils.xlsx", "--school", "NOPE"], "Der er ingen skole med koden NOPE"),
        (["no_such_file.csv", "--school", "GRAM"], "cannot read"),
    ],
)
def test_failures_exit_non_zero_with_one_line(database: Path, args: list[str], reason: str) -> None:
    result = mentor(database, "import", "pupils", str(DATA / args[0]), *args[1:])

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert reason in result.stderr


def test_the_preview_names_the_pupils_and_the_ignored_columns_and_warns_about_contact_details(
    database: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "kontakt.csv"
    listing.write_text(
        "Elevnummer;Fornavn;Efternavn;Klasse;Forælder-mail;Forælder 2 e-mail;Noter\n"
        "K1;Ida;Holm;8.A;mor@example.dk;far@example.dk;glad for fodbold\n",
        encoding="utf-8",
    )

    result = mentor(database, "import", "pupils", str(listing), "--school", "GRAM")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "1 række; 1 ny elev" in lines[0]
    assert "Disse kolonner bruges ikke: Forælder 2 e-mail, Noter." in lines
    assert (
        "Advarsel: Kolonnen “Forælder 2 e-mail” bruges ikke, men den indeholder e-mailadresser. "
        "Er det en forælders, så kald kolonnen “Forælders e-mail”; er det elevens egen, "
        "“Elevens e-mail”."
    ) in lines
    assert "Nye elever:" in lines
    assert "  linje 2: Ida Holm (K1), 8.A" in lines


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("da", "error: Filen fylder 1,5 MB; grænsen er 1 MB."),
        ("en", "error: The file is 1.5 MB; the limit is 1 MB."),
    ],
)
def test_a_file_over_the_limit_says_both_sizes_in_the_chosen_language(
    database: Path, tmp_path: Path, language: str, message: str
) -> None:
    big = tmp_path / "stor.csv"
    big.write_bytes(b"x" * (3 * 1024 * 1024 // 2))

    result = CliRunner().invoke(
        app,
        ["import", "pupils", str(big), "--school", "GRAM", "--language", language],
        env={"MENTOR_DATABASE_URL": f"sqlite:///{database}", "MENTOR_IMPORT_MAX_BYTES": "1048576"},
    )

    assert result.exit_code == 1
    assert result.stderr.strip() == message
