"""`make run`'s demo logs staff in with the printed passwords alone, and says so."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mentor.config import PROJECT_ROOT, Settings
from mentor.demo.staff import mfa_notice


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_turns_multi_factor_login_off_for_the_demo() -> None:
    done = subprocess.run(
        ["make", "-n", "run"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    demo = next(line for line in done.stdout.splitlines() if line.endswith("mentor demo"))
    serve = next(line for line in done.stdout.splitlines() if "mentor serve" in line)
    assert "MENTOR_MFA_REQUIRED_ROLES= " in demo
    assert "MENTOR_MFA_REQUIRED_ROLES= " in serve


def test_the_demo_says_whether_the_passwords_are_enough() -> None:
    off = mfa_notice(Settings(_env_file=None, mfa_required_roles=""))  # type: ignore[call-arg]
    on = mfa_notice(Settings(_env_file=None))  # type: ignore[call-arg]

    assert "Multi-factor login is off in this demo" in off
    assert "MENTOR_MFA_REQUIRED_ROLES=admin,counsellor" in off
    assert "required for: admin, counsellor" in on
