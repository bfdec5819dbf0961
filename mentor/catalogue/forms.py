"""Forms of the catalogue pages, and the names of programme families and EUD main areas."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import EudMainArea, ProgrammeFamily
from mentor.web.forms import FormModel

FAMILY_LABELS: dict[ProgrammeFamily, LazyText] = {
    ProgrammeFamily.GYMNASIAL: lazy_gettext("Upper secondary (gymnasial)"),
    ProgrammeFamily.VOCATIONAL: lazy_gettext("Vocational"),
    ProgrammeFamily.PREPARATORY: lazy_gettext("Preparatory"),
}
MAIN_AREA_LABELS: dict[EudMainArea, LazyText] = {
    EudMainArea.CARE_HEALTH_PEDAGOGY: lazy_gettext("Care, health and pedagogy"),
    EudMainArea.OFFICE_TRADE_BUSINESS: lazy_gettext("Office, trade and business service"),
    EudMainArea.FOOD_AGRICULTURE_EXPERIENCES: lazy_gettext("Food, agriculture and hospitality"),
    EudMainArea.TECHNOLOGY_CONSTRUCTION_TRANSPORT: lazy_gettext(
        "Technology, construction and transport"
    ),
}

_DANISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _danish_date(value: Any) -> Any:
    """28.11.2026 as Danes write it; ISO (2026-11-28) is left to pydantic."""
    if isinstance(value, str) and (found := _DANISH_DATE.match(value.strip())):
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise PydanticCustomError("date_parsing", "not a date") from None
    return value


LocalDate = Annotated[date, BeforeValidator(_danish_date)]


def format_form_date(value: date | None) -> str:
    """A date as the form shows it, so an untouched form saves the same date."""
    return "" if value is None else value.strftime("%d.%m.%Y")


class ProgrammeForm(FormModel):
    code: str = Field(max_length=20)
    name_da: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    family: ProgrammeFamily
    eud_main_area: EudMainArea | None = None
    valid_from: LocalDate | None = None
    valid_to: LocalDate | None = None
    sort_order: int = Field(default=0, ge=0, le=100_000)


class InterestForm(FormModel):
    code: str = Field(max_length=40)
    label_da: str = Field(max_length=100)
    label_en: str = Field(max_length=100)
    group_id: int
    active: bool = False  # an unticked checkbox sends nothing
    sort_order: int = Field(default=0, ge=0, le=100_000)


class InterestGroupForm(FormModel):
    code: str = Field(max_length=40)
    label_da: str = Field(max_length=100)
    label_en: str = Field(max_length=100)
    sort_order: int = Field(default=0, ge=0, le=100_000)
