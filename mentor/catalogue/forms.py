"""Forms of the catalogue pages, and the names of programme families and EUD main areas."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import EudMainArea, ProgrammeFamily
from mentor.web.forms import FormModel, LocalDate
from mentor.web.ids import FormId

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
    group_id: FormId
    active: bool = False  # an unticked checkbox sends nothing
    sort_order: int = Field(default=0, ge=0, le=100_000)


class InterestGroupForm(FormModel):
    code: str = Field(max_length=40)
    label_da: str = Field(max_length=100)
    label_en: str = Field(max_length=100)
    sort_order: int = Field(default=0, ge=0, le=100_000)
