"""The `mentor` command: exit 0 on success, otherwise non-zero with a one-line reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from mentor.accounts.passwords import verify_password
from mentor.db import make_engine, make_sessionmaker
from mentor.models import Role, User


def _mentor(database: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mentor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={"MENTOR_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cli.sqlite3"
    result = _mentor(path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return path


def test_users_create_makes_a_first_admin_with_a_hashed_password(database: Path) -> None:
    password = "første admin kodeord"
    result = _mentor(
        database,
        "users",
        "create",
        "--role",
        "admin",
        "--email",
        "Første.Admin@Haderslev.dk",
        "--name",
        "Første Admin",
        stdin=f"{password}\n{password}\n",
    )

    assert result.returncode == 0, result.stderr
    assert "created admin første.admin@haderslev.dk" in result.stdout
    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        user = session.scalars(select(User).where(User.email == "første.admin@haderslev.dk")).one()
        assert user.role is Role.ADMIN
        assert user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, password)
    engine.dispose()


def test_a_refused_command_exits_non_zero_with_one_line(database: Path) -> None:
    result = _mentor(
        database,
        "users",
        "create",
        "--email",
        "kort@haderslev.dk",
        "--password",
        "kort",
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: password:")


def test_backup_writes_a_copy_that_holds_the_data(database: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    result = _mentor(database, "db", "backup", str(target))
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{target}")
    with make_sessionmaker(engine)() as session:
        assert session.scalars(select(User)).first() is not None
    engine.dispose()
