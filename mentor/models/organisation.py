"""Organisations and the catalogues they share: programmes and interests.

Programmes and interests are data, not code: the 2025 agreement on EPX (from about 2030) will
close and open programmes, and ``valid_from``/``valid_to`` let an admin record that without a
release.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor.db import Base, Retention, TimestampMixin
from mentor.models._types import JSONDocument, not_personal, str_enum

REF = Retention.REFERENCE


class OrganisationKind(StrEnum):
    PRIMARY_SCHOOL = "primary_school"
    TENTH_GRADE_CENTRE = "tenth_grade_centre"
    YOUTH_INSTITUTION = "youth_institution"
    GUIDANCE_UNIT = "guidance_unit"


class ProgrammeFamily(StrEnum):
    GYMNASIAL = "gymnasial"
    VOCATIONAL = "vocational"
    PREPARATORY = "preparatory"


class EudMainArea(StrEnum):
    """The four main areas (hovedområder) of the vocational programmes."""

    CARE_HEALTH_PEDAGOGY = "care_health_pedagogy"
    OFFICE_TRADE_BUSINESS = "office_trade_business"
    FOOD_AGRICULTURE_EXPERIENCES = "food_agriculture_experiences"
    TECHNOLOGY_CONSTRUCTION_TRANSPORT = "technology_construction_transport"


class Organisation(TimestampMixin, Base):
    """A primary school, a 10th-grade centre, a youth-education institution or the guidance unit."""

    __tablename__ = "organisation"
    __table_args__ = (
        # Kommunekoder are three digits (Haderslev is 510).
        CheckConstraint(
            "municipality_code IS NULL OR length(municipality_code) = 3", name="municipality_code"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    kind: Mapped[OrganisationKind] = mapped_column(
        str_enum(OrganisationKind, name="kind"), index=True, info=not_personal(REF)
    )
    name: Mapped[str] = mapped_column(String(200), info=not_personal(REF))
    # Short and stable: what `mentor import pupils --school CODE` takes.
    code: Mapped[str] = mapped_column(String(20), unique=True, info=not_personal(REF))
    # The ministry's institution number; the guidance unit has none.
    institution_number: Mapped[str | None] = mapped_column(
        String(10), unique=True, info=not_personal(REF)
    )
    municipality_name: Mapped[str | None] = mapped_column(String(100), info=not_personal(REF))
    municipality_code: Mapped[str | None] = mapped_column(String(3), info=not_personal(REF))
    address: Mapped[str | None] = mapped_column(String(300), info=not_personal(REF))
    active: Mapped[bool] = mapped_column(default=True, info=not_personal(REF))
    # A school's hours, when ambassadors may meet its pupils: [{"weekday": 0-6 (Monday = 0),
    # "start": "08:00", "end": "15:30"}]; empty means the usual (Monday-Friday, 08:00-16:00).
    school_hours: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, info=not_personal(REF)
    )
    # Whether the coordinator confirms each meeting held at the school before it stands.
    meeting_confirmation_required: Mapped[bool] = mapped_column(
        default=True, info=not_personal(REF)
    )

    programmes: Mapped[list[Programme]] = relationship(
        secondary="institution_programme", lazy="raise", order_by="Programme.sort_order"
    )


class Programme(Base):
    """A youth-education programme (STX, EUX, FGU, ...)."""

    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_period"
        ),
        CheckConstraint(
            "eud_main_area IS NULL OR family = 'vocational'", name="main_area_only_vocational"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    code: Mapped[str] = mapped_column(String(20), unique=True, info=not_personal(REF))
    name_da: Mapped[str] = mapped_column(String(200), info=not_personal(REF))
    name_en: Mapped[str] = mapped_column(String(200), info=not_personal(REF))
    family: Mapped[ProgrammeFamily] = mapped_column(
        str_enum(ProgrammeFamily, name="family"), info=not_personal(REF)
    )
    eud_main_area: Mapped[EudMainArea | None] = mapped_column(
        str_enum(EudMainArea, name="eud_main_area"), info=not_personal(REF)
    )
    valid_from: Mapped[date | None] = mapped_column(info=not_personal(REF))
    valid_to: Mapped[date | None] = mapped_column(info=not_personal(REF))
    sort_order: Mapped[int] = mapped_column(default=0, info=not_personal(REF))


class InstitutionProgramme(Base):
    """The programmes a youth-education institution offers."""

    __tablename__ = "institution_programme"

    institution_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, info=not_personal(REF)
    )
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        info=not_personal(REF),
    )


class InterestGroup(Base):
    """A heading in the interests catalogue ("Kreativitet", "Teknik", ...)."""

    __tablename__ = "interest_group"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    code: Mapped[str] = mapped_column(String(40), unique=True, info=not_personal(REF))
    label_da: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    label_en: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    sort_order: Mapped[int] = mapped_column(default=0, info=not_personal(REF))


class Interest(Base):
    """An interest pupils and ambassadors pick; retired ones are made inactive, never deleted."""

    __tablename__ = "interest"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    code: Mapped[str] = mapped_column(String(40), unique=True, info=not_personal(REF))
    label_da: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    label_en: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    group_id: Mapped[int] = mapped_column(
        ForeignKey("interest_group.id"), index=True, info=not_personal(REF)
    )
    active: Mapped[bool] = mapped_column(default=True, info=not_personal(REF))
    sort_order: Mapped[int] = mapped_column(default=0, info=not_personal(REF))

    group: Mapped[InterestGroup] = relationship(lazy="raise")
