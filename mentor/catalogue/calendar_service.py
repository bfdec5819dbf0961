"""The admin's scheduling reference data: the school-year calendar and the meeting topics.

Calendar entries are periods without meetings (holidays, exam periods, other blackout days) for one
school or all of them. Nothing points at an entry, so an admin may delete one. Meeting topics are
kept in meeting logs by their code: a topic is retired by making it inactive, never deleted, and
its code never changes once created.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from mentor.audit.service import record
from mentor.catalogue.calendar_forms import (
    EARLIEST,
    LATEST,
    CalendarEntryForm,
    MeetingTopicForm,
    NewMeetingTopicForm,
)
from mentor.catalogue.service import CODE_TAKEN
from mentor.errors import InvalidInput, NotFound, unique_fields
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import AuditAction, CalendarEntry, MeetingTopic, Organisation, User
from mentor.organisations.service import SCHOOL_KINDS

# The longest closed period: a summer holiday is six weeks; a whole year is a slip of the year.
LONGEST = timedelta(days=366)
_TOPIC_CODE = re.compile(r"^[a-z0-9_]+$")


# The school-year calendar


def list_calendar_entries(db: Session) -> Sequence[CalendarEntry]:
    """Every entry by first day, with its school loaded."""
    return (
        db.scalars(
            select(CalendarEntry)
            .options(joinedload(CalendarEntry.school))
            .order_by(CalendarEntry.starts_on, CalendarEntry.ends_on, CalendarEntry.id)
        )
        .unique()
        .all()
    )


def get_calendar_entry(db: Session, entry_id: int) -> CalendarEntry:
    entry = db.get(CalendarEntry, entry_id)
    if entry is None:
        raise NotFound()
    return entry


def _usable_school(db: Session, school_id: int, *, keep: int | None) -> bool:
    school = db.get(Organisation, school_id)
    if school is None or school.kind not in SCHOOL_KINDS:
        return False
    # A closed school keeps its entries, but new ones go to schools still open.
    return school.active or school.id == keep


def _check_entry(db: Session, fields: CalendarEntryForm, *, keep_school_id: int | None) -> None:
    errors: dict[str, LazyText | str] = {}
    in_range = lazy_gettext(
        "Enter a date between %(earliest)s and %(latest)s.",
        earliest=EARLIEST.strftime("%d.%m.%Y"),
        latest=LATEST.strftime("%d.%m.%Y"),
    )
    if not EARLIEST <= fields.starts_on <= LATEST:
        errors["starts_on"] = in_range
    if not EARLIEST <= fields.ends_on <= LATEST:
        errors["ends_on"] = in_range
    elif fields.ends_on < fields.starts_on:
        errors["ends_on"] = lazy_gettext("The end date must not be before the start date.")
    elif fields.ends_on - fields.starts_on >= LONGEST:
        errors["ends_on"] = lazy_gettext("A period can be at most a year long. Check the years.")
    if fields.school_id is not None and not _usable_school(
        db, fields.school_id, keep=keep_school_id
    ):
        errors["school_id"] = lazy_gettext("Choose a school from the list.")
    if errors:
        raise InvalidInput(errors)


def _apply_entry(entry: CalendarEntry, fields: CalendarEntryForm) -> None:
    entry.kind = fields.kind
    entry.name_da = fields.name_da
    entry.name_en = fields.name_en
    entry.starts_on = fields.starts_on
    entry.ends_on = fields.ends_on
    entry.school_id = fields.school_id


def _audit_entry(db: Session, actor: User, action: str, entry: CalendarEntry) -> None:
    record(
        db,
        actor_id=actor.id,
        action=action,
        object_type=CalendarEntry.__tablename__,
        object_id=entry.id,
        details={
            "kind": entry.kind.value,
            "name_da": entry.name_da,
            "name_en": entry.name_en,
            "starts_on": entry.starts_on.isoformat(),
            "ends_on": entry.ends_on.isoformat(),
            "school_id": entry.school_id,
        },
    )


def create_calendar_entry(db: Session, *, actor: User, fields: CalendarEntryForm) -> CalendarEntry:
    _check_entry(db, fields, keep_school_id=None)
    entry = CalendarEntry()
    _apply_entry(entry, fields)
    db.add(entry)
    db.flush()
    _audit_entry(db, actor, AuditAction.CREATE, entry)
    return entry


def update_calendar_entry(
    db: Session, *, actor: User, entry: CalendarEntry, fields: CalendarEntryForm
) -> CalendarEntry:
    _check_entry(db, fields, keep_school_id=entry.school_id)
    _apply_entry(entry, fields)
    db.flush()
    _audit_entry(db, actor, AuditAction.UPDATE, entry)
    return entry


def delete_calendar_entry(db: Session, *, actor: User, entry: CalendarEntry) -> None:
    """Delete the entry; the audit event keeps what it said."""
    _audit_entry(db, actor, AuditAction.DELETE, entry)
    db.delete(entry)
    db.flush()


# Meeting topics


def list_topics(db: Session) -> Sequence[MeetingTopic]:
    """Every topic, retired ones included, in the admin's order."""
    return db.scalars(
        select(MeetingTopic).order_by(MeetingTopic.sort_order, MeetingTopic.code)
    ).all()


def get_topic(db: Session, topic_id: int) -> MeetingTopic:
    topic = db.get(MeetingTopic, topic_id)
    if topic is None:
        raise NotFound()
    return topic


def _audit_topic(db: Session, actor: User, action: str, topic: MeetingTopic) -> None:
    record(
        db,
        actor_id=actor.id,
        action=action,
        object_type=MeetingTopic.__tablename__,
        object_id=topic.id,
        details={
            "code": topic.code,
            "label_da": topic.label_da,
            "label_en": topic.label_en,
            "active": topic.active,
            "sort_order": topic.sort_order,
        },
    )


def _apply_topic(topic: MeetingTopic, fields: MeetingTopicForm) -> None:
    topic.label_da = fields.label_da
    topic.label_en = fields.label_en
    topic.active = fields.active
    topic.sort_order = fields.sort_order


def create_topic(db: Session, *, actor: User, fields: NewMeetingTopicForm) -> MeetingTopic:
    code = fields.code.lower()
    if not _TOPIC_CODE.match(code):
        raise InvalidInput(
            {"code": lazy_gettext("Use small letters a-z, digits and _ only, like student_life.")}
        )
    # Codes are compared without case, like the other catalogues' codes.
    taken = select(MeetingTopic.id).where(func.lower(MeetingTopic.code) == code)
    if db.scalar(taken.limit(1)) is not None:
        raise InvalidInput({"code": CODE_TAKEN})
    with unique_fields(db, {"code": "code"}):
        topic = MeetingTopic(code=code)
        _apply_topic(topic, fields)
        db.add(topic)
    _audit_topic(db, actor, AuditAction.CREATE, topic)
    return topic


def update_topic(
    db: Session, *, actor: User, topic: MeetingTopic, fields: MeetingTopicForm
) -> MeetingTopic:
    """Save labels, order and whether the topic is offered; the code stays (logs keep it)."""
    _apply_topic(topic, fields)
    db.flush()
    _audit_topic(db, actor, AuditAction.UPDATE, topic)
    return topic
