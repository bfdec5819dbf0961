"""The organisation form, the names of organisation kinds, and ticked checkboxes."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import OrganisationKind
from mentor.web.forms import FormModel

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
