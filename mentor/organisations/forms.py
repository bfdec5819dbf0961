"""The organisation form, the names of organisation kinds, and ticked checkboxes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import OrganisationKind
from mentor.organisations.school_hours import HOURS_FIELD, parse_hours_fields
from mentor.web.forms import FormModel, fields_without, parse_form

KIND_LABELS: dict[OrganisationKind, LazyText] = {
    OrganisationKind.PRIMARY_SCHOOL: lazy_gettext("Primary school"),
    OrganisationKind.TENTH_GRADE_CENTRE: lazy_gettext("10th-grade centre"),
    OrganisationKind.YOUTH_INSTITUTION: lazy_gettext("Youth-education institution"),
    OrganisationKind.GUIDANCE_UNIT: lazy_gettext("Guidance unit"),
}


class OrganisationForm(FormModel):
    kind: OrganisationKind
    name: str = Field(max_length=200)
    code: str = Field(max_length=20)
    institution_number: str | None = Field(default=None, max_length=10)
    municipality_name: str | None = Field(default=None, max_length=100)
    municipality_code: str | None = Field(default=None, max_length=3)
    address: str | None = Field(default=None, max_length=300)
    # A school's meeting settings, read only when the form had the school section
    # (``SCHOOL_SECTION``); otherwise a school's stored settings stay as they are.
    school_section: bool = False
    meeting_confirmation_required: bool = False  # an unticked checkbox sends nothing
    school_hours: list[dict[str, Any]] = Field(default_factory=list)


# A hidden field of the form's school section: without it (a post from elsewhere) the unticked
# confirmation checkbox and the empty hours would be read as "no confirmation, never open".
SCHOOL_SECTION = "school_section"
SCHOOL_KIND_VALUES = {
    OrganisationKind.PRIMARY_SCHOOL.value,
    OrganisationKind.TENTH_GRADE_CENTRE.value,
}


def parse_organisation_form(fields: Mapping[str, str]) -> OrganisationForm:
    """The form, with a school's hours when it is a school; every problem at once."""
    errors: dict[str, LazyText | str] = {}
    plain = fields_without(fields, HOURS_FIELD)
    form: OrganisationForm | None = None
    try:
        form = parse_form(OrganisationForm, plain)
    except InvalidInput as error:
        errors |= error.field_errors
    hours: list[dict[str, Any]] = []
    if fields.get(SCHOOL_SECTION) and fields.get("kind", "").strip() in SCHOOL_KIND_VALUES:
        try:
            hours = parse_hours_fields(fields)
        except InvalidInput as error:
            errors |= error.field_errors
    if errors or form is None:
        raise InvalidInput(errors)
    return form.model_copy(update={"school_hours": hours})


def checked_ids(fields: Mapping[str, str], prefix: str) -> set[int]:
    """The ids of the ticked checkboxes named ``<prefix><id>``.

    One name per checkbox, because a form post read as a mapping keeps only the last value of a
    repeated name.
    """
    ids: set[int] = set()
    for name in fields:
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            ids.add(int(name[len(prefix) :]))
    return ids
