"""What an import works against: the school, the catalogue's names, and the school year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.errors import NotFound
from mentor.i18n import LOCAL_TIMEZONE, lazy_gettext
from mentor.models import (
    Interest,
    Organisation,
    Programme,
)
from mentor.organisations.service import SCHOOL_KINDS
from mentor.pupils.importing.names import Catalogue


def school_year_end(now: datetime | None = None) -> int:
    """The calendar year the current school year ends in (2026/27 → 2027); it starts in August."""
    today = (now or utcnow()).astimezone(LOCAL_TIMEZONE).date()
    return today.year + 1 if today.month >= 8 else today.year


def last_school_year(grade: int, *, year_end: int) -> int:
    # A pupil leaves after 9th grade, or after 10th.
    return year_end + max(0, 9 - grade)


def get_school(db: Session, school_id: int) -> Organisation:
    school = db.get(Organisation, school_id)
    if school is None or school.kind not in SCHOOL_KINDS:
        raise NotFound()
    return school


def school_by_code(db: Session, code: str) -> Organisation:
    school = db.scalar(select(Organisation).where(Organisation.code == code.strip()))
    if school is None or school.kind not in SCHOOL_KINDS:
        raise NotFound(lazy_gettext("There is no school with the code %(code)s.", code=code))
    return school


def load_catalogue(db: Session, *, today: datetime | None = None) -> Catalogue:
    """Active interests and currently offered programmes, by code and by name in both languages."""
    day = (today or utcnow()).astimezone(LOCAL_TIMEZONE).date()
    interests: dict[str, int] = {}
    for interest in db.scalars(select(Interest).where(Interest.active.is_(True))):
        for key in Catalogue.keys(interest.code, interest.label_da, interest.label_en):
            interests.setdefault(key, interest.id)
    programmes: dict[str, int] = {}
    offered = select(Programme).where(
        (Programme.valid_from.is_(None)) | (Programme.valid_from <= day),
        (Programme.valid_to.is_(None)) | (Programme.valid_to >= day),
    )
    for programme in db.scalars(offered.order_by(Programme.sort_order)):
        for key in Catalogue.keys(programme.code, programme.name_da, programme.name_en):
            programmes.setdefault(key, programme.id)
    return Catalogue(interests=interests, programmes=programmes)
