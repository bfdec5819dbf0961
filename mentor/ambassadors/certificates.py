"""Certificates of an ambassador's contribution: the figures, issuing one, and confirming a code.

The policy the programme comes from asks the municipality to recognise its volunteers. A
certificate says what the ambassador gave — meetings held, pupils met, hours — and nothing about
any pupil: no names, no schools of pupils. It is stored as issued (the name as printed and the
figures of that day), so that the municipality's public page confirms exactly what the paper says.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, Select, distinct, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from mentor.audit.service import record
from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LOCAL_TIMEZONE, lazy_gettext
from mentor.models import (
    Ambassador,
    AmbassadorCertificate,
    Attendance,
    Meeting,
    MeetingParticipant,
    MeetingState,
    Organisation,
    OrganisationKind,
    Programme,
    Setting,
    User,
)
from mentor.policy import enrolment_school_ids

# No 0/O, 1/I/L, 5/S or 8/B: a code is read off paper and typed in by hand.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
CODE_PATTERN = re.compile(rf"AMB-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}")
# An admin may name the municipality explicitly; otherwise the guidance unit's name is used.
MUNICIPALITY_SETTING = "municipality_name"
# The earliest period a certificate can cover (the programme did not exist before).
EARLIEST = date(2013, 1, 1)


class _MinutesBetween(FunctionElement[int]):
    """Whole minutes from one timestamp column to another, in the database."""

    type = Integer()
    inherit_cache = True
    name = "minutes_between"


@compiles(_MinutesBetween)
def _minutes_default(element: _MinutesBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) / 60) AS INTEGER)"


@compiles(_MinutesBetween, "sqlite")
def _minutes_sqlite(element: _MinutesBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND((julianday({end}) - julianday({start})) * 1440) AS INTEGER)"


@dataclass(frozen=True)
class Contribution:
    """The figures of a certificate: what the ambassador gave in a period."""

    period_from: date
    period_to: date
    meetings: int
    pupils: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass(frozen=True)
class Holder:
    """Who a certificate is for, as printed: name, programme and institution."""

    ambassador_id: int
    name: str
    programme_da: str
    programme_en: str
    institution: str


@dataclass(frozen=True)
class Certificate:
    code: str
    contribution: Contribution
    name: str
    issued_at: datetime
    ambassador_id: int


def new_code() -> str:
    pick = [secrets.choice(CODE_ALPHABET) for _ in range(8)]
    return f"AMB-{''.join(pick[:4])}-{''.join(pick[4:])}"


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL_TIMEZONE).date()


def default_period(now: datetime) -> tuple[date, date]:
    """The current school year so far: from 1 August to today (Danish time)."""
    today = local_today(now)
    start_year = today.year if today.month >= 8 else today.year - 1
    return date(start_year, 8, 1), today


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TIMEZONE)


def check_period(period_from: date | None, period_to: date | None, *, now: datetime) -> None:
    """A period a certificate may cover: both days given, in order, not in the future."""
    errors: dict[str, Any] = {}
    today = local_today(now)
    if period_from is None:
        errors["period_from"] = lazy_gettext("Enter a date like 28.11.2026.")
    elif period_from < EARLIEST:
        errors["period_from"] = lazy_gettext("The period cannot start before %(year)s.", year=2013)
    if period_to is None:
        errors["period_to"] = lazy_gettext("Enter a date like 28.11.2026.")
    elif period_to > today:
        errors["period_to"] = lazy_gettext("The period cannot end after today.")
    if not errors and period_from is not None and period_to is not None and period_to < period_from:
        errors["period_to"] = lazy_gettext("The period must end on or after its first day.")
    if errors:
        raise InvalidInput(errors)


def contribution(
    db: Session, *, ambassador_id: int, period_from: date, period_to: date
) -> Contribution:
    """The ambassador's HELD meetings in the period (Danish days, both included), the distinct
    pupils present at them, and the meetings' minutes: two aggregate queries."""
    in_period = (
        Meeting.ambassador_id == ambassador_id,
        Meeting.state == MeetingState.HELD,
        Meeting.starts_at >= _utc_start(period_from),
        Meeting.starts_at < _utc_start(period_to + timedelta(days=1)),
    )
    meetings, minutes = db.execute(
        select(
            func.count(Meeting.id),
            func.coalesce(func.sum(_MinutesBetween(Meeting.starts_at, Meeting.ends_at)), 0),
        ).where(*in_period)
    ).one()
    pupils = db.scalar(
        select(func.count(distinct(MeetingParticipant.pupil_id)))
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(*in_period, MeetingParticipant.attendance == Attendance.PRESENT)
    )
    return Contribution(
        period_from=period_from,
        period_to=period_to,
        meetings=int(meetings or 0),
        pupils=int(pupils or 0),
        minutes=max(0, int(minutes or 0)),
    )


def _holders() -> Select[Any]:
    institution = aliased(Organisation)
    return (
        select(
            Ambassador.id, User.full_name, Programme.name_da, Programme.name_en, institution.name
        )
        .select_from(Ambassador)
        .join(User, User.id == Ambassador.user_id)
        .join(Programme, Programme.id == Ambassador.programme_id)
        .join(institution, institution.id == Ambassador.institution_id)
    )


def _holder(row: Any) -> Holder:
    return Holder(
        ambassador_id=row[0],
        name=row[1],
        programme_da=row[2],
        programme_en=row[3],
        institution=row[4],
    )


def holder(db: Session, ambassador_id: int) -> Holder:
    row = db.execute(_holders().where(Ambassador.id == ambassador_id)).first()
    if row is None:
        raise NotFound()
    return _holder(row)


def municipality_name(db: Session) -> str:
    """The setting when the admin set one; else the guidance unit's municipality."""
    value = db.scalar(select(Setting.value).where(Setting.key == MUNICIPALITY_SETTING))
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"].strip():
        return str(value["name"]).strip()
    name = db.scalar(
        select(Organisation.municipality_name)
        .where(
            Organisation.kind == OrganisationKind.GUIDANCE_UNIT,
            Organisation.municipality_name.is_not(None),
        )
        .order_by(Organisation.active.desc(), Organisation.id)
        .limit(1)
    )
    if name:
        return name
    return (
        db.scalar(
            select(Organisation.municipality_name)
            .where(Organisation.municipality_name.is_not(None))
            .order_by(Organisation.id)
            .limit(1)
        )
        or ""
    )


def issue(
    db: Session,
    *,
    actor: User,
    ambassador_id: int,
    period_from: date | None,
    period_to: date | None,
    now: datetime,
) -> AmbassadorCertificate:
    """Store a certificate with the figures as they are now and a fresh random code."""
    check_period(period_from, period_to, now=now)
    assert period_from is not None
    assert period_to is not None
    the_holder = holder(db, ambassador_id)
    figures = contribution(
        db, ambassador_id=ambassador_id, period_from=period_from, period_to=period_to
    )
    code = new_code()
    # 26^8 codes: a clash is all but impossible, but never print a code twice.
    while db.scalar(select(AmbassadorCertificate.id).where(AmbassadorCertificate.code == code)):
        code = new_code()
    certificate = AmbassadorCertificate(
        ambassador_id=ambassador_id,
        code=code,
        name=the_holder.name[:200],
        period_from=figures.period_from,
        period_to=figures.period_to,
        meetings=figures.meetings,
        pupils=figures.pupils,
        minutes=figures.minutes,
        issued_at=now,
        issued_by_id=actor.id,
    )
    db.add(certificate)
    db.flush()
    record(
        db,
        actor_id=actor.id,
        action="create",
        object_type="ambassador_certificate",
        object_id=certificate.id,
        details={
            "code": code,
            "ambassador_id": ambassador_id,
            "period_from": period_from.isoformat(),
            "period_to": period_to.isoformat(),
        },
    )
    return certificate


def _certificate(row: AmbassadorCertificate) -> Certificate:
    return Certificate(
        code=row.code,
        contribution=Contribution(
            period_from=row.period_from,
            period_to=row.period_to,
            meetings=row.meetings,
            pupils=row.pupils,
            minutes=row.minutes,
        ),
        name=row.name,
        issued_at=row.issued_at,
        ambassador_id=row.ambassador_id,
    )


def normalise_code(raw: str | None) -> str | None:
    """The code as stored, or None when the input cannot be one (checked before any query)."""
    if not raw or len(raw) > 40:
        return None
    code = re.sub(r"[\s]", "", raw).upper()
    if not CODE_PATTERN.fullmatch(code):
        return None
    return code


def find(db: Session, raw_code: str | None) -> Certificate | None:
    """The certificate a code names, for the public confirmation page."""
    code = normalise_code(raw_code)
    if code is None:
        return None
    row = db.scalar(select(AmbassadorCertificate).where(AmbassadorCertificate.code == code))
    return None if row is None else _certificate(row)


def own_certificate(db: Session, *, ambassador_id: int, code: str) -> Certificate:
    found = find(db, code)
    if found is None or found.ambassador_id != ambassador_id:
        raise NotFound()
    return found


def issued_for(db: Session, *, ambassador_id: int, limit: int = 50) -> list[Certificate]:
    rows = db.scalars(
        select(AmbassadorCertificate)
        .where(AmbassadorCertificate.ambassador_id == ambassador_id)
        .order_by(AmbassadorCertificate.issued_at.desc(), AmbassadorCertificate.id.desc())
        .limit(limit)
    )
    return [_certificate(row) for row in rows]


# The school's side: coordinators hand certificates over


@dataclass(frozen=True)
class SchoolAmbassador:
    ambassador_id: int
    name: str
    institution: str
    meetings_here: int


def _met_school_pupils(user: User) -> Select[tuple[int]]:
    """The rule: an ambassador who held a meeting at one of the user's schools (a coordinator's
    own, a counsellor's caseload) at which a pupil was present."""
    return (
        select(Meeting.ambassador_id)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .where(
            Meeting.state == MeetingState.HELD,
            MeetingParticipant.attendance == Attendance.PRESENT,
            Meeting.school_id.in_(enrolment_school_ids(user)),
        )
    )


def school_ambassadors(db: Session, user: User, *, limit: int = 500) -> list[SchoolAmbassador]:
    """The ambassadors the user may hand a certificate to, with their held meetings there."""
    institution = aliased(Organisation)
    query = (
        select(
            Ambassador.id,
            User.full_name,
            institution.name,
            func.count(distinct(Meeting.id)),
        )
        .select_from(Ambassador)
        .join(User, User.id == Ambassador.user_id)
        .join(institution, institution.id == Ambassador.institution_id)
        .join(Meeting, Meeting.ambassador_id == Ambassador.id)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .where(
            Meeting.state == MeetingState.HELD,
            MeetingParticipant.attendance == Attendance.PRESENT,
            Meeting.school_id.in_(enrolment_school_ids(user)),
        )
        .group_by(Ambassador.id, User.full_name, institution.name)
        .order_by(User.full_name, Ambassador.id)
        .limit(limit)
    )
    return [
        SchoolAmbassador(ambassador_id=r[0], name=r[1], institution=r[2], meetings_here=r[3])
        for r in db.execute(query)
    ]


def may_hand_over(db: Session, user: User, ambassador_id: int) -> bool:
    query = _met_school_pupils(user).where(Meeting.ambassador_id == ambassador_id).limit(1)
    return db.scalar(query) is not None


def school_certificate(db: Session, user: User, code: str) -> Certificate:
    """A certificate of an ambassador the user may hand over; anything else is a 404."""
    found = find(db, code)
    if found is None or not may_hand_over(db, user, found.ambassador_id):
        raise NotFound()
    return found
