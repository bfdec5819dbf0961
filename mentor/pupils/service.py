"""Pupil rules and queries: the scoped list, the pupil page, editing and archiving.

Every query starts from the policy's scope (``visible_pupils``), so a page, a count and a filter
option all answer "which pupils may this user see" the same way. Each page costs a fixed number
of queries, whatever the number of pupils: a count, one page of rows with what they show loaded
eagerly, and the filter options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, exists, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from mentor.audit.service import record
from mentor.errors import Forbidden, InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.matches.service import end_open_matches
from mentor.meetings.views import started_match_ids
from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    Attendance,
    CloseReason,
    Match,
    MatchState,
    Meeting,
    MeetingParticipant,
    Organisation,
    Pupil,
    PupilProgrammeInterest,
    PupilStatus,
    User,
)
from mentor.models.pupil import danish_sort_key
from mentor.policy import enrolment_school_ids, may_set_priority, visible_pupil_ids, visible_pupils
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


@dataclass(frozen=True)
class PupilRow:
    pupil: Pupil
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


def list_pupils(db: Session, *, user: User, filters: PupilFilters) -> PupilPage:
    """One page of the pupils the user may see, in Danish alphabetical order: two queries."""
    status = PupilStatus.ARCHIVED if filters.archived else PupilStatus.ACTIVE
    query = visible_pupils(user).where(Pupil.status == status)
    if filters.q:
        # The key folds case and Danish letters, so "sør" finds "Søren" and "aase" finds "Åse".
        query = query.where(Pupil.sort_name.contains(danish_sort_key(filters.q), autoescape=True))
    if filters.school_id is not None:
        query = query.where(Pupil.school_id == filters.school_id)
    if filters.grade is not None:
        query = query.where(Pupil.grade == filters.grade)
    if filters.class_name is not None:
        query = query.where(Pupil.class_name == filters.class_name)
    if filters.consent is not None:
        query = query.where(Pupil.consent_state == filters.consent)
    if filters.questionnaire is QuestionnaireFilter.ANSWERED:
        query = query.where(Pupil.questionnaire_completed_at.is_not(None))
    elif filters.questionnaire is QuestionnaireFilter.UNANSWERED:
        query = query.where(Pupil.questionnaire_completed_at.is_(None))
    if filters.match is MatchFilter.NONE:
        query = query.where(~_open_match())
    elif filters.match is MatchFilter.PROPOSED:
        query = query.where(_open_match(MatchState.PROPOSED))
    elif filters.match is MatchFilter.ACCEPTED:
        query = query.where(_open_match(MatchState.ACCEPTED))

    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    open_state = (
        select(Match.state)
        .where(Match.pupil_id == Pupil.id, Match.state.in_(OPEN_MATCH_STATES))
        .correlate(Pupil)
        .scalar_subquery()
    )
    rows = db.execute(
        query.add_columns(open_state)
        .options(joinedload(Pupil.school))
        .order_by(Pupil.sort_name, Pupil.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return PupilPage(
        rows=[PupilRow(pupil=row[0], match_state=row[1]) for row in rows],
        total=total,
        page=page,
        pages=pages,
    )


def enrolment_schools(db: Session, *, user: User) -> list[Organisation]:
    """The schools whose pupils the user enrols: one for a coordinator, a counsellor's caseload."""
    query = select(Organisation).where(Organisation.id.in_(enrolment_school_ids(user)))
    return list(db.scalars(query.order_by(Organisation.name)))


def _class_order(name: str) -> tuple[int, str]:
    digits = re.match(r"\d+", name)
    return (int(digits.group()) if digits else 99, danish_sort_key(name))


def class_names(db: Session, *, user: User, school_id: int | None = None) -> list[str]:
    """The classes of the user's active pupils (of one school if given): 8.a before 10.a."""
    query = select(Pupil.class_name).distinct()
    query = query.where(
        Pupil.id.in_(visible_pupil_ids(user)),
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


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    attendance: Attendance


@dataclass(frozen=True)
class PupilHistory:
    matches: list[Match]
    meetings: list[MeetingRow]
    # Accepted matches under way ("i gang"): the pupil came to a held meeting through them.
    started_match_ids: set[int]


def pupil_history(db: Session, *, pupil: Pupil) -> PupilHistory:
    """Load what the pupil page shows (its view is audited with ``record_read``)."""
    db.scalars(
        select(Pupil)
        .where(Pupil.id == pupil.id)
        .options(
            joinedload(Pupil.school),
            joinedload(Pupil.consent_recorded_by),
            selectinload(Pupil.interests),
            selectinload(Pupil.programme_interests).joinedload(PupilProgrammeInterest.programme),
        )
    ).one()
    matches = db.scalars(
        select(Match)
        .where(Match.pupil_id == pupil.id)
        .options(joinedload(Match.ambassador).joinedload(Ambassador.user))
        .order_by(Match.proposed_at.desc(), Match.id.desc())
    ).all()
    meetings: list[Row[tuple[Meeting, Attendance]]] = list(
        db.execute(
            select(Meeting, MeetingParticipant.attendance)
            .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
            .where(MeetingParticipant.pupil_id == pupil.id)
            .order_by(Meeting.starts_at.desc())
        ).all()
    )
    return PupilHistory(
        matches=list(matches),
        meetings=[MeetingRow(meeting=row[0], attendance=row[1]) for row in meetings],
        started_match_ids=started_match_ids(
            db, [match.id for match in matches if match.state is MatchState.ACCEPTED]
        ),
    )


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
