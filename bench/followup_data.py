"""A municipality at full size for the follow-up pages, and the dashboard timed on it.

    .venv/bin/python bench/followup_data.py [--pupils 10000] [--ambassadors 1200]
        [--meetings 50000] [--database-url URL] [--keep]

Builds a fresh database with the real migrations (a temporary SQLite file unless a URL is given,
e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench — it must be empty) and fills it with
Core bulk inserts: 20 schools with one counsellor for all, pupils in grades 7–10 (most with
consent, many with answered questionnaires), ambassadors, proposals and accepted matches, and
meetings over the school year with participants, logs (some flagged) and feedback. Then it times
the counsellor's dashboard (every queue counted) and one queue's first page, with the number of
statements each sends, beside a naive baseline that loads the rows into Python and counts them
there. The web benchmark of a later issue reuses ``build`` for its data. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, event, insert, select
from sqlalchemy.orm import Session

# Run as a script from anywhere: the project root on the path, as `make` would have it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mentor.catalogue.seed import seed_catalogues
from mentor.config import Settings
from mentor.db import bulk_insert, make_engine, make_sessionmaker
from mentor.followup.queue_counts import counts
from mentor.followup.queue_pages import QueueFilters, queue_page
from mentor.followup.queues import QueueKey
from mentor.migrations import upgrade
from mentor.models import (
    Ambassador,
    CounsellorSchool,
    Feedback,
    Match,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    Organisation,
    Programme,
    Pupil,
    Role,
    User,
)
from mentor.models.pupil import pupil_sort_name

T = TypeVar("T")
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
SCHOOL_YEAR_START = datetime(2026, 8, 17, 8, 0, tzinfo=UTC)
FIRST = ["Freja", "Emil", "Ida", "Mads", "Åse", "Søren", "Clara", "Bjørn", "Yusuf", "Leila"]
LAST = ["Jensen", "Østergaard", "Bæk", "Møller", "Hansen", "Al-Hassan", "Skovgård"]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _ids(session: Session, model: Any) -> list[int]:
    return list(session.scalars(select(model.id).order_by(model.id)))


def _names(first: str, last: str) -> dict[str, str]:
    return {"first_name": first, "last_name": last, "sort_name": pupil_sort_name(first, last)}


def build(session: Session, *, pupils: int, ambassadors: int, meetings: int, seed: int = 7) -> User:
    """Fill an empty, migrated database; returns the counsellor who follows every school."""
    rng = random.Random(seed)
    seed_catalogues(session)
    programme_id = session.scalar(select(Programme.id).order_by(Programme.id))
    session.execute(
        insert(Organisation),
        [
            {
                "kind": "primary_school",
                "name": f"Skole {n}",
                "code": f"S{n:03d}",
                "active": True,
                "school_hours": [],
                "meeting_confirmation_required": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(20)
        ]
        + [
            {
                "kind": "youth_institution",
                "name": "Gymnasiet",
                "code": "GYM",
                "active": True,
                "school_hours": [],
                "meeting_confirmation_required": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
        ],
    )
    organisations = _ids(session, Organisation)
    schools, institution = organisations[:20], organisations[20]
    counsellor = User(
        email="vejleder@bench.local", full_name="Bench Vejleder", role=Role.COUNSELLOR
    )
    session.add(counsellor)
    session.flush()
    session.execute(
        insert(CounsellorSchool),
        [{"counsellor_id": counsellor.id, "school_id": school} for school in schools],
    )
    bulk_insert(
        session,
        _table(User),
        [
            {
                "email": f"amb{n}@bench.local",
                "full_name": f"{rng.choice(FIRST)} Amb{n}",
                "role": "ambassador",
                "organisation_id": institution,
                "is_active": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(ambassadors)
        ],
    )
    user_ids = list(
        session.scalars(select(User.id).where(User.role == "ambassador").order_by(User.id))
    )
    bulk_insert(
        session,
        _table(Ambassador),
        [
            {
                "user_id": user_id,
                "institution_id": institution,
                "programme_id": programme_id,
                "year_of_study": 2,
                "languages": ["da"],
                "preferred_grades": [],
                "capacity": 5,
                "availability": [
                    {"weekday": d, "start": "13:00", "end": "16:00"} for d in range(5)
                ],
                "blackout_dates": [],
                "contact_preference": "email",
                "state": "active",
                "child_certificate_assessed_at": NOW - timedelta(days=rng.randint(10, 800)),
                "training_completed_at": NOW - timedelta(days=300),
                "created_at": NOW,
                "updated_at": NOW,
            }
            for user_id in user_ids
        ],
    )
    ambassador_ids = _ids(session, Ambassador)
    bulk_insert(
        session,
        _table(Pupil),
        [
            {
                "school_id": schools[n % 20],
                "school_ref": f"E{n}",
                # The real sort key: the list's order and its name search depend on it.
                **_names(rng.choice(FIRST), f"{rng.choice(LAST)}{n}"),
                "grade": 7 + n % 4,
                "class_name": f"{7 + n % 4}.a",
                "languages": ["da"],
                "availability": [],
                "priority": False,
                "status": "active",
                "last_school_year": 2027,
                "consent_state": "given" if rng.random() < 0.85 else "missing",
                "consent_given_by": "Forælder",
                "consent_method": "paper",
                "consent_at": SCHOOL_YEAR_START + timedelta(days=rng.randint(0, 60)),
                "questionnaire_completed_at": NOW - timedelta(days=rng.randint(1, 100))
                if rng.random() < 0.7
                else None,
                "created_at": SCHOOL_YEAR_START,
                "updated_at": NOW,
            }
            for n in range(pupils)
        ],
    )
    pupil_ids = _ids(session, Pupil)
    matched = pupil_ids[: int(pupils * 0.6)]
    bulk_insert(
        session,
        _table(Match),
        [
            {
                "pupil_id": pupil_id,
                "ambassador_id": ambassador_ids[n % len(ambassador_ids)],
                "state": "accepted" if n % 10 else "proposed",
                "model_version": "bench",
                "proposed_at": NOW - timedelta(days=rng.randint(1, 120)),
                "responded_at": NOW - timedelta(days=rng.randint(1, 100)) if n % 10 else None,
            }
            for n, pupil_id in enumerate(matched)
        ],
    )
    match_rows = session.execute(
        select(Match.id, Match.pupil_id, Match.ambassador_id, Pupil.school_id)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(Match.state == "accepted")
    ).all()
    # Meetings one after another per ambassador, an hour apart: never double-booked.
    meeting_rows, slots = [], {}
    for n in range(meetings):
        match_id, pupil_id, ambassador_id, school_id = match_rows[n % len(match_rows)]
        slot = slots.get(ambassador_id, 0)
        slots[ambassador_id] = slot + 1
        starts = SCHOOL_YEAR_START + timedelta(days=slot * 2, hours=rng.randint(0, 5))
        meeting_rows.append(
            {
                "ambassador_id": ambassador_id,
                "school_id": school_id,
                "kind": "one_to_one",
                "place": "school",
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=45),
                "location": "Skolen",
                "state": "held" if starts < NOW else "scheduled",
                "uid": f"bench-{n}@ambassador.local",
                "sequence": 0,
                "log_nudges_sent": 0,
                "created_at": NOW,
                "updated_at": NOW,
                "_pupil": pupil_id,
                "_match": match_id,
            }
        )
    bulk_insert(
        session,
        _table(Meeting),
        [{k: v for k, v in row.items() if not k.startswith("_")} for row in meeting_rows],
    )
    meeting_ids = _ids(session, Meeting)
    bulk_insert(
        session,
        _table(MeetingParticipant),
        [
            {
                "meeting_id": meeting_id,
                "match_id": row["_match"],
                "pupil_id": row["_pupil"],
                "starts_at": row["starts_at"],
                "ends_at": row["ends_at"],
                "booked": True,
                "attendance": "present" if row["state"] == "held" else "unknown",
            }
            for meeting_id, row in zip(meeting_ids, meeting_rows, strict=True)
        ],
    )
    held = [
        (mid, row)
        for mid, row in zip(meeting_ids, meeting_rows, strict=True)
        if row["state"] == "held"
    ]
    logged = [(mid, row) for mid, row in held if rng.random() < 0.9]
    bulk_insert(
        session,
        _table(MeetingLog),
        [
            {
                "meeting_id": mid,
                "topics": ["programmes"],
                "summary": "Vi talte om uddannelser.",
                "needs_follow_up": flagged,
                "follow_up_priority": "normal" if flagged else None,
                "follow_up_reason": "Tvivl" if flagged else None,
                "logged_at": row["ends_at"],
            }
            for mid, row in logged
            for flagged in [rng.random() < 0.05]
        ],
    )
    bulk_insert(
        session,
        _table(Feedback),
        [
            {
                "meeting_id": mid,
                "pupil_id": row["_pupil"],
                "rating": rng.randint(1, 5),
                "helped": "yes",
                "submitted_at": row["ends_at"] + timedelta(days=1),
            }
            for mid, row in logged
            if rng.random() < 0.3
        ],
    )
    session.flush()
    return counsellor


def _timed(engine: Engine, action: Callable[[], T]) -> tuple[float, int, T]:
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        start = time.perf_counter()
        result = action()
        return time.perf_counter() - start, statements, result
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _naive_counts(session: Session) -> int:
    """The baseline: every pupil, match and meeting loaded, the queues counted in Python."""
    pupils = session.scalars(select(Pupil)).all()
    matches = session.scalars(select(Match)).all()
    meetings = session.scalars(select(Meeting)).all()
    open_pupils = {m.pupil_id for m in matches if m.state.value in ("proposed", "accepted")}
    return (
        sum(p.consent_state.value != "given" for p in pupils)
        + sum(p.id not in open_pupils for p in pupils)
        + len(meetings)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--ambassadors", type=int, default=1_200)
    parser.add_argument("--meetings", type=int, default=50_000)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary SQLite file.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    settings = Settings(database_url=url)
    with factory() as session:
        start = time.perf_counter()
        counsellor = build(
            session, pupils=args.pupils, ambassadors=args.ambassadors, meetings=args.meetings
        )
        session.commit()
        # Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would have them.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        print(
            f"data: {args.pupils} pupils, {args.ambassadors} ambassadors, "
            f"{args.meetings} meetings in {time.perf_counter() - start:.1f} s ({url})"
        )
    with factory() as session:
        for _ in range(2):  # the second run is the one reported (warm caches)
            seconds, statements, (_t, queues) = _timed(
                engine, lambda: counts(session, user=counsellor, now=NOW, settings=settings)
            )
        print(
            f"dashboard (all {len(queues)} queues): {seconds * 1000:.0f} ms, "
            f"{statements} statements"
        )
        for queue in queues:
            print(f"  {queue.key.value:<18} {queue.count:>6}")
        seconds, statements, page = _timed(
            engine,
            lambda: queue_page(
                session,
                user=counsellor,
                key=QueueKey.UNMATCHED,
                filters=QueueFilters(),
                now=NOW,
                settings=settings,
            ),
        )
        print(
            f"queue page (unmatched, first 50 of {page.total}): {seconds * 1000:.0f} ms, "
            f"{statements} statements"
        )
        seconds, statements, _ = _timed(engine, lambda: _naive_counts(session))
        print(
            f"baseline (rows loaded into Python, three counts): {seconds * 1000:.0f} ms, "
            f"{statements} statements"
        )
    engine.dispose()
    if not args.keep and args.database_url is None:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
