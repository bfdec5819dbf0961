"""Pupil rules and queries: the scoped list, editing and archiving, the pupil page's audit.

(What the pupil page shows is loaded by ``history.py`` and ``timeline.py``.)

Every query starts from the policy's scope (``visible_pupils``; the list and its filter options
from the schools the user enrols at, ``enrolment_school_ids``, the same pupils for the roles
that reach the list), so a page, a count and a filter option all answer "which pupils may this
user see" the same way. Each page costs a fixed number of queries, whatever the number of
pupils: a count, one page of rows with only the columns it shows, and the filter options."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, joinedload

from mentor.audit.service import record
from mentor.errors import Forbidden, InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.matches.service import end_open_matches
from mentor.models import (
    OPEN_MATCH_STATES,
    CloseReason,
    ConsentState,
    Match,
    MatchState,
    Organisation,
    Pupil,
    PupilStatus,
    User,
)
from mentor.models.pupil import danish_sort_key
from mentor.policy import enrolment_school_ids, may_set_priority, visible_pupils
from mentor.pupils.consent import local_today
from mentor.pupils.forms import (
    PAGE_SIZE,
    MatchFilter,
    PupilFilters,
    PupilForm,
    QuestionnaireFilter,
)

_PHONE = re.compile(r"^\+?[0-9 ()-]+$")


# The list


@dataclass(frozen=True, slots=True)
class PupilRow:
    """One line of the list: the columns it shows, not a whole pupil."""

    id: int
    first_name: str
    last_name: str
    priority: bool
    school_id: int
    grade: int
    class_name: str | None
    consent_state: ConsentState
    questionnaire_completed_at: datetime | None
    # The state of the pupil's open match (at most one: a partial unique index), or None.
    match_state: MatchState | None


@dataclass(frozen=True)
class PupilPage:
    rows: list[PupilRow]
    total: int
    page: int
    pages: int

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


def _open_match(state: MatchState | None = None) -> Any:
    states = OPEN_MATCH_STATES if state is None else (state,)
    return exists().where(Match.pupil_id == Pupil.id, Match.state.in_(states))


def _in_schools(user: User, school_ids: Collection[int] | None) -> ColumnElement[bool]:
    """The list's scope: the schools the user enrols at (``enrolment_school_ids``).

    For the two roles that reach the list (a coordinator, a counsellor) exactly the pupils
    ``visible_pupils`` gives, but as ``school_id IN (…)``, which the list's indexes answer
    without first listing every visible pupil's id. ``school_ids``: those schools, when the
    caller has loaded them; PostgreSQL checks a list of ids inside the index scan instead of
    joining each entry to the counsellor's schools (half the time at 10,000 pupils).
    """
    if school_ids is None:
        return Pupil.school_id.in_(enrolment_school_ids(user))
    return Pupil.school_id.in_(sorted(school_ids))


def _list_conditions(
    user: User, filters: PupilFilters, school_ids: Collection[int] | None
) -> list[ColumnElement[bool]]:
    """The list's WHERE: the user's schools, the status, then each filter given."""
    status = PupilStatus.ARCHIVED if filters.archived else PupilStatus.ACTIVE
    conditions = [_in_schools(user, school_ids), Pupil.status == status]
    if filters.q:
        # The key folds case and Danish letters, so "sør" finds "Søren" and "aase" finds "Åse".
        key = danish_sort_key(filters.q)
        conditions.append(Pupil.sort_name.contains(key, autoescape=True))
    if filters.school_id is not None:
        conditions.append(Pupil.school_id == filters.school_id)
    if filters.grade is not None:
        conditions.append(Pupil.grade == filters.grade)
    if filters.class_name is not None:
        conditions.append(Pupil.class_name == filters.class_name)
    if filters.consent is not None:
        conditions.append(Pupil.consent_state == filters.consent)
    if filters.questionnaire is QuestionnaireFilter.ANSWERED:
        conditions.append(Pupil.questionnaire_completed_at.is_not(None))
    elif filters.questionnaire is QuestionnaireFilter.UNANSWERED:
        conditions.append(Pupil.questionnaire_completed_at.is_(None))
    if filters.match is MatchFilter.NONE:
        conditions.append(~_open_match())
    elif filters.match is MatchFilter.PROPOSED:
        conditions.append(_open_match(MatchState.PROPOSED))
    elif filters.match is MatchFilter.ACCEPTED:
        conditions.append(_open_match(MatchState.ACCEPTED))
    return conditions


def list_pupils(
    db: Session,
    *,
    user: User,
    filters: PupilFilters,
    school_ids: Collection[int] | None = None,
) -> PupilPage:
    """One page of the pupils the user may see, in Danish alphabetical order: two queries.

    Numbered pages (a link per page, "page 3 of 200", the last page one click away, all without
    JavaScript) rather than "next" links: the page's ids are picked from the index on
    ``(status, sort_name, id, school_id)`` alone, so an offset walks index entries, not rows, and
    a deep page costs about what the first does. Only the page's 50 rows are then read, column
    by column, with the state of each one's open match. ``school_ids``: see ``_in_schools``.
    """
    conditions = _list_conditions(user, filters, school_ids)
    total = db.scalar(select(func.count()).select_from(Pupil).where(*conditions)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    page_ids = (
        select(Pupil.id)
        .where(*conditions)
        .order_by(Pupil.sort_name, Pupil.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .subquery("page_ids")
    )
    open_state = (
        select(Match.state)
        .where(Match.pupil_id == Pupil.id, Match.state.in_(OPEN_MATCH_STATES))
        .correlate(Pupil)
        .scalar_subquery()
    )
    rows = db.execute(
        select(
            Pupil.id,
            Pupil.first_name,
            Pupil.last_name,
            Pupil.priority,
            Pupil.school_id,
            Pupil.grade,
            Pupil.class_name,
            Pupil.consent_state,
            Pupil.questionnaire_completed_at,
            open_state,
        )
        .join(page_ids, page_ids.c.id == Pupil.id)
        .order_by(Pupil.sort_name, Pupil.id)
    ).all()
    return PupilPage(rows=[PupilRow(*row) for row in rows], total=total, page=page, pages=pages)


def enrolment_schools(db: Session, *, user: User) -> list[Organisation]:
    """The schools whose pupils the user enrols: one for a coordinator, a counsellor's caseload."""
    query = select(Organisation).where(Organisation.id.in_(enrolment_school_ids(user)))
    return list(db.scalars(query.order_by(Organisation.name)))


def enrolment_school_names(db: Session, *, user: User) -> dict[int, str]:
    """The same schools for the list's filter and column: id to name, in order of name."""
    query = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(enrolment_school_ids(user))
    )
    return dict(db.execute(query.order_by(Organisation.name)).tuples().all())


def _class_order(name: str) -> tuple[int, str]:
    digits = re.match(r"\d+", name)
    return (int(digits.group()) if digits else 99, danish_sort_key(name))


def class_names(
    db: Session,
    *,
    user: User,
    school_id: int | None = None,
    school_ids: Collection[int] | None = None,
) -> list[str]:
    """The classes of the user's active pupils (of one school if given): 8.a before 10.a.

    Scoped like the list (``_in_schools``); read from the index on
    ``(status, class_name, school_id)`` without touching a row.
    """
    query = select(Pupil.class_name).distinct()
    query = query.where(
        _in_schools(user, school_ids),
        Pupil.status == PupilStatus.ACTIVE,
        Pupil.class_name.is_not(None),
    )
    if school_id is not None:
        query = query.where(Pupil.school_id == school_id)
    return sorted((name for name in db.scalars(query) if name), key=_class_order)


def class_pupils(db: Session, *, user: User, school_id: int, class_name: str) -> list[Pupil]:
    """One class's active pupils, in Danish order, with who recorded their consent."""
    query = (
        visible_pupils(user)
        .where(
            Pupil.school_id == school_id,
            Pupil.class_name == class_name,
            Pupil.status == PupilStatus.ACTIVE,
        )
        .options(joinedload(Pupil.consent_recorded_by))
        .order_by(Pupil.sort_name, Pupil.id)
    )
    return list(db.scalars(query))


# The pupil page


def record_read(db: Session, *, actor: User, pupil: Pupil, ip: str | None = None) -> None:
    """The audit event of a page that shows a pupil's data without the whole pupil page."""
    record(
        db,
        actor_id=actor.id,
        action="read",
        object_type="pupil",
        object_id=pupil.id,
        pupil_id=pupil.id,
        ip=ip,
    )


# Editing and archiving


def _birth_year_range(today: date) -> tuple[int, int]:
    # Pupils in grades 7-10 are 12-17; a wide margin for pupils who started late or early.
    return today.year - 25, today.year - 9


def _problems(form: PupilForm, today: date) -> dict[str, LazyText | str]:
    errors: dict[str, LazyText | str] = {}
    low, high = _birth_year_range(today)
    if form.birth_year is not None and not low <= form.birth_year <= high:
        errors["birth_year"] = lazy_gettext(
            "Enter a birth year between %(low)s and %(high)s.", low=low, high=high
        )
    phone = form.guardian_phone
    if phone is not None and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 8):
        errors["guardian_phone"] = lazy_gettext("Enter a phone number like +45 12 34 56 78.")
    return errors


def _school_year_end(today: date) -> int:
    """The calendar year the current school year ends (the year starts in August)."""
    return today.year + 1 if today.month >= 8 else today.year


def update_pupil(
    db: Session,
    *,
    actor: User,
    pupil: Pupil,
    form: PupilForm,
    languages: list[str],
    priority: bool | None,
) -> list[str]:
    """Save the pupil form; returns the names of the fields that changed (for the audit log).

    ``priority`` is None when the user may not set it (the form does not offer it).
    """
    today = local_today()
    if errors := _problems(form, today):
        raise InvalidInput(errors)
    if priority is not None and not may_set_priority(actor):
        raise Forbidden()
    values: dict[str, Any] = {
        "first_name": form.first_name,
        "last_name": form.last_name,
        "grade": form.grade,
        "class_name": form.class_name,
        "birth_year": form.birth_year,
        "guardian_name": form.guardian_name,
        "guardian_email": form.guardian_email,
        "guardian_phone": form.guardian_phone,
        "email": form.email,
        "languages": languages,
    }
    if priority is not None:
        values["priority"] = priority
    if form.grade != pupil.grade:
        # Retention counts from the last school year: a corrected grade moves it as much,
        # but never into the past.
        moved = pupil.last_school_year + (pupil.grade - form.grade)
        values["last_school_year"] = max(moved, _school_year_end(today))
    changed = [name for name, value in values.items() if getattr(pupil, name) != value]
    for name in changed:
        setattr(pupil, name, values[name])
    db.flush()
    if changed:
        record(
            db,
            actor_id=actor.id,
            action="update",
            object_type="pupil",
            object_id=pupil.id,
            pupil_id=pupil.id,
            # Which fields, never their values: the audit log is not a second copy of the data.
            details={"fields": changed},
        )
    return changed


def set_archived(db: Session, *, actor: User, pupil: Pupil, archived: bool) -> None:
    """Archive a pupil who has left (or restore one). An archived pupil is not matched, and an
    open proposal or match ends: no ambassador should keep seeing a pupil the school let go."""
    if pupil.status is PupilStatus.ANONYMISED:
        raise InvalidInput({"status": lazy_gettext("An anonymised pupil cannot be changed.")})
    target = PupilStatus.ARCHIVED if archived else PupilStatus.ACTIVE
    if pupil.status is target:
        return
    pupil.status = target
    db.flush()
    record(
        db,
        actor_id=actor.id,
        action="update",
        object_type="pupil",
        object_id=pupil.id,
        pupil_id=pupil.id,
        details={"status": target.value},
    )
    if archived:
        end_open_matches(db, actor=actor, pupil=pupil, reason=CloseReason.OTHER)
