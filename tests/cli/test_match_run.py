"""`mentor match run`: a preview by default, proposals with --commit, one line when refused.

Run as a real subprocess on a file database holding the demo (`mentor demo`), as an operator would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mentor.db import make_engine, make_sessionmaker
from mentor.demo import DEMO_LOGINS
from mentor.models import (
    Match,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    MatchState,
    Organisation,
    Role,
)
from tests.cli.test_commands import _mentor

COUNSELLOR = next(login.email for login in DEMO_LOGINS if login.role is Role.COUNSELLOR)
ADMIN = next(login.email for login in DEMO_LOGINS if login.role is Role.ADMIN)
# A school of the demo counsellor's, and one of the second demo counsellor's (mentor/demo/staff).
MINE, THEIRS = "SBRO", "GRAM"
SUMMARY = re.compile(r"^run (\d+): (\d+) of (\d+) eligible pupils proposed ")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("match-run") / "demo.sqlite3"
    for command in (("db", "upgrade"), ("demo",)):
        result = _mentor(path, *command)
        assert result.returncode == 0, result.stderr
    return path


def _count_matches(database: Path) -> int:
    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        count = session.scalar(select(func.count(Match.id))) or 0
    engine.dispose()
    return count


def _run_id(stdout: str) -> int:
    found = SUMMARY.match(stdout)
    assert found, stdout
    return int(found.group(1))


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_run_without_commit_is_a_preview_and_proposes_nothing(database: Path) -> None:
    before = _count_matches(database)

    result = _mentor(
        database,
        "match",
        "run",
        "--counsellor",
        COUNSELLOR,
        "--school",
        MINE,
        "--grade",
        "8",
        "--grade",
        "9",
        "--include-unanswered",
        "--fair-shares",
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "preview only: nothing was proposed (add --commit)"
    proposed = SUMMARY.match(lines[0])
    assert proposed, result.stdout
    assert 0 < int(proposed.group(2)) <= int(proposed.group(3))
    assert _count_matches(database) == before
    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        run = session.get_one(MatchRun, int(proposed.group(1)))
        school_id = session.scalars(select(Organisation.id).where(Organisation.code == MINE)).one()
        assert run.state is MatchRunState.PREVIEW
        assert run.committed_at is None
        assert run.scope["school_ids"] == [school_id]
        assert run.scope["grades"] == [8, 9]
        assert run.scope["include_unanswered"] is True
        assert run.options == {"fair_shares": True}
        paired = select(func.count(MatchRunPupil.id)).where(
            MatchRunPupil.run_id == run.id, MatchRunPupil.ambassador_id.is_not(None)
        )
        assert session.scalar(paired) == int(proposed.group(2))
        assert session.scalar(select(func.count(Match.id)).where(Match.run_id == run.id)) == 0
    engine.dispose()


def test_commit_proposes_the_pairs_and_mails_the_ambassadors(database: Path) -> None:
    before = _count_matches(database)

    result = _mentor(
        database, "match", "run", "--counsellor", COUNSELLOR.upper(), "--school", MINE, "--commit"
    )

    assert result.returncode == 0, result.stderr
    run_id = _run_id(result.stdout)
    committed = re.search(r"^committed: (\d+) proposals$", result.stdout, re.MULTILINE)
    assert committed, result.stdout
    count = int(committed.group(1))
    assert count > 0
    assert "preview only" not in result.stdout
    assert _count_matches(database) == before + count
    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        run = session.get_one(MatchRun, run_id)
        assert run.state is MatchRunState.COMMITTED
        assert run.committed_at is not None
        proposals = list(session.scalars(select(Match).where(Match.run_id == run_id)))
        assert len(proposals) == count == (run.stats or {})["matched"]
        assert all(match.state is MatchState.PROPOSED for match in proposals)
        assert all(match.explanation and match.explanation["reasons"] for match in proposals)
        # The earlier preview was replaced by this run.
        assert set(session.scalars(select(MatchRun.state).where(MatchRun.id != run_id))) <= {
            MatchRunState.DISCARDED,
            MatchRunState.COMMITTED,
        }
    engine.dispose()
    # No SMTP server is configured: the e-mails to the ambassadors land in the mail folder.
    assert list((database.parent / "mail").glob("*.eml"))


@pytest.mark.parametrize(
    ("schools", "named"),
    [(["NOPE"], "NOPE"), ([MINE, THEIRS], THEIRS), ([MINE, "ZZZ", THEIRS], f"{THEIRS}, ZZZ")],
)
def test_a_school_that_is_not_the_counsellors_is_refused_in_one_line(
    database: Path, schools: list[str], named: str
) -> None:
    before = _count_matches(database)
    options = [arg for code in schools for arg in ("--school", code)]

    result = _mentor(database, "match", "run", "--counsellor", COUNSELLOR, *options, "--commit")

    assert result.returncode != 0
    assert _one_error_line(result.stderr) == f"error: not a school of {COUNSELLOR}: {named}"
    assert result.stdout == ""
    assert _count_matches(database) == before


def test_an_unknown_email_is_refused_in_one_line(database: Path) -> None:
    result = _mentor(database, "match", "run", "--counsellor", "ingen@haderslev.dk")

    assert result.returncode != 0
    assert _one_error_line(result.stderr) == "error: no user with the e-mail ingen@haderslev.dk"
    assert result.stdout == ""


def test_a_user_who_is_not_a_counsellor_is_refused_in_one_line(database: Path) -> None:
    result = _mentor(database, "match", "run", "--counsellor", ADMIN)

    assert result.returncode != 0
    assert _one_error_line(result.stderr) == (
        f"error: {ADMIN} has no schools to match (only counsellors do)"
    )


def test_a_scope_without_eligible_pupils_gives_an_empty_preview(database: Path) -> None:
    # The demo's primary schools have no 10th grade (it is at the 10th-grade centre). The same
    # happens to a school run again after a commit: its pupils all have open proposals.
    result = _mentor(
        database, "match", "run", "--counsellor", COUNSELLOR, "--school", MINE, "--grade", "10"
    )

    assert result.returncode == 0, result.stderr
    assert SUMMARY.match(result.stdout)
    assert " 0 of 0 eligible pupils proposed " in result.stdout


def test_a_grade_outside_7_to_10_is_refused(database: Path) -> None:
    result = _mentor(database, "match", "run", "--counsellor", COUNSELLOR, "--grade", "6")
    assert result.returncode != 0
    assert _one_error_line(result.stderr) == "error: grades are 7-10, not 6"
