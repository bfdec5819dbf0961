"""``mentor retention run``: deleting what is past its retention period (GDPR Art. 5(1)(e)).

Each rule deletes the rows of one table whose time has come, by the retention category of the
table's columns (``mentor.db.Retention``) and its setting. Idempotent: a second run on the same
day finds nothing. Deletions are real (``DELETE``), not flags: soft deletion is not deletion.

Pupils go ``MENTOR_RETENTION_PUPIL_MONTHS`` after the end of their last school year, with
everything that is theirs (``mentor.privacy.forget``: matches, meetings and their logs, feedback,
notes, answers); first, the annual report's figures of every school year they were counted in
are kept (``mentor.followup.snapshots``), so the report for those years shows what it showed.
Ambassadors who left or were turned down, and closed staff accounts, go
``MENTOR_RETENTION_ACCOUNT_MONTHS`` later (``mentor.privacy.forget_accounts``). Then the
short-lived categories: security records (login attempts, throttling events, single-use links,
sessions, half-done logins, pupils' links) and sent e-mail, and the audit log after its period
(within the audit's maintenance switch, the only way its rows can be deleted).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Delete, delete, func, select
from sqlalchemy.orm import Session

from mentor.audit.maintenance import audit_maintenance
from mentor.config import Settings
from mentor.db import Retention
from mentor.followup.snapshots import keep_figures
from mentor.followup.statistics import SchoolYear, school_year_of
from mentor.models import (
    AccountToken,
    Ambassador,
    AmbassadorState,
    AuditEvent,
    LoginAttempt,
    LoginSession,
    OutboxEmail,
    OutboxState,
    PendingLogin,
    PrivacyRequest,
    Pupil,
    PupilLink,
    RateLimitEvent,
    Role,
    User,
)
from mentor.privacy.forget import forget_pupils
from mentor.privacy.forget_accounts import ANONYMISED, forget_ambassadors, forget_users


@dataclass(frozen=True)
class Rule:
    """Rows of ``table`` that ``expired(cutoff)`` selects are deleted, where ``cutoff`` is the
    start of ``today`` less the category's period."""

    table: str
    retention: Retention
    model: type
    expired: Callable[[datetime], ColumnElement[bool]]


# The tables whose rows go with the person (or, for meetings, with the last pupil in them),
# through ``forget_pupils``, ``forget_ambassadors`` and ``forget_users``; the database's
# cascades take the rows hanging off them.
FORGOTTEN_WITH_THEIR_PERSON = ("pupil", "meeting", "ambassador", "user_account")

RULES: tuple[Rule, ...] = (
    Rule(
        "login_attempt", Retention.SECURITY, LoginAttempt, lambda c: LoginAttempt.attempted_at < c
    ),
    Rule("rate_limit_event", Retention.SECURITY, RateLimitEvent, lambda c: RateLimitEvent.at < c),
    Rule("account_token", Retention.SECURITY, AccountToken, lambda c: AccountToken.expires_at < c),
    Rule("login_session", Retention.SECURITY, LoginSession, lambda c: LoginSession.expires_at < c),
    Rule("pending_login", Retention.SECURITY, PendingLogin, lambda c: PendingLogin.expires_at < c),
    Rule("pupil_link", Retention.SECURITY, PupilLink, lambda c: PupilLink.expires_at < c),
    Rule(
        "outbox_email",
        Retention.OUTBOX,
        OutboxEmail,
        lambda c: (OutboxEmail.state != OutboxState.PENDING) & (OutboxEmail.created_at < c),
    ),
    Rule("audit_event", Retention.AUDIT, AuditEvent, lambda c: AuditEvent.at < c),
    # Kept with the audit log: it shows that a request was answered, and when.
    Rule(
        "privacy_request",
        Retention.AUDIT,
        PrivacyRequest,
        lambda c: PrivacyRequest.registered_at < c,
    ),
)


def cutoff(retention: Retention, *, today: date, settings: Settings) -> datetime:
    """The moment before which a row of ``retention`` has outlived its period."""
    if retention is Retention.AUDIT:
        years_before = today.year - settings.retention_audit_years
        try:
            day = today.replace(year=years_before)
        except ValueError:  # 29 February, in a year without one
            day = today.replace(year=years_before, day=28)
        return datetime.combine(day, time(0), tzinfo=UTC)
    days = {
        Retention.SECURITY: settings.retention_security_days,
        Retention.OUTBOX: settings.retention_outbox_days,
    }[retention]
    return datetime.combine(today - timedelta(days=days), time(0), tzinfo=UTC)


def last_school_year_due(*, today: date, settings: Settings) -> int:
    """The latest last school year (2027 = 2026/27) whose pupils are past their period today:
    the school year ends on 31 July, and the period runs ``retention_pupil_months`` from then."""
    back = months_before(today, settings.retention_pupil_months)
    return back.year if back.month >= 8 else back.year - 1


def months_before(today: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day where it has fewer)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Outcome:
    """What a run did to a table's rows: "deleted" them, "kept" (the annual report's figures)
    or "anonymised" (ambassadors whose matches are still kept for the pupils)."""

    table: str
    rows: int
    action: str = "deleted"

    @property
    def label(self) -> str:
        return self.table if self.action == "deleted" else f"{self.table} ({self.action})"


def run_retention(
    db: Session, *, today: date, settings: Settings, dry_run: bool = False
) -> list[Outcome]:
    """Delete every row past retention; the rows per table (a table once, in the order done).

    With ``dry_run``, the same work in a savepoint that is rolled back: the counts are what a
    run would delete. The caller commits (or, for a dry run, need not).
    """
    savepoint = db.begin_nested() if dry_run else None
    done: dict[tuple[str, str], int] = {}
    for outcome in [
        *_forget_pupils_due(db, today=today, settings=settings),
        *_forget_accounts_due(db, today=today, settings=settings),
        *_expire(db, today, settings),
    ]:
        key = (outcome.table, outcome.action)
        done[key] = done.get(key, 0) + outcome.rows
    if savepoint is not None:
        savepoint.rollback()
        db.expire_all()
    return [Outcome(table, rows, action) for (table, action), rows in done.items()]


def _expire(db: Session, today: date, settings: Settings) -> list[Outcome]:
    outcomes = []
    for rule in RULES:
        condition = rule.expired(cutoff(rule.retention, today=today, settings=settings))
        statement: Delete = delete(rule.model).where(condition)
        if rule.model is AuditEvent:
            with audit_maintenance(db, reason="retention"):
                count = _deleted(db, statement)
        else:
            count = _deleted(db, statement)
        outcomes.append(Outcome(rule.table, count))
    return outcomes


def _deleted(db: Session, statement: Delete) -> int:
    result = db.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def _forget_pupils_due(db: Session, *, today: date, settings: Settings) -> list[Outcome]:
    """Keep the annual figures of the due pupils' school years, then forget the pupils."""
    last_year = last_school_year_due(today=today, settings=settings)
    due = list(db.scalars(select(Pupil.id).where(Pupil.last_school_year <= last_year)))
    # The school years they were counted in: from the first one's enrolment to the last due.
    enrolled = db.scalar(
        select(func.min(Pupil.created_at)).where(Pupil.last_school_year <= last_year)
    )
    years = (
        [SchoolYear(year) for year in range(school_year_of(enrolled).year, last_year + 1)]
        if enrolled is not None
        else []
    )
    now = datetime.combine(today, time(0), tzinfo=UTC)
    kept = keep_figures(db, years, now=now)
    deleted = forget_pupils(db, due, reason="retention")
    return [
        Outcome("annual_figures_snapshot", kept, "kept"),
        *(Outcome(table, rows) for table, rows in deleted.items()),
    ]


def _forget_accounts_due(db: Session, *, today: date, settings: Settings) -> list[Outcome]:
    """Ambassadors who left or were turned down, and closed staff accounts, untouched since
    the account period began; ``updated_at`` is when they left (or were closed) or later."""
    before = datetime.combine(
        months_before(today, settings.retention_account_months), time(0), tzinfo=UTC
    )
    ambassadors = db.scalars(
        select(Ambassador.id).where(
            Ambassador.state.in_((AmbassadorState.LEFT, AmbassadorState.REJECTED)),
            Ambassador.updated_at < before,
        )
    ).all()
    staff = db.scalars(
        select(User.id).where(
            User.role != Role.AMBASSADOR, User.is_active.is_(False), User.updated_at < before
        )
    ).all()
    done = forget_ambassadors(db, ambassadors, reason="retention")
    done.update(forget_users(db, staff, reason="retention"))
    return [
        Outcome("ambassador", rows, "anonymised") if table == ANONYMISED else Outcome(table, rows)
        for table, rows in done.items()
    ]
