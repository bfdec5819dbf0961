"""Profiles of the staff pages other than the pupil pages, on the follow-up data at full size.

    .venv/bin/python bench/followup_data.py --keep            # prints the database's URL
    .venv/bin/python bench/profiles/staff_pages.py --database-url sqlite:///.../bench.sqlite3 \
        [--label before|after] [--pages home-counsellor,matching-run] [--write] [--tokens FILE]

Adds to ``followup_data.build``'s data what the pages need (once; again is a no-op): a
coordinator of the first school, an admin, every ambassador ready to be proposed (an interest, a
first login), upcoming meetings at the first school, and the counsellor's matching run over all
20 schools. Then, in this process (a ``TestClient``, no network), for each page: one request to
warm up, the statements of one request, the median of ten requests (and of their SQL time — the
driver's execute — and the rest, Python), and a cProfile of ten more.
``--write`` appends the figures and the profile's top to ``bench/profiles/<page>.txt`` under
``--label``; ``--tokens`` writes a session cookie per role for a served run with wrk.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from mentor.accounts.sessions import COOKIE_NAME, start_session  # noqa: E402
from mentor.app import create_app  # noqa: E402
from mentor.config import Settings  # noqa: E402
from mentor.db import make_engine, make_sessionmaker  # noqa: E402
from mentor.matches import runs  # noqa: E402
from mentor.matches.features import Scope  # noqa: E402
from mentor.models import (  # noqa: E402
    Ambassador,
    AmbassadorInterest,
    Interest,
    Match,
    MatchRun,
    MatchState,
    Meeting,
    MeetingParticipant,
    Organisation,
    Pupil,
    Role,
    User,
)

SECRET = "bench-secret-key-that-is-long-enough-for-production"  # noqa: S105 (a benchmark)
COORDINATOR = "koordinator@bench.local"
ADMIN = "admin@bench.local"
COUNSELLOR = "vejleder@bench.local"


def _first_school(db: Session) -> Organisation:
    return db.scalars(select(Organisation).where(Organisation.code == "S001")).one()


def _busiest_ambassador(db: Session) -> User:
    """The ambassador with the most accepted mentees (and so meetings)."""
    ambassador_id = db.scalar(
        select(Match.ambassador_id)
        .where(Match.state == MatchState.ACCEPTED)
        .group_by(Match.ambassador_id)
        .order_by(func.count().desc(), Match.ambassador_id)
        .limit(1)
    )
    return db.scalars(
        select(User)
        .join(Ambassador, Ambassador.user_id == User.id)
        .where(Ambassador.id == ambassador_id)
    ).one()


def prepare(db: Session, settings: Settings) -> None:
    if db.scalar(select(User.id).where(User.email == COORDINATOR)) is not None:
        return
    school = _first_school(db)
    db.add_all(
        [
            User(
                email=COORDINATOR,
                full_name="Bench Koordinator",
                role=Role.COORDINATOR,
                organisation_id=school.id,
            ),
            User(email=ADMIN, full_name="Bench Admin", role=Role.ADMIN),
        ]
    )
    # The data fills every ambassador's five places: 300 more with room, from the same row.
    model = db.scalars(select(Ambassador).order_by(Ambassador.id).limit(1)).one()
    copied = {
        column.key: getattr(model, column.key)
        for column in Ambassador.__table__.columns
        if column.key not in ("id", "user_id")
    }
    for n in range(300):
        user = User(email=f"ny{n}@bench.local", full_name=f"Ny Ambassadør{n}", role=Role.AMBASSADOR)
        db.add(user)
        db.flush()
        db.add(Ambassador(**copied, user_id=user.id))
    db.flush()
    # Ready to be proposed: an interest and a first login (availability is in the data).
    interests = list(db.scalars(select(Interest.id).order_by(Interest.id)))
    ambassador_ids = list(db.scalars(select(Ambassador.id).order_by(Ambassador.id)))
    db.execute(
        insert(AmbassadorInterest),
        [
            {"ambassador_id": aid, "interest_id": interests[n % len(interests)]}
            for n, aid in enumerate(ambassador_ids)
        ],
    )
    now = datetime.now(UTC)
    db.execute(update(User).where(User.role == Role.AMBASSADOR).values(last_login_at=now))
    # Upcoming meetings at the first school, some waiting for the coordinator's answer.
    matches = db.execute(
        select(Match.id, Match.pupil_id, Match.ambassador_id)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(Match.state == MatchState.ACCEPTED, Pupil.school_id == school.id)
        .limit(40)
    ).all()
    for n, (match_id, pupil_id, ambassador_id) in enumerate(matches):
        starts = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=1 + n, hours=1)
        meeting = Meeting(
            ambassador_id=ambassador_id,
            school_id=school.id,
            kind="one_to_one",
            place="school",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            location="Skolen",
            state="pending" if n % 3 == 0 else "scheduled",
            uid=f"bench-upcoming-{n}@ambassador.local",
        )
        db.add(meeting)
        db.flush()
        db.add(
            MeetingParticipant(
                meeting_id=meeting.id,
                match_id=match_id,
                pupil_id=pupil_id,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
            )
        )
    counsellor = db.scalars(select(User).where(User.email == COUNSELLOR)).one()
    school_ids = tuple(
        sorted(db.scalars(select(Organisation.id).where(Organisation.kind == "primary_school")))
    )
    started = time.perf_counter()
    runs.start_run(
        db,
        actor=counsellor,
        scope=Scope(school_ids=school_ids, grades=(), include_unanswered=False),
        fair_shares=False,
        settings=settings,
    )
    print(f"matching run over {len(school_ids)} schools: {time.perf_counter() - started:.1f} s")
    db.commit()


def pages(db: Session) -> list[tuple[str, str, str]]:
    """(name, user's e-mail, path) of every page profiled."""
    counsellor = db.scalars(select(User).where(User.email == COUNSELLOR)).one()
    ambassador = _busiest_ambassador(db)
    run_id = db.scalar(
        select(MatchRun.id)
        .where(MatchRun.created_by_id == counsellor.id)
        .order_by(MatchRun.id.desc())
    )
    c, k, a, adm = COUNSELLOR, COORDINATOR, ambassador.email, ADMIN
    return [
        ("home-counsellor", c, "/"),
        ("home-coordinator", k, "/"),
        ("home-ambassador", a, "/"),
        ("home-admin", adm, "/"),
        ("followup", c, "/followup"),
        ("followup-queue", c, "/followup/queues/unmatched"),
        ("followup-caseload", c, "/followup/caseload"),
        ("matching", c, "/matching"),
        ("matching-run", c, f"/matching/runs/{run_id}"),
        ("ambassador-mentees", a, "/ambassador/mentees"),
        ("ambassador-meetings", a, "/ambassador/meetings"),
        ("school-meetings", k, "/school/meetings"),
        ("school-meetings-counsellor", c, "/school/meetings"),
        ("export", k, "/exports/download?dataset=pupils&school=S001&format=csv"),
        ("export-meetings", k, "/exports/download?dataset=meetings&school=S001&format=csv"),
        ("admin-ambassadors", adm, "/admin/ambassadors"),
        ("admin-users", adm, "/admin/users"),
    ]


def tokens(db: Session, settings: Settings, emails: set[str]) -> dict[str, str]:
    found = {}
    for email in emails:
        user = db.scalars(select(User).where(User.email == email)).one()
        found[email] = start_session(db, user=user, ip=None, user_agent=None, settings=settings)
    db.commit()
    return found


def _counted(engine: Engine, action: Callable[[], Any]) -> int:
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


def _timed_statements(engine: Engine, action: Callable[[], Any]) -> list[tuple[float, str]]:
    """Each statement of ``action`` with its milliseconds (to the end of its execute)."""
    found: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found.append(((time.perf_counter() - started.pop()) * 1000, statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return found


class _SqlClock:
    """The milliseconds spent in the driver's execute while switched on (the rest of a request is
    Python: routing, ORM rows, rendering; rows fetched after execute count as Python)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ms = 0.0
        self._started = 0.0

    def _before(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        self.ms += (time.perf_counter() - self._started) * 1000

    def __enter__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


class _Profiled:
    """The app with a profiler the test may switch on; while on, sync routes and dependencies run
    in the event loop's thread (cProfile sees one thread only), not in the thread pool."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.profiler: cProfile.Profile | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.profiler is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.profiler.enable()
        try:
            await self.app(scope, receive, send)
        finally:
            self.profiler.disable()


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _run_inline(on: bool) -> None:
    import fastapi.dependencies.utils
    import fastapi.routing
    import starlette.concurrency

    chosen = _inline if on else starlette.concurrency.run_in_threadpool
    fastapi.routing.run_in_threadpool = chosen  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = chosen  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="before")
    parser.add_argument("--pages", default="")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--tokens")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="Print each statement's time.")
    parser.add_argument("--print", action="store_true", help="Print the profile's top.")
    args = parser.parse_args()
    settings = Settings(database_url=args.database_url, secret_key=SECRET, cookie_secure=False)
    engine = make_engine(args.database_url)
    factory = make_sessionmaker(engine)
    with factory() as db:
        prepare(db, settings)
        chosen = [p for p in pages(db) if not args.pages or p[0] in args.pages.split(",")]
        cookies = tokens(db, settings, {email for _, email, _ in chosen})
    if args.tokens:
        Path(args.tokens).write_text(
            json.dumps([(name, cookies[email], path) for name, email, path in chosen], indent=1)
        )
    app = _Profiled(create_app(settings, session_factory=make_sessionmaker(engine)))
    with TestClient(app, base_url="http://testserver") as client:
        for name, email, path in chosen:
            client.cookies.set(COOKIE_NAME, cookies[email])

            def get(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            get()
            statements = _counted(engine, get)
            if args.sql:
                for ms, statement in _timed_statements(engine, get):
                    print(f"  {ms:6.1f} ms  {' '.join(statement.split())[:400]}")
            times, sql_times = [], []
            for _ in range(10):
                sql = _SqlClock(engine)
                started = time.perf_counter()
                with sql:
                    get()
                times.append((time.perf_counter() - started) * 1000)
                sql_times.append(sql.ms)
            profiler = app.profiler = cProfile.Profile()
            _run_inline(True)
            for _ in range(10):
                get()
            _run_inline(False)
            app.profiler = None
            size = len(client.get(path).content)
            python_times = [total - sql for total, sql in zip(times, sql_times, strict=True)]
            sql_ms, python_ms = statistics.median(sql_times), statistics.median(python_times)
            line = (
                f"{name:<28} {statistics.median(times):7.1f} ms (SQL {sql_ms:6.1f}, Python "
                f"{python_ms:6.1f})  {statements:3d} statements  {size // 1024:5d} KiB  {path}"
            )
            print(line, flush=True)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(args.top)
            body = "\n".join(row for row in out.getvalue().splitlines() if row.strip())
            if args.print:
                print(body)
            if args.write:
                with (HERE / f"{name}.txt").open("a") as file:
                    if file.tell() == 0:
                        file.write(
                            f"# {name}: GET {path}\n\n"
                            "Made by bench/profiles/staff_pages.py on bench/followup_data.py's "
                            "data (10,000 pupils, 1,200 ambassadors, 50,000 meetings; SQLite), in "
                            "process with a TestClient: one request to warm up, the statements of "
                            "one request, the median of ten, then cProfile over ten more (by own "
                            "time; routes run inline in the profiled thread).\n"
                        )
                    file.write(f"\n## {args.label}\n\n{line}\n\n{body}\n")
    engine.dispose()


if __name__ == "__main__":
    main()
