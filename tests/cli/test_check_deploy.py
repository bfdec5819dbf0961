"""`mentor check --deploy` refuses insecure production settings, one line each, and passes a
production set-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET

SAFE = {
    "MENTOR_ENV": "production",
    "MENTOR_SECRET_KEY": TEST_SECRET,
    "MENTOR_COOKIE_SECURE": "true",
    "MENTOR_BASE_URL": "https://ambassador.haderslev.dk",
    "MENTOR_SMTP_HOST": "smtp.haderslev.dk",
    "MENTOR_DATABASE_URL": "postgresql+psycopg://ambassador@db/ambassador",
    "MENTOR_WORKERS": "4",
}


def _check(tmp_path: Path, **changes: str) -> subprocess.CompletedProcess[str]:
    environment = {**SAFE, **changes, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "mentor", "check", "--deploy"],
        capture_output=True,
        text=True,
        env={name: value for name, value in environment.items() if value != "<unset>"},
        cwd=tmp_path,  # no .env file of the developer's
        timeout=120,
        check=False,
    )


def test_a_production_set_up_passes(tmp_path: Path) -> None:
    result = _check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        (
            {"MENTOR_ENV": "development", "MENTOR_SECRET_KEY": "<unset>"},
            "MENTOR_SECRET_KEY is the default",
        ),
        ({"MENTOR_SECRET_KEY": "<unset>"}, "MENTOR_SECRET_KEY must be set"),
        ({"MENTOR_SECRET_KEY": "kort"}, "at least 32 characters"),
        ({"MENTOR_COOKIE_SECURE": "false"}, "MENTOR_COOKIE_SECURE is off"),
        ({"MENTOR_ENV": "development"}, "MENTOR_ENV is development"),
        ({"MENTOR_SMTP_HOST": "<unset>"}, "MENTOR_SMTP_HOST is not set"),
        ({"MENTOR_HSTS_SECONDS": "0"}, "MENTOR_HSTS_SECONDS is 0"),
        ({"MENTOR_BASE_URL": "http://ambassador.haderslev.dk"}, "MENTOR_BASE_URL is not https"),
        ({"MENTOR_DATABASE_URL": "sqlite:///ambassador.sqlite3"}, "MENTOR_WORKERS is 4 on SQLite"),
    ],
)
def test_each_insecure_setting_is_refused_in_one_line(
    tmp_path: Path, changes: dict[str, str], line: str
) -> None:
    result = _check(tmp_path, **changes)
    assert result.returncode == 1
    refusals = [text for text in result.stderr.splitlines() if text.startswith("refused: ")]
    assert any(line in text for text in refusals), result.stderr
    assert "Traceback" not in result.stderr
