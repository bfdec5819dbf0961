"""`mentor retention run` deletes what is past its retention period and nothing else: security
records and sent e-mail after their days, audit events after their years (the only way an audit
event is ever deleted). Idempotent; a dry run counts and deletes nothing. On both databases."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.migrations import upgrade
from mentor.models import (
    AccountToken,
    AuditEvent,
    LoginAttempt,
    LoginSession,
    OutboxEmail,
    OutboxState,
    PendingLogin,
    PrivacyRequest,
    PupilLink,
    RateLimitEvent,
)
from mentor.privacy.retention import RULES, run_retention
from tests.factories import (
    make_account_token,
    make_audit_event,
    make_login_attempt,
    make_login_session,
    make_outbox_email,
    make_pending_login,
    make_privacy_request,
    make_pupil_link,
    make_rate_limit_event,
)
from tests.privacy.files import mentor

TODAY = date(2027, 9, 1)
MIDNIGHT = datetime(2027, 9, 1, tzinfo=UTC)


def _rows(db: Session, days_old: int) -> dict[type, int]:
    """One row of every kind the rules cover, its time ``days_old`` days before today."""
    at = MIDNIGHT - timedelta(days=days_old)
    made_at = at - timedelta(hours=1)  # a link or session expires after it was made
    made: dict[type, Callable[..., Any]] = {
        LoginAttempt: lambda: make_login_attempt(db, attempted_at=at),
        RateLimitEvent: lambda: make_rate_limit_event(db, at=at),
        AccountToken: lambda: make_account_token(db, created_at=made_at, expires_at=at),
        LoginSession: lambda: make_login_session(db, created_at=at, last_seen_at=at, expires_at=at),
        PendingLogin: lambda: make_pending_login(db, created_at=made_at, expires_at=at),
        PupilLink: lambda: make_pupil_link(db, created_at=made_at, expires_at=at),
        OutboxEmail: lambda: make_outbox_email(
            db, created_at=at, sent_at=at, state=OutboxState.SENT
        ),
        AuditEvent: lambda: make_audit_event(db, at=at),
        PrivacyRequest: lambda: make_privacy_request(db, registered_at=at),
    }
    return {model: make().id for model, make in made.items()}


def _alive(db: Session, ids: dict[type, int]) -> set[type]:
    db.expire_all()
    return {model for model, row_id in ids.items() if db.get(model, row_id) is not None}


def test_what_is_past_its_period_goes_and_the_rest_stays(db: Session, settings: Settings) -> None:
    security_days = settings.retention_security_days
    old = _rows(db, security_days + 1)
    fresh = _rows(db, security_days - 1)
    ancient_audit = make_audit_event(db, at=MIDNIGHT - timedelta(days=365 * 5 + 2)).id
    young_audit = make_audit_event(db, at=MIDNIGHT - timedelta(days=365 * 5 - 2)).id
    ancient_request = make_privacy_request(
        db, registered_at=MIDNIGHT - timedelta(days=365 * 5 + 2)
    ).id

    outcomes = run_retention(db, today=TODAY, settings=settings)

    # An audit event, and a request to see or erase data, is kept for years, not days.
    assert _alive(db, old) == {AuditEvent, PrivacyRequest}
    assert _alive(db, fresh) == set(fresh)
    assert db.get(AuditEvent, ancient_audit) is None
    assert db.get(AuditEvent, young_audit) is not None
    assert db.get(PrivacyRequest, ancient_request) is None
    by_table = {outcome.table: outcome.rows for outcome in outcomes}
    assert set(by_table) >= {rule.table for rule in RULES} | {"pupil", "meeting_log"}
    assert by_table["login_attempt"] >= 1
    assert by_table["audit_event"] >= 1


def test_a_pending_mail_is_never_deleted(db: Session, settings: Settings) -> None:
    waiting = make_outbox_email(db, created_at=MIDNIGHT - timedelta(days=400)).id
    run_retention(db, today=TODAY, settings=settings)
    assert db.get(OutboxEmail, waiting) is not None


def test_a_second_run_finds_nothing_and_a_dry_run_deletes_nothing(
    db: Session, settings: Settings
) -> None:
    old = _rows(db, settings.retention_security_days + 1)

    counted = run_retention(db, today=TODAY, settings=settings, dry_run=True)
    assert _alive(db, old) == set(old)
    done = run_retention(db, today=TODAY, settings=settings)
    again = run_retention(db, today=TODAY, settings=settings)

    assert [outcome.rows for outcome in counted] == [outcome.rows for outcome in done]
    assert all(outcome.rows == 0 for outcome in again)
    assert (
        db.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.attempted_at
                < MIDNIGHT - timedelta(days=settings.retention_security_days)
            )
        )
        == 0
    )


def _mentor(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return mentor(url, "retention", "run", *args)


def test_the_command_prints_what_it_did_per_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'retention.sqlite3'}"
    upgrade(url)

    dry = _mentor(url, "--today", "2027-09-01", "--dry-run")
    done = _mentor(url, "--today", "2027-09-01")

    assert dry.returncode == done.returncode == 0, dry.stderr + done.stderr
    assert "login_attempt: 0 would be deleted" in dry.stdout
    assert "audit_event: 0 deleted" in done.stdout
    # "table: rows action", each table and action once, the pupils' and accounts' too.
    done_to = [(line.split(":")[0], line.rsplit(" ", 1)[1]) for line in done.stdout.splitlines()]
    assert len(done_to) == len(set(done_to)) > len(RULES)
    assert {"pupil", "meeting", "feedback", "note", "user_account"} <= {t for t, _ in done_to}
    assert {("annual_figures_snapshot", "kept"), ("ambassador", "anonymised")} <= set(done_to)


@pytest.mark.parametrize("today", ["2027-13-01", "i morgen", "0001-01-01x"])
def test_a_bad_day_is_refused_in_one_line(tmp_path: Path, today: str) -> None:
    result = _mentor(f"sqlite:///{tmp_path / 'x.sqlite3'}", "--today", today)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --today must be a date like 2027-08-01"


def test_the_audit_period_counts_whole_years_from_a_leap_day(settings: Settings) -> None:
    from mentor.db import Retention
    from mentor.privacy.retention import cutoff

    assert cutoff(Retention.AUDIT, today=date(2028, 2, 29), settings=settings) == datetime(
        2023, 2, 28, tzinfo=UTC
    )
    assert cutoff(Retention.SECURITY, today=TODAY, settings=settings) == MIDNIGHT - timedelta(
        days=settings.retention_security_days
    )
