"""Profile one request of the pupil list, the pupil search and the pupil page, in-process.

    .venv/bin/python bench/profiles/pupil_pages.py --database-url URL [--requests 100]
        [--profiler pyinstrument|cprofile] [--write --label TEXT]

Runs against a database built by ``bench/followup_data.py --keep`` (10,000 pupils, 1,200
ambassadors, 50,000 meetings): logs in its counsellor (the one who follows all 20 schools), then
requests each page from the real ASGI app, called in this thread (sync routes and dependencies
run inline instead of in the thread pool, so that the profiler sees them): a warm-up, then
``--requests`` timed requests (ms a request, wall and CPU, and the SQL time and statements a
request, measured at the cursor), then as many again under the profiler (pyinstrument, a
sampling profiler installed by hand: ``.venv/bin/pip install pyinstrument``; not a project
dependency). The pupil page is the pupil with the most meetings. With ``--write`` the
summaries are appended to bench/profiles/pupil_{list,search,page}.txt under ``--label``.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import anyio.to_thread

from mentor.accounts.sessions import start_session
from mentor.app import create_app
from mentor.config import Settings
from mentor.db import make_engine, make_sessionmaker
from mentor.models import CounsellorSchool, MeetingParticipant, User

HERE = Path(__file__).resolve().parent


class _SqlClock:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements = 0

    def before(self, conn: Any, *_: Any) -> None:
        conn.info["_pupil_bench_start"] = time.perf_counter()

    def after(self, conn: Any, *_: Any) -> None:
        self.seconds += time.perf_counter() - conn.info.pop("_pupil_bench_start")
        self.statements += 1


async def _inline(func: Any, *args: Any, **_: Any) -> Any:
    return func(*args)


def _get(app: Any, url: str, token: str) -> int:
    """One GET through the ASGI app in this thread; returns the status."""
    path, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            (b"cookie", f"mentor_session={token}".encode()),
            (b"accept-language", b"da"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    async def run() -> None:
        await app(scope, receive, send)

    anyio.run(run)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--label", default="")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--profiler",
        choices=["pyinstrument", "cprofile"],
        default="pyinstrument",
        help="pyinstrument (sampling, `pip install pyinstrument`; not a project dependency)",
    )
    args = parser.parse_args()
    settings = Settings(database_url=args.database_url, cookie_secure=False)
    factory = make_sessionmaker(make_engine(args.database_url))
    with factory() as db:
        counsellor = db.scalars(
            select(User)
            .join(CounsellorSchool, CounsellorSchool.counsellor_id == User.id)
            .group_by(User.id)
            .order_by(func.count().desc())
        ).first()
        assert counsellor is not None
        token = start_session(db, user=counsellor, ip=None, user_agent="bench", settings=settings)
        pupil_id = db.scalar(
            select(MeetingParticipant.pupil_id)
            .group_by(MeetingParticipant.pupil_id)
            .order_by(func.count().desc(), MeetingParticipant.pupil_id)
            .limit(1)
        )
        db.commit()
    clock = _SqlClock()
    event.listen(Engine, "before_cursor_execute", clock.before)
    event.listen(Engine, "after_cursor_execute", clock.after)
    app = create_app(settings)
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    pages = {
        "list": "/pupils",
        "search": "/pupils?q=s%C3%B8r",
        "page": f"/pupils/{pupil_id}",
    }
    for name, url in pages.items():
        for _ in range(5):
            status = _get(app, url, token)
            assert status == 200, (url, status)
        clock.seconds, clock.statements = 0.0, 0
        start, cpu_start = time.perf_counter(), time.thread_time()
        for _ in range(args.requests):
            _get(app, url, token)
        per_request = (time.perf_counter() - start) * 1000 / args.requests
        sql_ms = clock.seconds * 1000 / args.requests
        statements = clock.statements // args.requests
        # CPU time too: the machine may be shared, and waiting for a core is not the page's cost.
        cpu_per_request = (time.thread_time() - cpu_start) * 1000 / args.requests
        out = io.StringIO()
        if args.profiler == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(args.requests):
                _get(app, url, token)
            profiler.stop()
            out.write(profiler.output_text(unicode=True, color=False, short_mode=True))
        else:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                _get(app, url, token)
            profile.disable()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats("cumulative").print_stats(45)
            out.write("\n--- by own time ---\n")
            stats.sort_stats("tottime").print_stats(25)
        summary = (
            f"{name}: GET {url} — {per_request:.1f} ms a request in-process "
            f"({cpu_per_request:.1f} ms CPU; {args.requests} requests), "
            f"SQL {sql_ms:.1f} ms in {statements} statements"
        )
        print(summary)
        if args.write:
            header = (
                f"===== {args.label or 'run'} =====\n"
                f"Made with: .venv/bin/python bench/profiles/pupil_pages.py --database-url "
                f"{args.database_url.split('///')[0]}///… --requests {args.requests} "
                f"--profiler {args.profiler} (data: bench/followup_data.py --keep; the counsellor "
                f"of all 20 schools; the ASGI app called in-process, {args.requests} requests "
                f"profiled)\n"
                f"{summary}\n\n"
            )
            path = HERE / f"pupil_{name}.txt"
            with path.open("a", encoding="utf-8") as file:
                file.write(header + out.getvalue() + "\n\n")


if __name__ == "__main__":
    main()
