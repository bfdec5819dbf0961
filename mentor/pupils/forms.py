"""The pupil list's filters, the pupil and consent forms, and the names of pupil states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from pydantic import Field

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    ConsentMethod,
    ConsentState,
    MatchState,
    PupilStatus,
)
from mentor.web.forms import Email, FormModel, LocalDate, without_control_characters
from mentor.web.ids import FormId

CONSENT_STATE_LABELS: dict[ConsentState, LazyText] = {
    ConsentState.MISSING: lazy_gettext("Not recorded"),
    ConsentState.GIVEN: lazy_gettext("Given"),
    ConsentState.REFUSED: lazy_gettext("Refused"),
    ConsentState.WITHDRAWN: lazy_gettext("Withdrawn"),
}
# The states a user records; "missing" is only where every pupil starts.
RECORDABLE_CONSENT_STATES = (ConsentState.GIVEN, ConsentState.REFUSED, ConsentState.WITHDRAWN)
CONSENT_METHOD_LABELS: dict[ConsentMethod, LazyText] = {
    ConsentMethod.PAPER: lazy_gettext("Paper slip"),
    ConsentMethod.EMAIL: lazy_gettext("E-mail"),
    ConsentMethod.PHONE: lazy_gettext("Phone"),
    # Schools reach guardians through Aula; "digital" is stored so that another channel fits.
    ConsentMethod.DIGITAL: lazy_gettext("Aula message"),
    ConsentMethod.IN_PERSON: lazy_gettext("In person"),
}
STATUS_LABELS: dict[PupilStatus, LazyText] = {
    PupilStatus.ACTIVE: lazy_gettext("Active"),
    PupilStatus.ARCHIVED: lazy_gettext("Archived"),
    PupilStatus.ANONYMISED: lazy_gettext("Anonymised"),
}
MATCH_STATE_LABELS: dict[MatchState, LazyText] = {
    MatchState.PROPOSED: lazy_gettext("Proposed"),
    MatchState.ACCEPTED: lazy_gettext("Accepted"),
    MatchState.DECLINED: lazy_gettext("Declined"),
    MatchState.CLOSED: lazy_gettext("Closed"),
    MatchState.WITHDRAWN: lazy_gettext("Withdrawn"),
    MatchState.EXPIRED: lazy_gettext("Expired"),
}


class MatchFilter(StrEnum):
    """The list's match filter: no open match, or the state of the open one."""

    NONE = "none"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"


MATCH_FILTER_LABELS: dict[MatchFilter, LazyText] = {
    MatchFilter.NONE: lazy_gettext("No ambassador"),
    MatchFilter.PROPOSED: lazy_gettext("Ambassador proposed"),
    MatchFilter.ACCEPTED: lazy_gettext("Ambassador accepted"),
}


class QuestionnaireFilter(StrEnum):
    ANSWERED = "answered"
    UNANSWERED = "unanswered"


QUESTIONNAIRE_FILTER_LABELS: dict[QuestionnaireFilter, LazyText] = {
    QuestionnaireFilter.ANSWERED: lazy_gettext("Answered"),
    QuestionnaireFilter.UNANSWERED: lazy_gettext("Not answered"),
}

PAGE_SIZE = 50
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class PupilFilters:
    """What the list shows. Built leniently from the query string: a value no page offered (a
    hand-made URL) is dropped rather than answered with an error, like the admin lists."""

    q: str = ""
    school_id: FormId | None = None
    grade: int | None = None
    class_name: str | None = None
    consent: ConsentState | None = None
    questionnaire: QuestionnaireFilter | None = None
    match: MatchFilter | None = None
    archived: bool = False
    page: int = 1

    def query_params(self) -> dict[str, str]:
        """The filters as the form sends them (without the page), for page links."""
        params = {
            "q": self.q,
            "school_id": "" if self.school_id is None else str(self.school_id),
            "grade": "" if self.grade is None else str(self.grade),
            "class_name": self.class_name or "",
            "consent": self.consent.value if self.consent else "",
            "questionnaire": self.questionnaire.value if self.questionnaire else "",
            "match": self.match.value if self.match else "",
            "archived": "1" if self.archived else "",
        }
        return {key: value for key, value in params.items() if value}


def _int(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    number = int(value.strip())
    return number if low <= number <= high else None


def _member(enum: type[E], value: str | None) -> E | None:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def parse_filters(params: Mapping[str, str]) -> PupilFilters:
    # Control characters go: a NUL would reach PostgreSQL, which refuses it in text.
    q, class_name = (
        without_control_characters(params.get(name, "")) for name in ("q", "class_name")
    )
    return PupilFilters(
        q=" ".join(q.split())[:100],
        school_id=_int(params.get("school_id"), 1, 2**31 - 1),
        grade=_int(params.get("grade"), 7, 10),
        class_name=class_name.strip()[:20] or None,
        consent=_member(ConsentState, params.get("consent")),
        questionnaire=_member(QuestionnaireFilter, params.get("questionnaire")),
        match=_member(MatchFilter, params.get("match")),
        archived=params.get("archived") == "1",
        page=_int(params.get("page"), 1, 1_000_000) or 1,
    )


class PupilForm(FormModel):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    grade: int = Field(ge=7, le=10)
    class_name: str | None = Field(default=None, max_length=20)
    birth_year: int | None = None
    guardian_name: str | None = Field(default=None, max_length=200)
    guardian_email: Email | None = None
    guardian_phone: str | None = Field(default=None, max_length=30)
    email: Email | None = None
    priority: bool = False  # an unticked checkbox sends nothing


class ConsentForm(FormModel):
    """Consent recorded on the pupil page."""

    state: ConsentState
    given_by: str = Field(max_length=200)
    method: ConsentMethod
    consent_date: LocalDate


class ClassConsentForm(FormModel):
    """The shared part of the class checklist: how and when, for every row that changes."""

    school_id: FormId
    class_name: str = Field(max_length=20)
    method: ConsentMethod | None = None
    consent_date: LocalDate | None = None
