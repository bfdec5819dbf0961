"""One page, requested in-process again and again: milliseconds per request, and where they go.

    .venv/bin/python bench/profile_request.py --database-url sqlite:///FILE --path /account \
        --role counsellor [--requests 300] [--profile] [--top 40]

Builds the app with ``create_app`` on an existing database (``bench/followup_data.py --keep``
makes one), starts a login session for the first user of ``--role`` (``anonymous``: none) and
calls the ASGI app directly, one request after the other — no server, no socket, no HTTP parsing
— so what is timed is the app's own work: middleware, dependencies (on the thread pool, as
served), the route and the template. ``--profile`` runs the same requests under yappi (which sees
every thread, the pool's too; ``pip install yappi``) and prints the functions by total time.
The session it made is deleted at the end. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from mentor.accounts.sessions import COOKIE_NAME, end_session, start_session
from mentor.app import create_app
from mentor.config import Settings
from mentor.models import Role, User


def _session_cookie(app: Any, settings: Settings, role: str) -> bytes:
    if role == "anonymous":
        return b""
    with app.state.session_factory() as db:
        user = db.scalar(select(User).where(User.role == Role(role)).order_by(User.id).limit(1))
        if user is None:
            raise SystemExit(f"no user with the role {role} in the database")
        token = start_session(db, user=user, ip=None, user_agent="profile", settings=settings)
        db.commit()
    return f"{COOKIE_NAME}={token}".encode()


def _end_session(app: Any, cookie: bytes) -> None:
    if cookie:
        with app.state.session_factory() as db:
            end_session(db, token=cookie.decode().split("=", 1)[1])
            db.commit()


async def _request(app: Any, path: str, cookie: bytes) -> int:
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), *([(b"cookie", cookie)] if cookie else [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _run(app: Any, path: str, cookie: bytes, requests: int) -> list[float]:
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        status = await _request(app, path, cookie)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--bare", action="store_true", help="bench/bare_page.py instead")
    parser.add_argument("--role", default="counsellor", help="admin, counsellor, … or anonymous")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    arguments = parser.parse_args()

    settings = Settings(database_url=arguments.database_url, cookie_secure=False)
    if arguments.bare:
        os.environ["BARE_DATABASE_URL"] = arguments.database_url
        from bench.bare_page import app

        arguments.role = "anonymous"
    else:
        app = create_app(settings)
    cookie = _session_cookie(app, settings, arguments.role)
    try:
        for path in arguments.path:
            asyncio.run(_run(app, path, cookie, 20))  # warm up: templates compiled, pool filled
            timings = asyncio.run(_run(app, path, cookie, arguments.requests))
            print(
                f"{path} as {arguments.role}: {statistics.median(timings):.2f} ms median, "
                f"{statistics.mean(timings):.2f} ms mean over {len(timings)} requests"
            )
        if arguments.profile:
            import yappi  # type: ignore[import-untyped]

            yappi.set_clock_type("wall")
            yappi.start(builtins=False)
            for path in arguments.path:
                asyncio.run(_run(app, path, cookie, arguments.requests))
            yappi.stop()
            stats = yappi.get_func_stats()
            stats.sort("ttot", "desc")
            print(f"\nyappi, wall clock, all threads, {arguments.requests} requests a path:")
            stats.print_all(
                out=sys.stdout,
                columns={0: ("name", 90), 1: ("ncall", 8), 3: ("ttot", 8), 4: ("tavg", 8)},
            )
    finally:
        _end_session(app, cookie)


if __name__ == "__main__":
    main()
