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
        env={
            "MENTOR_DATABASE_URL": f"sqlite:///{database}",
            "MENTOR_MAIL_DIR": str(database.parent / "mail"),
            "PATH": "/usr/bin:/bin",
        },
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


def test_import_ambassadors_previews_then_invites_with_commit(database: Path) -> None:
    from mentor.models import Ambassador
    from tests.factories import make_institution, make_institution_programme, make_programme

    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        institution = make_institution(session, code="HTXCLI", name="HTX Haderslev")
        programme = make_programme(session, code="HTX-CLI", name_da="Højere teknisk eksamen")
        make_institution_programme(session, institution=institution, programme=programme)
        session.commit()
    listing = database.parent / "ambassadorer.csv"
    listing.write_text(
        "Navn;E-mail;Institution;Uddannelse\n"
        "Søren Østergaard;soeren@elev.dk;HTXCLI;HTX-CLI\n"
        "Åse Bæk;ikke-en-adresse;HTXCLI;HTX-CLI\n",
        encoding="utf-8",
    )
    admin = "første.admin@haderslev.dk"  # made by the first test of this module

    preview = _mentor(database, "import", "ambassadors", str(listing), "--by", admin)
    committed = _mentor(database, "import", "ambassadors", str(listing), "--by", admin, "--commit")

    assert preview.returncode == 0, preview.stderr
    # In Danish, the default, with the singular where there is one.
    assert "1 studerende skal inviteres, 0 er kendt i forvejen, 1 afvist række" in preview.stdout
    assert "linje 3: Åse Bæk — E-mail:" in preview.stdout
    assert committed.returncode == 0, committed.stderr
    assert "1 studerende er inviteret" in committed.stdout
    with make_sessionmaker(engine)() as session:
        user = session.scalars(select(User).where(User.email == "soeren@elev.dk")).one()
        assert user.role is Role.AMBASSADOR
        assert session.scalars(select(Ambassador).where(Ambassador.user_id == user.id)).one()
    assert list((database.parent / "mail").glob("*.eml"))
    engine.dispose()


def test_import_ambassadors_names_everyone_and_warns_about_contact_columns(
    database: Path,
) -> None:
    from tests.factories import make_institution, make_institution_programme, make_programme

    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        institution = make_institution(session, code="EUCNAV", name="EUC Navne")
        programme = make_programme(session, code="EUX-NAV", name_da="Eux navne")
        make_institution_programme(session, institution=institution, programme=programme)
        session.commit()
    engine.dispose()
    listing = database.parent / "navne.csv"
    listing.write_text(
        "Navn;E-mail;Institution;Uddannelse;Privat mail;Mobil\n"
        "Ida Holm;ida@elev.dk;EUCNAV;EUX-NAV;ida@gmail.com;20 12 34 56\n"
        "Første Admin;første.admin@haderslev.dk;EUCNAV;EUX-NAV;;\n"
        "Bo Bæk;bo@elev.dk;EUCNAV;Alkymi;bo@gmail.com;31 22 11 00\n",
        encoding="utf-8",
    )

    preview = _mentor(
        database, "import", "ambassadors", str(listing), "--by", "første.admin@haderslev.dk"
    )

    assert preview.returncode == 0, preview.stderr
    lines = preview.stdout.splitlines()
    assert "1 studerende skal inviteres, 1 er kendt i forvejen, 1 afvist række" in lines
    assert "Disse kolonner bruges ikke: Privat mail, Mobil." in lines
    assert any(
        line.startswith("Advarsel: Kolonnen “Privat mail” bruges ikke, men den indeholder e-mail")
        for line in lines
    )
    assert any(
        line.startswith("Advarsel: Kolonnen “Mobil” bruges ikke, men den indeholder telefonnumre")
        for line in lines
    )
    invite = lines.index("Inviteres:")
    assert lines[invite + 1] == "  linje 2: Ida Holm <ida@elev.dk>, EUC Navne, Eux navne, 1. år"
    known = lines.index("Allerede kendt, uændret:")
    assert lines[known + 1] == "  linje 3: Første Admin <første.admin@haderslev.dk>"
    rejected = lines.index("Afviste rækker:")
    assert lines[rejected + 1].startswith("  linje 4: Bo Bæk — Uddannelse: “Alkymi”")


def test_import_ambassadors_refuses_a_non_admin(database: Path, tmp_path: Path) -> None:
    listing = tmp_path / "a.csv"
    listing.write_text("Navn;E-mail;Institution;Uddannelse\n", encoding="utf-8")
    result = _mentor(database, "import", "ambassadors", str(listing), "--by", "ingen@x.dk")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: ingen@x.dk is not an active admin"
