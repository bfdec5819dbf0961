"""Parsing HTML form posts with pydantic, with messages in the user's language.

Routes read the raw fields (``FormFields``) and call ``parse_form``; a value that does not fit
becomes an ``InvalidInput`` whose messages the page shows next to the fields, with the user's
values kept in the form.

Two rules hold for every text a person types, whatever the form:

- no control characters (NUL above all: PostgreSQL refuses it in text, and none of them belongs
  in anything a page shows). ``FormFields`` replaces each with U+FFFD before any route sees the
  post (a date or a number that held one no longer parses; a text shows where it was) and
  remembers the fields, so that ``parse_form`` puts a message next to them;
- no CPR number: the programme must never hold one (``mentor.privacy.cpr``). Every text field of
  every ``FormModel`` refuses one; a model names the fields that may (a password) in
  ``cpr_allowed``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import Depends, Request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.privacy.cpr import CPR_MESSAGE, contains_cpr

FormModelT = TypeVar("FormModelT", bound=BaseModel)

# NUL and the other C0 and C1 control characters. Tab and line breaks are allowed: a text area
# sends them, and a single-line input cannot.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS = lazy_gettext("The text contains characters that are not allowed.")
REPLACEMENT_CHARACTER = "\ufffd"

# Dates a person types: anything outside these years is a typing slip (01.01.0001), and the
# years 1 and 9999 cannot even be moved between time zones. A field may narrow it (``within``).
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


def date_range_message(earliest: date, latest: date) -> LazyText:
    return lazy_gettext(
        "Enter a date between %(earliest)s and %(latest)s.",
        earliest=earliest.strftime("%d.%m.%Y"),
        latest=latest.strftime("%d.%m.%Y"),
    )


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
    "control_characters": CONTROL_CHARACTERS,
    "cpr_number": CPR_MESSAGE,
}
FALLBACK_MESSAGE = lazy_gettext("This value is not valid.")

_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def without_control_characters(text: str) -> str:
    return _CONTROL.sub("", text)


def _marked(text: str) -> str:
    return _CONTROL.sub(REPLACEMENT_CHARACTER, text)


def text_problem(text: str | None) -> LazyText | None:
    """Why a typed text may not be kept (control characters, a CPR number), or None.

    For the few fields read outside a ``FormModel`` (a row of a checklist, a reason read by a
    service shared with the command line).
    """
    if not text:
        return None
    if has_control_characters(text):
        return CONTROL_CHARACTERS
    if contains_cpr(text):
        return CPR_MESSAGE
    return None


def _check_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL_PATTERN.match(value) or len(value) > 254:
        raise PydanticCustomError("email", "not an e-mail address")
    return value


Email = Annotated[str, AfterValidator(_check_email)]

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


def is_plausible_date(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def within(earliest: date, latest: date) -> AfterValidator:
    """A date field's years: ``Annotated[date, DanishDate, within(...)]``."""

    def check(day: date) -> date:
        if not earliest <= day <= latest:
            bounds = {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
            raise PydanticCustomError("date_out_of_range", "not a plausible date", bounds)
        return day

    return AfterValidator(check)


DanishDate = BeforeValidator(_danish_date)
LocalDate = Annotated[date, DanishDate, within(EARLIEST_DATE, LATEST_DATE)]


class FormModel(BaseModel):
    """Base for form models: whitespace stripped, unknown fields (the CSRF token) ignored, and
    no control characters or CPR numbers in any text."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    # The text fields that may hold a run of digits like a CPR number (a password).
    cpr_allowed: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _typed_text(cls, value: Any, info: ValidationInfo) -> Any:
        for text in value if isinstance(value, list | tuple) else (value,):
            if not isinstance(text, str):
                continue
            if has_control_characters(text):
                raise PydanticCustomError("control_characters", "control characters")
            if info.field_name not in cls.cpr_allowed and contains_cpr(text):
                raise PydanticCustomError("cpr_number", "a CPR number")
        return value


class PostedFields(dict[str, str]):
    """The text fields of a form post with each control character replaced by U+FFFD;
    ``refused`` names the fields that held some, for ``parse_form`` to say so next to them."""

    def __init__(self, fields: Mapping[str, str], refused: Iterable[str] = ()) -> None:
        super().__init__(fields)
        self.refused = frozenset(refused)

    @classmethod
    def cleaned(cls, fields: Mapping[str, str]) -> PostedFields:
        return cls(
            {
                name: _marked(value)
                for name, value in fields.items()
                if not has_control_characters(name)
            },
            refused={name for name, value in fields.items() if has_control_characters(value)},
        )


async def _form_fields(request: Request) -> PostedFields:
    form = await request.form()
    return PostedFields.cleaned(
        {key: value for key, value in form.items() if isinstance(value, str)}
    )


FormFields = Annotated[PostedFields, Depends(_form_fields)]


def refused(fields: Mapping[str, str]) -> frozenset[str]:
    """The fields of a post that held control characters (none for a plain mapping)."""
    return fields.refused if isinstance(fields, PostedFields) else frozenset()


def fields_without(fields: Mapping[str, str], *names: str) -> PostedFields:
    """The post without the named fields, still knowing which held control characters."""
    kept = {name: value for name, value in fields.items() if name not in names}
    return PostedFields(kept, refused(fields) - set(names))


def bad_text(fields: Mapping[str, str], *names: str) -> dict[str, LazyText | str]:
    """Messages for the named fields, read outside a ``FormModel``, that held control
    characters (marked by ``FormFields``) or hold a CPR number."""
    errors: dict[str, LazyText | str] = {}
    for name in names:
        if name in refused(fields) or has_control_characters(fields.get(name) or ""):
            errors[name] = CONTROL_CHARACTERS
        elif problem := text_problem(fields.get(name)):
            errors[name] = problem
    return errors


def refuse_bad_text(fields: Mapping[str, str], *names: str) -> None:
    """``bad_text`` as an ``InvalidInput``."""
    if errors := bad_text(fields, *names):
        raise InvalidInput(errors)


def refuse_control_characters(fields: Mapping[str, str], *names: str) -> None:
    """``InvalidInput`` for the named fields that held control characters: for a text whose
    service refuses a CPR number itself, with the form's other messages."""
    errors: dict[str, LazyText | str] = {
        name: CONTROL_CHARACTERS
        for name in names
        if name in refused(fields) or has_control_characters(fields.get(name) or "")
    }
    if errors:
        raise InvalidInput(errors)


def _without_blanks(data: Mapping[str, str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value.strip() != ""}


def _names(model: type[BaseModel]) -> set[str]:
    return {name for key, info in model.model_fields.items() for name in (key, info.alias) if name}


def _message(problem: ErrorDetails) -> LazyText:
    if problem["type"] == "date_out_of_range":
        bounds = problem.get("ctx", {})
        return date_range_message(
            date.fromisoformat(bounds["earliest"]), date.fromisoformat(bounds["latest"])
        )
    return ERROR_MESSAGES.get(problem["type"], FALLBACK_MESSAGE)


def parse_form(model: type[FormModelT], data: Mapping[str, str]) -> FormModelT:
    """Validate ``data`` into ``model``; empty fields count as missing."""
    field_errors: dict[str, LazyText | str] = {}
    if isinstance(data, PostedFields):
        field_errors |= dict.fromkeys(data.refused & _names(model), CONTROL_CHARACTERS)
    try:
        form = model.model_validate(_without_blanks(data))
    except ValidationError as error:
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "__all__"
            field_errors.setdefault(field, _message(problem))
        raise InvalidInput(field_errors) from None
    if field_errors:
        raise InvalidInput(field_errors)
    return form
