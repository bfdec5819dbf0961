"""The README names every page a role can reach (from the authorization matrix), under that
role's heading; and `make run` takes a port that e-mailed links follow."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from mentor.config import PROJECT_ROOT
from mentor.models import Role
from tests.site.authorization_matrix import MATRIX
from tests.site.matrix_roles import ANONYMOUS, Outcome

SECTIONS = {
    ANONYMOUS: "Anyone (no login)",
    Role.COORDINATOR.value: "School coordinator",
    Role.COUNSELLOR.value: "Guidance counsellor",
    Role.AMBASSADOR.value: "Ambassador",
    Role.ADMIN.value: "Admin",
}
# Not pages: the health check for load balancers.
NOT_PAGES = {"/healthz"}


def _section(readme: str, heading: str) -> str:
    part = readme.split(f"\n### {heading}\n", 1)[1]
    return re.split(r"\n#{2,3} ", part, maxsplit=1)[0]


def _reachable(role: str) -> set[str]:
    paths = set()
    for (method, path), outcomes in MATRIX.items():
        if method != "GET" or path in NOT_PAGES or outcomes.get(role) is not Outcome.ALLOW:
            continue
        if role != ANONYMOUS and outcomes.get(ANONYMOUS) is Outcome.ALLOW:
            continue  # public pages are listed once, under "Anyone"
        paths.add(re.sub(r"{(\w+):\w+}", r"{\1}", path))
    return paths


@pytest.mark.parametrize("role", SECTIONS)
def test_the_readme_names_every_page_a_role_can_reach(role: str) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = _section(readme, SECTIONS[role])
    named = set(re.findall(r"`(/[^`\s]*)`", section))
    assert _reachable(role) - named == set()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_on_the_given_port_and_links_follow_it() -> None:
    def dry_run(*args: str) -> str:
        # Our own Makefile with fixed arguments, dry run only.
        done = subprocess.run(
            ["make", "-n", "run", *args],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin"},
        )
        return done.stdout

    chosen = dry_run("PORT=8010")
    assert "--port 8010" in chosen
    assert "MENTOR_BASE_URL=http://127.0.0.1:8010 " in chosen
    assert "--port 8000" in dry_run()
    proxied = dry_run("PORT=8010", "MENTOR_BASE_URL=https://ambassador.example")
    assert "MENTOR_BASE_URL=https://ambassador.example " in proxied
