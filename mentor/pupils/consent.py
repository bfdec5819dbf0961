"""Guardian consent: recording it and withdrawing it.

The municipality's basis for processing is its public task (GDPR Art. 6(1)(e)), but the programme
asks the guardians' consent to take part, and must show who gave it, when, how and who wrote it
down. Without consent a pupil is not matched; a consent that ends (withdrawn, or refused after
all) ends any open proposal or match at once, so that no ambassador keeps seeing the pupil. Who
may be matched because of it is ``mentor.pupils.eligibility``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.db import utcnow
from mentor.errors import InvalidInput
from mentor.i18n import LOCAL_TIMEZONE, LazyText, lazy_gettext
from mentor.matches.service import end_open_matches
from mentor.models import (
    CloseReason,
    ConsentMethod,
    ConsentState,
    Pupil,
    Setting,
    User,
)

FUTURE_DATE = lazy_gettext("The date cannot be in the future.")
# Without a birth year on file: a pupil of grades 7-10 was not born this long ago.
OLDEST_CONSENT_YEARS = 20
# The privacy work owns this setting; until an admin sets it, the letter says one year.
RETENTION_SETTING = "pupil_retention_years"
DEFAULT_RETENTION_YEARS = 1


@dataclass(frozen=True)
class ConsentRecord:
    """What a guardian said, and how and when it reached the school."""

    state: ConsentState
    given_by: str
    method: ConsentMethod
    on: date


def local_today(now: datetime | None = None) -> date:
    """Today in Denmark, by ``now`` (the request's clock) or the wall clock."""
    return (now or utcnow()).astimezone(LOCAL_TIMEZONE).date()


def date_problem(on: date, *, today: date, birth_year: int | None = None) -> LazyText | None:
    """Why a consent date cannot be right: in the future, or before the pupil was born (a
    typing slip like 01.01.0001)."""
    if on > today:
        return FUTURE_DATE
    if birth_year is not None and on.year < birth_year:
        return lazy_gettext(
            "The date cannot be before the pupil was born (%(year)s).", year=birth_year
        )
    if on.year < today.year - OLDEST_CONSENT_YEARS:
        return lazy_gettext(
            "The date cannot be more than %(years)s years ago.", years=OLDEST_CONSENT_YEARS
        )
    return None


def _moment(on: date, now: datetime) -> datetime:
    """Today's consent is stamped now; an earlier day's at noon, Danish time."""
    if on == local_today(now):
        return now
    return datetime.combine(on, time(12, 0), tzinfo=LOCAL_TIMEZONE).astimezone(UTC)


def _lock(db: Session, pupil: Pupil) -> None:
    # A matching run that commits at the same moment must see the new state (PostgreSQL; SQLite
    # writers are serialised by BEGIN IMMEDIATE anyway).
    db.execute(select(Pupil.id).where(Pupil.id == pupil.id).with_for_update())


def record_consent(
    db: Session,
    *,
    actor: User,
    pupil: Pupil,
    consent: ConsentRecord,
    now: datetime | None = None,
) -> None:
    """Record a guardian's answer. Anything but "given" ends the pupil's open match."""
    if consent.state is ConsentState.MISSING:
        raise InvalidInput({"state": lazy_gettext("Choose one of the options.")})
    now = now or utcnow()
    problem = date_problem(consent.on, today=local_today(now), birth_year=pupil.birth_year)
    if problem is not None:
        raise InvalidInput({"consent_date": problem})
    _lock(db, pupil)
    before = pupil.consent_state
    pupil.consent_state = consent.state
    pupil.consent_given_by = consent.given_by
    pupil.consent_method = consent.method
    pupil.consent_at = _moment(consent.on, now)
    pupil.consent_recorded_by_id = actor.id
    db.flush()
    record(
        db,
        actor_id=actor.id,
        action="update",
        object_type="consent",
        object_id=pupil.id,
        pupil_id=pupil.id,
        details={"from": before.value, "to": consent.state.value, "method": consent.method.value},
    )
    if consent.state is not ConsentState.GIVEN:
        end_open_matches(db, actor=actor, pupil=pupil, reason=CloseReason.NO_LONGER_WANTED, now=now)


def withdraw_consent(
    db: Session,
    *,
    actor: User,
    pupil: Pupil,
    given_by: str,
    method: ConsentMethod,
    on: date,
    now: datetime | None = None,
) -> None:
    """The guardian withdraws consent: the pupil leaves the pool and any open match ends now.

    An open proposal becomes ``withdrawn``; an accepted match is ``closed`` with the reason
    "no longer wanted", by ``actor``, now. Later issues call this (a guardian's message, the
    privacy work); it flushes and leaves the commit to the caller.
    """
    consent = ConsentRecord(state=ConsentState.WITHDRAWN, given_by=given_by, method=method, on=on)
    record_consent(db, actor=actor, pupil=pupil, consent=consent, now=now)


def record_class_consent(
    db: Session,
    *,
    actor: User,
    changes: Sequence[tuple[Pupil, ConsentRecord]],
    now: datetime | None = None,
) -> int:
    """Record the checklist's rows in the caller's one transaction; returns how many changed."""
    for pupil, consent in changes:
        record_consent(db, actor=actor, pupil=pupil, consent=consent, now=now)
    return len(changes)


def retention_years(db: Session) -> int:
    value = db.scalar(select(Setting.value).where(Setting.key == RETENTION_SETTING))
    if isinstance(value, dict):
        value = value.get("years")
    return value if isinstance(value, int) and value > 0 else DEFAULT_RETENTION_YEARS
