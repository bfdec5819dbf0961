"""Parsing HTML form posts with pydantic, with messages in the user's language.

Routes read the raw fields (``FormFields``) and call ``parse_form``; a value that does not fit
becomes an ``InvalidInput`` whose messages the page shows next to the fields, with the user's
values kept in the form.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext

FormModelT = TypeVar("FormModelT", bound=BaseModel)

ERROR_MESSAGES: dict[str, LazyText] = {
    "missing": lazy_gettext("This field is required."),
    "string_too_short": lazy_gettext("This field is required."),
    "string_too_long": lazy_gettext("This text is too long."),
    "int_parsing": lazy_gettext("Enter a whole number."),
    "int_type": lazy_gettext("Enter a whole number."),
    "greater_than_equal": lazy_gettext("The number is too small."),
    "less_than_equal": lazy_gettext("The number is too large."),
    "enum": lazy_gettext("Choose one of the options."),
    "literal_error": lazy_gettext("Choose one of the options."),
    "email": lazy_gettext("Enter an e-mail address like name@example.dk."),
    "date_from_datetime_parsing": lazy_gettext("Enter a date like 28.11.2026."),
    "date_parsing": lazy_gettext("Enter a date like 28.11.2026."),
}
FALLBACK_MESSAGE = lazy_gettext("This value is not valid.")

_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def _check_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL_PATTERN.match(value) or len(value) > 254:
        raise PydanticCustomError("email", "not an e-mail address")
    return value


Email = Annotated[str, AfterValidator(_check_email)]


class FormModel(BaseModel):
    """Base for form models: whitespace stripped, unknown fields (the CSRF token) ignored."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)


async def _form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def _without_blanks(data: dict[str, str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value.strip() != ""}


def parse_form(model: type[FormModelT], data: dict[str, str]) -> FormModelT:
    """Validate ``data`` into ``model``; empty fields count as missing."""
    try:
        return model.model_validate(_without_blanks(data))
    except ValidationError as error:
        field_errors: dict[str, LazyText | str] = {}
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "__all__"
            field_errors.setdefault(field, ERROR_MESSAGES.get(problem["type"], FALLBACK_MESSAGE))
        raise InvalidInput(field_errors) from None
