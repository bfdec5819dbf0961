"""Counted aggregates are reused only while the data they were counted from is unchanged.

``mentor.data_generation.remembered`` keeps a result beside the data's generation; these tests
change the data in every way the app does (a session's commit, a Core statement, a rolled-back
transaction, another process's engine) and check that the next call counts anew, and that the
writes no aggregate reads (audit, sessions) and the passing of a few seconds do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from mentor.data_generation import MAX_AGE, changes_table, current, remembered
from mentor.db import make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import AuditAction, AuditEvent, ConsentState, Organisation, Pupil, Role
from tests.factories import make_counsellor_school, make_pupil, make_school, make_user
from tests.throwaway_database import BACKENDS, throwaway_database
from tests.web import sign_in

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


class Counter:
    """``count`` for ``remembered``: the number of pupils, and how often it was counted."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return int(self.db.scalar(select(func.count()).select_from(Pupil)) or 0)

    def get(self, *, now: datetime = NOW) -> int:
        return remembered(self.db, ("pupils",), now=now, count=self)


def test_a_result_is_reused_until_a_commit_changes_the_data(db: Session) -> None:
    school = make_school(db)
    db.commit()
    counter = Counter(db)
    assert counter.get() == 0
    assert counter.get() == 0
    assert counter.calls == 1

    make_pupil(db, school=school)
    db.commit()
    assert counter.get() == 1
    assert counter.calls == 2


def test_a_core_update_changes_the_generation(db: Session) -> None:
    pupil = make_pupil(db, school=make_school(db))
    db.commit()
    before = current(db)
    db.execute(update(Pupil).where(Pupil.id == pupil.id).values(class_name="9.x"))
    db.commit()
    assert current(db) != before


def test_a_rolled_back_change_does_not_leave_its_result_behind(db: Session) -> None:
    school = make_school(db)
    db.commit()
    counter = Counter(db)
    assert counter.get() == 0
    with db.begin_nested():
        make_pupil(db, school=school)
        db.flush()
        # Counted inside the change, which is not committed: neither reused nor kept.
        assert counter.get() == 1
        assert counter.get() == 1
        db.rollback()
    assert counter.get() == 0
    assert counter.calls == 4


def test_the_audit_and_sessions_leave_results_alone(db: Session) -> None:
    make_school(db)
    user = make_user(db, role=Role.COUNSELLOR)
    db.commit()
    counter = Counter(db)
    counter.get()
    db.add(AuditEvent(actor_id=user.id, action=AuditAction.READ, object_type="pupil"))
    db.commit()
    counter.get()
    assert counter.calls == 1


def test_time_passing_counts_anew_after_the_maximum_age(db: Session) -> None:
    counter = Counter(db)
    counter.get()
    counter.get(now=NOW + MAX_AGE - timedelta(seconds=1))
    assert counter.calls == 1
    counter.get(now=NOW + MAX_AGE)
    assert counter.calls == 2
    # A clock moved back (a test, a corrected server clock) never reuses a result from its future.
    counter.get(now=NOW - timedelta(seconds=1))
    assert counter.calls == 3


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ("INSERT INTO pupil (first_name) VALUES (?)", "pupil"),
        ('INSERT OR REPLACE INTO "match" (id) VALUES (1)', "match"),
        ("UPDATE meeting SET state = 'held'", "meeting"),
        ('DELETE FROM "pupil" WHERE id = 1', "pupil"),
        ("INSERT INTO audit_event (action) VALUES ('read')", None),
        ("UPDATE login_session SET last_seen_at = ?", None),
        ("SELECT * FROM pupil", None),
    ],
)
def test_which_statements_change_the_data(statement: str, table: str | None) -> None:
    assert changes_table(statement) == table


@pytest.fixture(params=BACKENDS)
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one migrated database, as two worker processes would have."""
    with throwaway_database(request.param, tmp_path) as url:
        upgrade(url)
        first, second = make_engine(url), make_engine(url)
        try:
            yield first, second
        finally:
            first.dispose()
            second.dispose()


def test_a_change_by_one_worker_is_counted_by_the_other(two_workers: tuple[Engine, Engine]) -> None:
    writer_engine, reader_engine = two_workers
    writers: sessionmaker[Session] = make_sessionmaker(writer_engine)
    readers: sessionmaker[Session] = make_sessionmaker(reader_engine)
    with writers() as db:
        school_id = make_school(db).id
        db.commit()
    with readers() as db:
        assert Counter(db).get() == 0
    with writers() as db:
        make_pupil(db, school=db.get_one(Organisation, school_id))
        db.commit()
    with readers() as db:
        counter = Counter(db)
        assert counter.get() == 1
        assert counter.calls == 1
    with writers() as db:
        db.execute(delete(Pupil))
        db.commit()
    with readers() as db:
        assert Counter(db).get() == 0


def test_the_dashboard_counts_a_consent_given_since_the_last_visit(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    pupil = make_pupil(db, school=school, consent_state=ConsentState.MISSING)
    db.commit()
    sign_in(client, db, counsellor)
    link = 'href="/followup/queues/no-consent"'

    def no_consent() -> str:
        page = client.get("/followup").text
        row = page[page.index(link) :]
        return row[row.index("<td>") + 4 : row.index("</td>")]

    assert no_consent() == "1"
    assert no_consent() == "1"
    pupil.consent_state = ConsentState.GIVEN
    db.commit()
    assert no_consent() == "0"
