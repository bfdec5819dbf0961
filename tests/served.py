"""The app served over a real socket by ``mentor serve`` in a process of its own, for the tests
of what only a real server shows (uvicorn's headers and proxy handling, a killed process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import TEST_SECRET, free_port

START_SECONDS = 30


def start_serving(
    tmp_path: Path, url: str, **environment: str
) -> tuple[subprocess.Popen[bytes], int]:
    """``mentor serve`` on ``url`` and a free port, once it listens; the caller ends it."""
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("mentor"), "serve", "--port", str(port)],
        env={
            **os.environ,
            "MENTOR_DATABASE_URL": url,
            "MENTOR_COOKIE_SECURE": "false",
            "MENTOR_ENV": "test",
            "MENTOR_SECRET_KEY": TEST_SECRET,
            "MENTOR_MAIL_DIR": str(tmp_path / "mail"),
            **environment,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
    except BaseException:
        server.kill()
        server.wait()
        raise
    return server, port
