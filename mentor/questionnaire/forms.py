"""Forms of the questionnaire: the staff's send and revoke buttons, and the pupil's answers.

The answers come from checkboxes (several values under one name), which ``parse_form`` does not
read, hence ``parse_answers`` with the same messages.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import FormData

from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import ProgrammeFamily
from mentor.web.forms import (
    ERROR_MESSAGES,
    FALLBACK_MESSAGE,
    FormModel,
    text_problem,
    without_control_characters,
)

PROGRAMME_CHOICES = 5  # like the five priorities on optagelse.dk
WISH_MAX_LENGTH = 1000


class Delivery(StrEnum):
    EMAIL = "email"  # e-mail where an address is on file, and show the links
    SHEET = "sheet"  # only show the links (a class sheet), no e-mail


class SendForm(FormModel):
    delivery: Delivery


class SchoolSendForm(SendForm):
    scope: Literal["school", "class"]
    class_name: str | None = Field(default=None, max_length=20)


class RevokeForm(FormModel):
    scope: Literal["school", "class"]
    class_name: str | None = Field(default=None, max_length=20)


# Languages spoken at home: the common ones in Danish schools, as ISO 639-1 codes (the codes
# Pupil.languages keeps), and "other".
OTHER_LANGUAGE = "other"
HOME_LANGUAGES: dict[str, LazyText] = {
    "da": lazy_gettext("Danish"),
    "en": lazy_gettext("English"),
    "de": lazy_gettext("German"),
    "ar": lazy_gettext("Arabic"),
    "tr": lazy_gettext("Turkish"),
    "uk": lazy_gettext("Ukrainian"),
    "pl": lazy_gettext("Polish"),
    "so": lazy_gettext("Somali"),
    "fa": lazy_gettext("Farsi"),
    OTHER_LANGUAGE: lazy_gettext("Another language"),
}

ALUMNUS_CHOICES: dict[str, LazyText] = {
    "yes": lazy_gettext("Yes"),
    "no": lazy_gettext("No"),
    "any": lazy_gettext("It doesn't matter"),
}

RANK_LABELS: tuple[LazyText, ...] = (
    lazy_gettext("1st choice"),
    lazy_gettext("2nd choice"),
    lazy_gettext("3rd choice"),
    lazy_gettext("4th choice"),
    lazy_gettext("5th choice"),
)

# One line about each programme, in words a 14-year-old knows. The catalogue has no description
# column yet: the lines are keyed by the seeded programme codes, and a programme an admin adds
# gets the line of its family until the catalogue can hold its own.
PROGRAMME_DESCRIPTIONS: dict[str, LazyText] = {
    "STX": lazy_gettext(
        "Three years of gymnasium with many subjects: languages, science, society."
    ),
    "HHX": lazy_gettext("Three years of gymnasium about business, economics and languages."),
    "HTX": lazy_gettext("Three years of gymnasium about technology, science and projects."),
    "HF": lazy_gettext("Two years of upper secondary school, often a way into a profession."),
    "EUX": lazy_gettext("Learn a trade and take a student exam at the same time."),
    "EUD-OSP": lazy_gettext("Vocational training for work with children, the sick or the elderly."),
    "EUD-KHF": lazy_gettext("Vocational training for work in shops, offices and with customers."),
    "EUD-FJO": lazy_gettext("Vocational training for work with food, animals, plants or events."),
    "EUD-TBT": lazy_gettext(
        "Vocational training for work with machines, buildings, electricity or vehicles."
    ),
    "EUD10": lazy_gettext("A 10th grade with a lot of time at vocational schools."),
    "FGU": lazy_gettext("Practical teaching that prepares you for an education or a job."),
    "STU": lazy_gettext("Three years of education planned for young people with special needs."),
}
FAMILY_DESCRIPTIONS: dict[ProgrammeFamily, LazyText] = {
    ProgrammeFamily.GYMNASIAL: lazy_gettext(
        "Upper secondary school that prepares for further study."
    ),
    ProgrammeFamily.VOCATIONAL: lazy_gettext(
        "Vocational training: learn a trade at school and at work."
    ),
    ProgrammeFamily.PREPARATORY: lazy_gettext(
        "Teaching that prepares you for an education or a job."
    ),
}

DUPLICATE_PROGRAMME = lazy_gettext("You have already chosen this programme. Choose another one.")


class Answers(BaseModel):
    model_config = ConfigDict(frozen=True)

    interest_ids: list[int] = Field(default_factory=list, max_length=200)
    # Programme ids in the order of the pupil's choices; gaps closed, so the first is rank 1.
    programme_ids: list[int] = Field(default_factory=list, max_length=PROGRAMME_CHOICES)
    languages: list[str] = Field(default_factory=list, max_length=len(HOME_LANGUAGES))
    conversation_wish: str | None = Field(default=None, max_length=WISH_MAX_LENGTH)
    wants_alumnus: Literal["yes", "no", "any"]


def programme_field(rank: int) -> str:
    return f"programme_{rank}"


def answer_values(form: FormData) -> dict[str, object]:
    """The posted answers as the form shows them again: lists for checkboxes, text otherwise."""
    values: dict[str, object] = {
        "interests": [v for v in form.getlist("interest") if isinstance(v, str)],
        "languages": [v for v in form.getlist("language") if isinstance(v, str)],
        "conversation_wish": without_control_characters(str(form.get("conversation_wish") or "")),
        "wants_alumnus": form.get("wants_alumnus") or "",
    }
    for rank in range(1, PROGRAMME_CHOICES + 1):
        values[programme_field(rank)] = form.get(programme_field(rank)) or ""
    return values


def parse_answers(form: FormData) -> Answers:
    """Validate the questionnaire; a message per field, the duplicate programme choice included."""
    values = answer_values(form)
    errors: dict[str, LazyText | str] = {}
    if wish_problem := text_problem(str(form.get("conversation_wish") or "")):
        errors["conversation_wish"] = wish_problem
    chosen: list[str] = []
    for rank in range(1, PROGRAMME_CHOICES + 1):
        field = programme_field(rank)
        value = str(values[field]).strip()
        if not value:
            continue
        if value in chosen:
            errors.setdefault(field, DUPLICATE_PROGRAMME)
        chosen.append(value)
    languages = values["languages"]
    assert isinstance(languages, list)
    if any(code not in HOME_LANGUAGES for code in languages):
        errors["languages"] = ERROR_MESSAGES["enum"]
    wish = str(values["conversation_wish"]).strip()
    data = {
        "interest_ids": values["interests"],
        "programme_ids": chosen,
        "languages": list(dict.fromkeys(languages)),
        "conversation_wish": wish or None,
        "wants_alumnus": str(values["wants_alumnus"]).strip() or None,
    }
    fields = {
        "interest_ids": "interests",
        "programme_ids": programme_field(1),
        "languages": "languages",
        "conversation_wish": "conversation_wish",
        "wants_alumnus": "wants_alumnus",
    }
    try:
        answers = Answers.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            field = fields.get(str(problem["loc"][0]), "__all__") if problem["loc"] else "__all__"
            message = ERROR_MESSAGES.get(problem["type"], FALLBACK_MESSAGE)
            if field == "wants_alumnus":
                message = lazy_gettext("Choose one of the answers.")
            errors.setdefault(field, message)
        answers = None
    if errors or answers is None:
        raise InvalidInput(errors)
    return answers
