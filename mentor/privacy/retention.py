"""``mentor retention run``: deleting what is past its retention period (GDPR Art. 5(1)(e)).

Each rule deletes the rows of one table whose time has come, by the retention category of the
table's columns (``mentor.db.Retention``) and its setting. Idempotent: a second run on the same
day finds nothing. Deletions are real (``DELETE``), not flags: soft deletion is not deletion.

Covered so far: the short-lived categories, security records (login attempts, throttling
events, single-use links, sessions, half-done logins, pupils' links) and sent e-mail, and the
audit log after its period (within the audit's maintenance switch, the only way its rows can be
deleted). Pupil, mentoring and account data follow, with the annual report's figures kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Delete, delete, func, select
from sqlalchemy.orm import Session

from mentor.audit.maintenance import audit_maintenance
from mentor.config import Settings
from mentor.db import Retention
from mentor.models import (
    AccountToken,
    AuditEvent,
    LoginAttempt,
    LoginSession,
    OutboxEmail,
    OutboxState,
    PendingLogin,
    PupilLink,
    RateLimitEvent,
)


@dataclass(frozen=True)
class Rule:
    """Rows of ``table`` that ``expired(cutoff)`` selects are deleted, where ``cutoff`` is the
    start of ``today`` less the category's period."""

    table: str
    retention: Retention
    model: type
    expired: Callable[[datetime], ColumnElement[bool]]


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


@dataclass(frozen=True)
class Outcome:
    table: str
    rows: int


def run_retention(
    db: Session, *, today: date, settings: Settings, dry_run: bool = False
) -> list[Outcome]:
    """Delete (or, with ``dry_run``, count) every row past retention; one outcome per rule.

    The caller commits (or, for a dry run, need not).
    """
    outcomes: list[Outcome] = []
    for rule in RULES:
        condition = rule.expired(cutoff(rule.retention, today=today, settings=settings))
        if dry_run:
            count = db.scalar(select(func.count()).select_from(rule.model).where(condition)) or 0
        else:
            statement: Delete = delete(rule.model).where(condition)
            if rule.retention is Retention.AUDIT:
                with audit_maintenance(db, reason="retention"):
                    count = _deleted(db, statement)
            else:
                count = _deleted(db, statement)
        outcomes.append(Outcome(rule.table, count))
    return outcomes


def _deleted(db: Session, statement: Delete) -> int:
    result = db.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
