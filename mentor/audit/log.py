"""The admin's view of the audit log: filtered by person, actor, action and dates, paged, and
exported as CSV with the same filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated

from pydantic import Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from mentor.audit.labels import action_label, object_type_label
from mentor.i18n import LOCAL_TIMEZONE, gettext, lazy_gettext
from mentor.models import AuditEvent, User
from mentor.models.pupil import danish_sort_key
from mentor.paging import Paged, matches_text, paginate
from mentor.web.forms import DanishDate, FormModel, within
from mentor.web.ids import FormId

# The export's limit: a month of a busy municipality; narrow the filters for more.
EXPORT_MAX_ROWS = 50_000
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
AuditDate = Annotated[date, DanishDate, within(FIRST_DAY, LAST_DAY)]
TO_BEFORE_FROM = lazy_gettext("The end date is before the start date.")


class AuditFilters(FormModel):
    """What the filter form (a GET) asks for; every field may be empty."""

    pupil: FormId | None = None
    actor: str | None = Field(default=None, max_length=100)
    action: str | None = Field(default=None, max_length=40)
    starts_on: AuditDate | None = Field(default=None, alias="from")
    ends_on: AuditDate | None = Field(default=None, alias="to")


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor_name: str | None

    @property
    def action(self) -> str:
        return action_label(self.event.action)

    @property
    def object_type(self) -> str:
        return object_type_label(self.event.object_type)


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TIMEZONE)


def _query(filters: AuditFilters) -> Select[tuple[AuditEvent, str]]:
    """The events (newest first) with their actor's name (None when no one or erased)."""
    actor = aliased(User)
    query = (
        select(AuditEvent, actor.full_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if filters.pupil is not None:
        query = query.where(AuditEvent.pupil_id == filters.pupil)
    if filters.actor:
        query = query.where(matches_text(filters.actor, actor.full_name, actor.email))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.starts_on is not None:
        query = query.where(AuditEvent.at >= _local_start(filters.starts_on))
    if filters.ends_on is not None:
        query = query.where(AuditEvent.at < _local_start(filters.ends_on + timedelta(days=1)))
    return query


def action_options(db: Session) -> list[tuple[str, str]]:
    """The actions the log holds, for the filter's choices: (code, label), in the label's order."""
    codes = db.scalars(select(AuditEvent.action).distinct())
    options = [(code, action_label(code)) for code in codes]
    return sorted(options, key=lambda option: (danish_sort_key(option[1]), option[0]))


def audit_page(db: Session, filters: AuditFilters, *, page: int) -> Paged[AuditRow]:
    query = _query(filters)
    total_query = query.with_only_columns(AuditEvent.id)
    paged = paginate(db, total_query, page=page)
    ids = list(paged.rows)
    rows = db.execute(query.where(AuditEvent.id.in_(ids))).all() if ids else []
    return Paged(
        rows=[AuditRow(event=event, actor_name=name) for event, name in rows],
        total=paged.total,
        page=paged.page,
        pages=paged.pages,
        size=paged.size,
    )


def export_rows(db: Session, filters: AuditFilters) -> list[AuditRow]:
    rows = db.execute(_query(filters).limit(EXPORT_MAX_ROWS)).all()
    return [AuditRow(event=event, actor_name=name) for event, name in rows]


def headers() -> list[str]:
    return [
        gettext("Time"),
        gettext("Who"),
        gettext("Action"),
        gettext("Object"),
        gettext("Object id"),
        gettext("Pupil id"),
        gettext("IP address"),
    ]
