"""The demo's lived-in term: every meeting page has something to show, and the second school's
logins see their own school only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.demo import DEMO_LOGINS, OTHER_DEMO_LOGINS, load_demo
from mentor.models import (
    Feedback,
    FollowUpPriority,
    Meeting,
    MeetingLog,
    MeetingState,
    Role,
    User,
)
from tests.conftest import FakeClock
from tests.web import log_in

# A Saturday in December, in the middle of the demo's school year.
LOADED = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _user(db: Session, email: str) -> User:
    return db.scalars(select(User).where(User.email == email)).one()


def test_the_term_has_held_logged_flagged_upcoming_moved_and_cancelled_meetings(
    db: Session, settings: Settings
) -> None:
    load_demo(db, now=LOADED, settings=settings)
    load_demo(db, now=LOADED, settings=settings)  # idempotent

    states = Counter(db.scalars(select(Meeting.state)))
    assert states[MeetingState.HELD] >= 3
    assert states[MeetingState.CANCELLED] == 1
    assert states[MeetingState.PENDING] >= 1
    assert states[MeetingState.SCHEDULED] >= 2
    upcoming = db.scalar(select(func.count(Meeting.id)).where(Meeting.starts_at > LOADED))
    assert (upcoming or 0) >= 2
    moved = db.scalar(
        select(func.count(Meeting.id)).where(
            Meeting.state == MeetingState.PENDING, Meeting.sequence >= 2
        )
    )
    assert moved == 1
    priorities = set(db.scalars(select(MeetingLog.follow_up_priority)))
    assert FollowUpPriority.HIGH in priorities
    assert FollowUpPriority.NORMAL in priorities
    assert (db.scalar(select(func.count(Feedback.id))) or 0) >= 3
    held_unlogged = db.scalar(
        select(func.count(Meeting.id))
        .outerjoin(MeetingLog, MeetingLog.meeting_id == Meeting.id)
        .where(Meeting.ends_at < LOADED, Meeting.state == MeetingState.SCHEDULED)
        .where(MeetingLog.id.is_(None))
    )
    assert held_unlogged == 1


def test_the_other_logins_see_their_own_school_and_not_the_first(
    db: Session, client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    clock.now = LOADED
    load_demo(db, now=LOADED, settings=settings)
    db.commit()
    logins = {
        (login.role, n): login
        for n, group in enumerate((DEMO_LOGINS, OTHER_DEMO_LOGINS))
        for login in group
    }
    first = logins[(Role.COORDINATOR, 0)]
    second = logins[(Role.COORDINATOR, 1)]
    log_in(client, _user(db, first.email), first.password)
    own = client.get("/school/meetings").text
    assert "Sønderbro Skole" in own
    ids = list(
        db.scalars(
            select(Meeting.id)
            .join(User, User.organisation_id == Meeting.school_id)
            .where(User.email == first.email)
        )
    )
    client.cookies.clear()
    log_in(client, _user(db, second.email), second.password)
    theirs = client.get("/school/meetings").text
    assert "Hertug Hans Skole" in theirs
    assert "Sønderbro Skole" not in theirs
    assert all(client.get(f"/meetings/{meeting_id}").status_code == 404 for meeting_id in ids)
    client.cookies.clear()
    ambassador = logins[(Role.AMBASSADOR, 1)]
    log_in(client, _user(db, ambassador.email), ambassador.password)
    assert "Hertug Hans Skole" in client.get("/ambassador/meetings").text
    assert all(client.get(f"/meetings/{meeting_id}").status_code == 404 for meeting_id in ids)
