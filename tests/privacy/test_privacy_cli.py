"""`mentor privacy export` and `mentor privacy erase` against a real database of their own (SQLite
file and PostgreSQL): the export holds the canary pupil's every text; the erasure refuses without
--yes, prints what it deleted per table, and leaves the canary nowhere — on SQLite not even in
the file's bytes. Both are on the audit log, with no user as the actor."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import AuditEvent, Pupil
from tests.conftest import FakeClock
from tests.privacy.canary import CANARIES, MARK, PHONE_DIGITS, canary_columns, make_canary_pupil
from tests.privacy.files import app_on, mentor
from tests.throwaway_database import BACKENDS, throwaway_database

REASON = "Forælderens skriftlige anmodning af 30.11.2026"


@dataclass
class Database:
    url: str
    engine: Engine
    pupil_id: int
    path: Path | None  # the SQLite file


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, settings: Settings, clock: FakeClock
) -> Iterator[Database]:
    with throwaway_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with app_on(url, settings, clock) as (client, db):
                canary = make_canary_pupil(client, db, clock, settle=db.commit)
                db.commit()
            path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
            yield Database(url=url, engine=engine, pupil_id=canary.pupil_id, path=path)
        finally:
            engine.dispose()


def _mentor(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    return mentor(database.url, "privacy", *args)


def _session(database: Database) -> Session:
    return make_sessionmaker(database.engine)()


def test_the_export_holds_every_canary_as_json_or_html_and_is_logged(
    database: Database, tmp_path: Path
) -> None:
    pupil = str(database.pupil_id)
    as_json = _mentor(database, "export", "--pupil", pupil, "--output", str(tmp_path / "a.json"))
    as_html = _mentor(database, "export", "--pupil", pupil, "--output", str(tmp_path / "a.html"))
    forced = _mentor(
        database,
        "export",
        *("--pupil", pupil, "--output", str(tmp_path / "b.txt"), "--format", "html"),
        *("--language", "en"),
    )

    for result in (as_json, as_html, forced):
        assert result.returncode == 0, result.stderr
    exported = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert exported["pupil_id"] == database.pupil_id
    text = json.dumps(exported, ensure_ascii=False)
    page = (tmp_path / "a.html").read_text(encoding="utf-8").replace("&#39;", "'")
    for canary in CANARIES.values():
        assert canary.lower() in text.lower(), canary
        assert canary in page, canary
    assert "Data om elev nr." in page
    assert "Data about pupil no." in (tmp_path / "b.txt").read_text(encoding="utf-8")
    with _session(database) as db:
        exports = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "export", AuditEvent.pupil_id == database.pupil_id
            )
        ).all()
    assert [(e.actor_id, (e.details or {}).get("format")) for e in exports] == [
        (None, "json"),
        (None, "html"),
        (None, "html"),
    ]


def test_refusals_are_one_line_and_delete_nothing(database: Database, tmp_path: Path) -> None:
    pupil = str(database.pupil_id)
    without_yes = _mentor(database, "erase", "--pupil", pupil, "--reason", REASON)
    unknown = _mentor(database, "erase", "--pupil", "999999", "--reason", REASON, "--yes")
    too_big = _mentor(database, "erase", "--pupil", str(2**40), "--reason", REASON, "--yes")
    named = _mentor(
        database, "erase", "--pupil", pupil, "--reason", f"{CANARIES['first_name']} bad", "--yes"
    )
    no_export = _mentor(database, "export", "--pupil", "999999", "--output", str(tmp_path / "x"))

    assert without_yes.stderr.strip() == "error: erasing cannot be undone; give --yes to go ahead"
    assert unknown.stderr.strip() == "error: no pupil with the number 999999"
    assert too_big.stderr.strip() == f"error: no pupil with the number {2**40}"
    assert no_export.stderr.strip() == "error: no pupil with the number 999999"
    assert "may not name the pupil" in named.stderr
    for result in (without_yes, unknown, too_big, named, no_export):
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1
    with _session(database) as db:
        assert db.get(Pupil, database.pupil_id) is not None


def test_the_erasure_leaves_the_canary_nowhere_and_logs_no_name(database: Database) -> None:
    done = _mentor(
        database, "erase", "--pupil", str(database.pupil_id), "--reason", REASON, "--yes"
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "pupil: 1 deleted" in lines
    assert "note: 1 deleted" in lines
    assert "meeting_log: 1 deleted" in lines
    assert any(line.startswith("audit_event: ") and "kept" in line for line in lines)
    with _session(database) as db:
        assert canary_columns(db) == set()
        [erased] = db.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).all()
        assert (erased.actor_id, erased.object_id, erased.pupil_id, erased.details) == (
            None,
            str(database.pupil_id),
            None,
            {"reason": REASON},
        )
    if database.path is not None:
        # With this test's connections still open: the command itself emptied the log.
        wal = database.path.with_name(database.path.name + "-wal")
        raw = database.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert MARK.encode() not in raw.lower()
        assert PHONE_DIGITS.encode() not in raw
