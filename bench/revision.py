"""Another revision of the app, checked out beside this one for a before-and-after figure."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.web_setup import ROOT


@contextmanager
def checkout_of(revision: str) -> Iterator[Path]:
    """A git worktree of ``revision`` with its catalogues compiled, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="web-bench-rev-"))
    subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), revision],  # noqa: S607
        check=True,
        capture_output=True,
    )
    try:
        # The other revision's compiled catalogues (ignored by git) are built from its .po files.
        subprocess.run(  # noqa: S603
            [str(Path(sys.executable).parent / "pybabel"), "compile", "-d", "mentor/locale"],
            cwd=folder,
            check=True,
            capture_output=True,
        )
        yield folder
    finally:
        subprocess.run(  # noqa: S603
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],  # noqa: S607
            check=False,
        )
