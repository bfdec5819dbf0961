"""Matching-run benchmark: a counsellor's run from the database to committed proposals.

    .venv/bin/python bench/match_run_bench.py [--sizes municipality,large]
        [--backends sqlite,postgresql] [--postgres-url URL] [--profile]

For each backend and size, builds a fresh database with the real migrations (a temporary SQLite
file; on PostgreSQL a throwaway database created next to ``--postgres-url`` and dropped at the
end), fills it with SQLAlchemy Core bulk inserts (the catalogue seed, schools and institutions, a
counsellor following every school, consenting pupils who answered the questionnaire, active
ambassadors with accounts), and times the service code as the routes call it:

    (a) ``runs.start_run`` then commit: load, solve, explain and store the preview;
    (b) ``runs.commit_run`` then commit: the proposals, their audit events and the e-mails;
    (c) the two together, against the issue's targets (municipality ≤ 0.5 s, 10,000 × 1,200
        ≤ 2 s), counting the SQL statements sent (``before_cursor_execute``).

Beside them, measured in the same process on the same data inside a transaction that is rolled
back: the ORM way of loading the input (``select(Pupil)`` and ``select(Ambassador)`` with
``selectinload``) against ``features.load_input``, and saving the proposals one ORM object and
one flush at a time against one bulk INSERT. The baselines run first, so the timed run finds a
warm database and statement cache, as a running server would. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    make_url,
    select,
    text,
)
from sqlalchemy.orm import Session, selectinload

# Run as a script from anywhere: the project root on the path, as `make` would have it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mentor.audit.maintenance import audit_maintenance
from mentor.catalogue.seed import seed_catalogues
from mentor.config import Settings
from mentor.db import Base, make_engine, make_sessionmaker, utcnow
from mentor.matches import runs
from mentor.matches.features import Scope, eligible_pupils, load_input
from mentor.migrations import upgrade
from mentor.models import (
    Ambassador,
    AmbassadorInterest,
    AmbassadorState,
    AuditEvent,
    ConsentMethod,
    ConsentState,
    CounsellorSchool,
    Interest,
    Match,
    MatchRun,
    MatchRunPupil,
    MatchState,
    Organisation,
    OrganisationKind,
    OutboxEmail,
    Programme,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
    PupilStatus,
    Role,
    User,
)
from mentor.models.pupil import pupil_sort_name
from mentor.policy import proposable_ambassadors

T = TypeVar("T")

SEED = 2026
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Loads are timed this many times each (alternately, fresh identity map); the median is shown.
LOAD_REPEATS = 3


@dataclass(frozen=True)
class Size:
    name: str
    pupils: int
    ambassadors: int
    schools: int
    institutions: int
    municipalities: int
    target_seconds: float


SIZES = {
    "municipality": Size("municipality", 2_500, 300, 12, 6, 1, 0.5),
    "large": Size("large", 10_000, 1_200, 48, 24, 4, 2.0),
}

FIRST = ["Freja", "Emil", "Ida", "Mads", "Åse", "Søren", "Clara", "Bjørn", "Yusuf", "Leila"]
LAST = ["Jensen", "Østergaard", "Bæk", "Ødegård", "Møller", "Hansen", "Al-Hassan", "Skovgård"]
MUNICIPALITIES = ["Haderslev", "Aabenraa", "Sønderborg", "Tønder"]
# Pupils' and ambassadors' programmes, weighted roughly as Danish pupils choose them.
PROGRAMME_WEIGHTS = {
    "STX": 40,
    "HHX": 12,
    "HTX": 8,
    "HF": 6,
    "EUX": 8,
    "EUD-OSP": 6,
    "EUD-KHF": 4,
    "EUD-FJO": 4,
    "EUD-TBT": 6,
    "FGU": 4,
    "EUD10": 2,
}
EXTRA_LANGUAGES = ["en", "ar", "tr", "uk", "so", "pl", "de"]
EXPLANATION = {
    "reasons": [
        {"feature": f, "contribution": 0.1, "da": "en grund", "en": "a reason"}
        for f in ("programme", "interests", "grade", "languages", "availability")
    ]
}


# Counting and timing


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.count += 1


@dataclass
class Timing:
    seconds: float = 0.0
    statements: int = 0


@contextmanager
def timed(counter: StatementCounter, into: Timing) -> Iterator[None]:
    before = counter.count
    start = time.perf_counter()
    yield
    into.seconds = time.perf_counter() - start
    into.statements = counter.count - before


@dataclass
class Result:
    backend: str
    size: Size
    eligible: int = 0
    proposals: int = 0
    mails: int = 0
    preview: Timing = field(default_factory=Timing)
    commit: Timing = field(default_factory=Timing)
    compute_seconds: float = 0.0
    core_load: Timing = field(default_factory=Timing)
    orm_load: Timing = field(default_factory=Timing)
    bulk_save: Timing = field(default_factory=Timing)
    orm_save: Timing = field(default_factory=Timing)
    saved_pairs: int = 0
    fill_seconds: float = 0.0
    all_totals: list[float] = field(default_factory=list)

    @property
    def total(self) -> Timing:
        return Timing(
            self.preview.seconds + self.commit.seconds,
            self.preview.statements + self.commit.statements,
        )


# Filling the database (Core bulk inserts)


@dataclass
class Filled:
    counsellor_id: int
    school_ids: list[int]


def _table(model: type[Base]) -> Table:
    """A mapped class's Core table (for inserts that bypass the ORM)."""
    return cast(Table, model.__table__)


def _insert_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one executemany and return their ids in the rows' order."""
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(conn.execute(statement, rows).scalars())


def _slots(rng: random.Random) -> list[dict[str, Any]]:
    slots = []
    for day in rng.sample(range(5), rng.randint(0, 3)):
        start = rng.choice([13, 14, 15, 16])
        slots.append(
            {"weekday": day, "start": f"{start}:00", "end": f"{start + rng.choice([1, 2])}:00"}
        )
    return slots


def _languages(rng: random.Random, share_other: float) -> list[str]:
    languages = ["da"]
    if rng.random() < share_other:
        languages.append(rng.choice(EXTRA_LANGUAGES))
    return languages


def fill(engine: Engine, size: Size) -> Filled:
    rng = random.Random(SEED)
    factory = make_sessionmaker(engine)
    with factory() as db:
        seed_catalogues(db)  # ORM, but a few dozen rows: the real catalogue.
        db.commit()
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now}
    with engine.begin() as conn:
        programmes = dict(
            conn.execute(select(Programme.code, Programme.id).where(Programme.valid_to.is_(None)))
            .tuples()
            .all()
        )
        codes = [c for c in PROGRAMME_WEIGHTS if c in programmes]
        weights = [PROGRAMME_WEIGHTS[c] for c in codes]
        interest_ids = list(conn.execute(select(Interest.id).where(Interest.active)).scalars())
        organisation = _table(Organisation)

        def organisations(kind: OrganisationKind, prefix: str, n: int) -> list[dict[str, Any]]:
            return [
                {
                    "kind": kind,
                    "name": f"{prefix} {i + 1}",
                    "code": f"{prefix[:4].upper()}{i + 1:03d}",
                    "municipality_name": MUNICIPALITIES[i % size.municipalities],
                    "active": True,
                    **stamps,
                }
                for i in range(n)
            ]

        school_ids = _insert_ids(
            conn,
            organisation,
            organisations(OrganisationKind.PRIMARY_SCHOOL, "Skole", size.schools),
        )
        institution_ids = _insert_ids(
            conn,
            organisation,
            organisations(OrganisationKind.YOUTH_INSTITUTION, "Institution", size.institutions),
        )
        [unit_id] = _insert_ids(
            conn,
            organisation,
            organisations(OrganisationKind.GUIDANCE_UNIT, "UU", 1),
        )
        user = _table(User)
        [counsellor_id] = _insert_ids(
            conn,
            user,
            [
                {
                    "email": "vejleder@haderslev.dk",
                    "full_name": "Vejleder Bench",
                    "role": Role.COUNSELLOR,
                    "organisation_id": unit_id,
                    "is_active": True,
                    **stamps,
                }
            ],
        )
        conn.execute(
            insert(_table(CounsellorSchool)),
            [{"counsellor_id": counsellor_id, "school_id": s} for s in school_ids],
        )

        pupil_rows = []
        for n in range(size.pupils):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            grade = rng.choices([7, 8, 9, 10], weights=[2, 4, 4, 1])[0]
            pupil_rows.append(
                {
                    "school_id": school_ids[n % len(school_ids)],
                    "school_ref": f"E{n:06d}",
                    "first_name": first,
                    "last_name": last,
                    "sort_name": pupil_sort_name(first, last),
                    "grade": grade,
                    "class_name": f"{grade}.{rng.choice('ABC')}",
                    "birth_year": 2026 - grade - 6,
                    "guardian_name": f"Forælder {last}",
                    "guardian_email": f"foraelder.{n}@example.dk",
                    "languages": _languages(rng, 0.15),
                    "availability": _slots(rng),
                    "priority": rng.random() < 0.1,
                    "status": PupilStatus.ACTIVE,
                    "last_school_year": 2027 + max(0, 9 - grade),
                    "consent_state": ConsentState.GIVEN,
                    "consent_given_by": f"Forælder {last}",
                    "consent_method": ConsentMethod.PAPER,
                    "consent_at": now - timedelta(days=30),
                    "questionnaire_completed_at": now - timedelta(days=rng.randint(1, 20)),
                    **stamps,
                }
            )
        pupil_ids = _insert_ids(conn, _table(Pupil), pupil_rows)
        pupil_interests = []
        ranked = []
        for pid in pupil_ids:
            for iid in rng.sample(interest_ids, rng.randint(1, 4)):
                pupil_interests.append({"pupil_id": pid, "interest_id": iid})
            chosen: list[str] = []
            for _ in range(rng.randint(1, 3)):
                code = rng.choices(codes, weights=weights)[0]
                if code not in chosen:
                    chosen.append(code)
            for rank, code in enumerate(chosen, 1):
                ranked.append({"pupil_id": pid, "programme_id": programmes[code], "rank": rank})
        conn.execute(insert(_table(PupilInterest)), pupil_interests)
        conn.execute(insert(_table(PupilProgrammeInterest)), ranked)

        ambassador_user_ids = _insert_ids(
            conn,
            user,
            [
                {
                    "email": f"ambassador.{n}@elev.example.dk",
                    "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "role": Role.AMBASSADOR,
                    "organisation_id": institution_ids[n % len(institution_ids)],
                    "locale": rng.choice([None, None, None, "en"]),
                    "is_active": True,
                    **stamps,
                }
                for n in range(size.ambassadors)
            ],
        )
        ambassador_rows = [
            {
                "user_id": user_id,
                "institution_id": institution_ids[n % len(institution_ids)],
                "programme_id": programmes[rng.choices(codes, weights=weights)[0]],
                "year_of_study": rng.randint(1, 3),
                "former_school_id": rng.choice(school_ids) if rng.random() < 0.3 else None,
                "birth_year": rng.randint(2005, 2009),
                "languages": _languages(rng, 0.3),
                "preferred_grades": sorted(rng.sample([7, 8, 9, 10], rng.randint(0, 3))),
                "capacity": rng.randint(1, 5),
                "availability": _slots(rng),
                "blackout_dates": [],
                "contact_preference": "email",
                "state": AmbassadorState.ACTIVE,
                "child_certificate_assessed_at": now - timedelta(days=60),
                "training_completed_at": now - timedelta(days=30),
                **stamps,
            }
            for n, user_id in enumerate(ambassador_user_ids)
        ]
        ambassador_ids = _insert_ids(conn, _table(Ambassador), ambassador_rows)
        conn.execute(
            insert(_table(AmbassadorInterest)),
            [
                {"ambassador_id": aid, "interest_id": iid}
                for aid in ambassador_ids
                for iid in rng.sample(interest_ids, rng.randint(2, 5))
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return Filled(counsellor_id=counsellor_id, school_ids=school_ids)


# Baselines (in a transaction that is rolled back)


def orm_load(db: Session, scope: Scope, now: datetime, settings: Settings) -> int:
    """The obvious ORM load of the same pupils and ambassadors, relationships eagerly loaded."""
    eligible_ids = (
        eligible_pupils(scope, now=now, buffer_days=settings.rematch_buffer_days)
        .with_only_columns(Pupil.id)
        .order_by(None)
    )
    pupils = db.scalars(
        select(Pupil)
        .where(Pupil.id.in_(eligible_ids))
        .order_by(Pupil.id)
        .options(
            selectinload(Pupil.interests),
            selectinload(Pupil.programme_interests).selectinload(PupilProgrammeInterest.programme),
        )
    ).all()
    ambassadors = db.scalars(
        proposable_ambassadors()
        .order_by(Ambassador.id)
        .options(selectinload(Ambassador.interests), selectinload(Ambassador.programme))
    ).all()
    return len(pupils) + len(ambassadors)


def alternately(
    db: Session, counter: StatementCounter, actions: list[Callable[[], object]]
) -> list[Timing]:
    """Time ``actions`` in turn for ``LOAD_REPEATS`` rounds, each from an empty identity map;
    each one's median time and its statement count."""
    timings = [[Timing() for _ in range(LOAD_REPEATS)] for _ in actions]
    for round_ in range(LOAD_REPEATS):
        for n, action in enumerate(actions):
            db.expunge_all()
            with timed(counter, timings[n][round_]):
                action()
    return [
        Timing(statistics.median(t.seconds for t in rounds), rounds[-1].statements)
        for rounds in timings
    ]


def baselines(
    factory: Callable[[], Session],
    counter: StatementCounter,
    filled: Filled,
    settings: Settings,
    result: Result,
) -> None:
    scope = Scope(school_ids=tuple(filled.school_ids))
    now = utcnow()
    buffer_days = settings.rematch_buffer_days
    with factory() as db:
        load_input(db, scope, now=now, buffer_days=buffer_days)  # warm-up, untimed
        orm_load(db, scope, now, settings)
        result.core_load, result.orm_load = alternately(
            db,
            counter,
            [
                lambda: load_input(db, scope, now=now, buffer_days=buffer_days),
                lambda: orm_load(db, scope, now, settings),
            ],
        )

        # The pairs a run would propose: each eligible pupil in turn, ambassadors' free slots.
        data = load_input(db, scope, now=now, buffer_days=buffer_days)
        slots = [int(a.id) for a in data.ambassadors for _ in range(a.capacity)]
        pairs = list(zip((int(p.id) for p in data.pupils), slots, strict=False))
        result.saved_pairs = len(pairs)

        def values() -> list[dict[str, Any]]:
            return [
                {
                    "pupil_id": p,
                    "ambassador_id": a,
                    "state": MatchState.PROPOSED,
                    "score": 0.5,
                    "explanation": EXPLANATION,
                    "model_version": "default",
                    "proposed_at": now,
                    "created_by_id": filled.counsellor_id,
                }
                for p, a in pairs
            ]

        savepoint = db.begin_nested()
        with timed(counter, result.orm_save):
            for row in values():
                db.add(Match(**row))
                db.flush()
        savepoint.rollback()
        db.expunge_all()
        savepoint = db.begin_nested()
        with timed(counter, result.bulk_save):
            db.execute(insert(Match), values())
        savepoint.rollback()
        db.rollback()


# The run


def the_run(
    factory: Callable[[], Session],
    counter: StatementCounter,
    filled: Filled,
    settings: Settings,
    result: Result,
) -> None:
    scope = Scope(school_ids=tuple(filled.school_ids))
    with factory() as db:
        actor = db.get(User, filled.counsellor_id)
        assert actor is not None
        with timed(counter, result.preview):
            run = runs.start_run(db, actor=actor, scope=scope, fair_shares=False, settings=settings)
            db.commit()
        with timed(counter, result.commit):
            result.proposals = runs.commit_run(db, actor=actor, run=run, settings=settings)
            db.commit()
        stats = run.stats or {}
        result.eligible = int(stats.get("eligible", 0))
        result.compute_seconds = float(stats.get("seconds", 0.0))
        result.mails = db.scalar(select(func.count(OutboxEmail.id))) or 0
        open_matches = db.scalar(
            select(func.count(Match.id)).where(Match.run_id == run.id, Match.state == "proposed")
        )
        assert open_matches == result.proposals, (open_matches, result.proposals)


REPEATS = 3


def undo_runs(factory: Callable[[], Session]) -> None:
    """Delete what runs wrote (proposals, their audit events and mails, the runs)."""
    with factory() as db:
        with audit_maintenance(db, reason="benchmark undo"):
            db.execute(delete(AuditEvent).where(AuditEvent.object_type.in_(("match", "match_run"))))
        db.execute(delete(OutboxEmail))
        db.execute(delete(Match).where(Match.run_id.is_not(None)))
        db.execute(delete(MatchRunPupil))
        db.execute(delete(MatchRun))
        db.commit()


def bench(url: str, backend: str, size: Size, profile: bool) -> Result:
    result = Result(backend=backend, size=size)
    upgrade(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        filled = fill(engine, size)
        result.fill_seconds = time.perf_counter() - started
        print(f"  {backend} {size.name}: filled in {result.fill_seconds:.1f} s", file=sys.stderr)
        factory = make_sessionmaker(engine)
        settings = Settings(database_url=url)
        counter = StatementCounter(engine)
        baselines(factory, counter, filled, settings, result)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            the_run(factory, counter, filled, settings, result)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(
                os.environ.get("SORT", "cumulative")
            ).print_stats(30)
            print(f"\n### Profile: {backend}, {size.name}\n\n```\n{out.getvalue()}```\n")
        else:
            # The median of a few runs (the machine varies by ±20 % from one run to the next),
            # each on the same data: what a run wrote is deleted before the next.
            tries = []
            for _ in range(REPEATS):
                attempt = replace(result, preview=Timing(), commit=Timing())
                the_run(factory, counter, filled, settings, attempt)
                tries.append(attempt)
                undo_runs(factory)
            chosen = sorted(tries, key=lambda r: r.total.seconds)[len(tries) // 2]
            result.preview, result.commit = chosen.preview, chosen.commit
            result.eligible, result.proposals = chosen.eligible, chosen.proposals
            result.compute_seconds, result.mails = chosen.compute_seconds, chosen.mails
            result.all_totals = [r.total.seconds for r in tries]
    finally:
        engine.dispose()
    return result


@contextmanager
def fresh_database(backend: str, folder: Path, postgres_url: str) -> Iterator[str]:
    """A new, empty database's URL (as tests/throwaway_database.py makes them); dropped after."""
    if backend == "sqlite":
        path = folder / f"bench-{secrets.token_hex(4)}.sqlite3"
        yield f"sqlite:///{path}"
        return
    name = f"mentor_bench_{secrets.token_hex(6)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# Report


def _s(timing: Timing) -> str:
    return f"{timing.seconds:.3f} s ({timing.statements} st.)"


def _ratio(ours: Timing, baseline: Timing) -> str:
    return f"{baseline.seconds / ours.seconds:.0f}×" if ours.seconds > 0 else "–"


def report(results: list[Result]) -> None:
    print("\n## Matching run, database to committed proposals\n")
    print(
        "| backend | size | eligible × ambassadors | proposals | mails queued "
        "| (a) start_run + commit | of which compute | (b) commit_run + commit "
        "| (c) total | target | met |"
    )
    print("|---|---|---|--:|--:|--:|--:|--:|--:|--:|:-:|")
    for r in results:
        met = "yes" if r.total.seconds <= r.size.target_seconds else "**no**"
        print(
            f"| {r.backend} | {r.size.name} | {r.eligible:,} × {r.size.ambassadors:,} "
            f"| {r.proposals:,} | {r.mails:,} | {_s(r.preview)} | {r.compute_seconds:.3f} s "
            f"| {_s(r.commit)} | {_s(r.total)} "
            f"({', '.join(f'{t:.2f}' for t in r.all_totals)}) "
            f"| ≤ {r.size.target_seconds:g} s | {met} |"
        )
    print("\n## Baselines, same data, same process (rolled back)\n")
    print(
        "| backend | size | load: features.load_input (Core) | load: ORM selectinload "
        "| Core faster by | save N proposals | save: one bulk INSERT "
        "| save: ORM add + flush per pair | bulk faster by |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for r in results:
        print(
            f"| {r.backend} | {r.size.name} | {_s(r.core_load)} | {_s(r.orm_load)} "
            f"| {_ratio(r.core_load, r.orm_load)} | {r.saved_pairs:,} | {_s(r.bulk_save)} "
            f"| {_s(r.orm_save)} | {_ratio(r.bulk_save, r.orm_save)} |"
        )
    print(
        f"\nLoads: median of {LOAD_REPEATS} warm calls each. (a) includes the preview's commit, "
        "as the route does; 'compute' is the run's own stats.seconds (load + solve + explain). "
        "'st.' = statements sent to the database."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="municipality,large")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the timed run, top 30 cumulative"
    )
    args = parser.parse_args()
    sizes = [SIZES[name.strip()] for name in args.sizes.split(",") if name.strip()]
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    for backend in backends:
        if backend not in ("sqlite", "postgresql"):
            parser.error(f"unknown backend {backend!r}")
    started = datetime.now(UTC)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            for size in sizes:
                with fresh_database(backend, Path(folder), args.postgres_url) as url:
                    results.append(bench(url, backend, size, args.profile))
    report(results)
    print(f"\n(seed {SEED}; {(datetime.now(UTC) - started).total_seconds():.0f} s in all)")


if __name__ == "__main__":
    main()
