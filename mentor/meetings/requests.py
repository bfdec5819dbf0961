"""A meeting as an ambassador asks for it, and what is wrong with it before anything is locked.

The checks of the fields themselves (who, what kind, where, how long, free text without NUL
bytes or CPR numbers) are here; whether the time is free and allowed is decided under the
booking's locks (``mentor.meetings.booking`` with ``mentor.meetings.rules``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.meetings.rules import length_problem, when_problem
from mentor.models import Match, MeetingKind, MeetingPlace, Pupil
from mentor.privacy.cpr import CPR_MESSAGE, contains_cpr

LOCATION_MAX = 200
URL_MAX = 500
REASON_MAX = 500
# A small group is a few of the ambassador's own mentees (capacity is at most 5).
GROUP_MAX = 5

CHOOSE_PUPILS = lazy_gettext("Choose the mentee or mentees the meeting is for.")
NOT_YOUR_MENTEES = lazy_gettext(
    "You can only invite your own mentees who have accepted you as their ambassador."
)
ONE_PUPIL = lazy_gettext("A one-to-one meeting is with one mentee. Choose one, or a small group.")
GROUP_SIZE = lazy_gettext(
    "A small group is 2 to %(max)s of your mentees. For one mentee, choose one-to-one.",
    max=GROUP_MAX,
)
SAME_SCHOOL = lazy_gettext("A group meeting is for mentees from the same school.")
VISIT_AT_INSTITUTION = lazy_gettext(
    "A visit to your school takes place at your institution. Choose that place."
)
ONLINE_NEEDS_LINK = lazy_gettext("Give the link to the online meeting (starting with https://).")
BAD_TEXT = lazy_gettext(
    "The text holds characters that cannot be saved. Remove them and try again."
)
GIVE_REASON = lazy_gettext("Give a short reason: everyone invited will see it.")


@dataclass(frozen=True)
class MeetingRequest:
    """A proposed meeting as the form gave it (``starts_at`` UTC; None when it could not be
    read, and ``time_error`` then says why)."""

    kind: MeetingKind
    place: MeetingPlace
    starts_at: datetime | None
    minutes: int
    match_ids: tuple[int, ...]
    location: str = ""
    online_url: str = ""
    time_error: LazyText | None = None


def text_problem(text: str, *, max_length: int, required: LazyText | None) -> LazyText | None:
    if "\x00" in text:
        return BAD_TEXT
    if required is not None and not text:
        return required
    if len(text) > max_length:
        return lazy_gettext("Write at most %(max)s characters.", max=max_length)
    if contains_cpr(text):
        return CPR_MESSAGE
    return None


def online_url_problem(url: str) -> LazyText | None:
    if not url.startswith("https://") or len(url) > URL_MAX or any(c.isspace() for c in url):
        return ONLINE_NEEDS_LINK
    return text_problem(url, max_length=URL_MAX, required=None)


def _participant_problem(
    kind: MeetingKind, matches: Sequence[Match], asked: int
) -> LazyText | None:
    if asked == 0:
        return CHOOSE_PUPILS
    if len(matches) != asked:
        return NOT_YOUR_MENTEES
    if kind is MeetingKind.ONE_TO_ONE and len(matches) != 1:
        return ONE_PUPIL
    if kind is MeetingKind.SMALL_GROUP and not 2 <= len(matches) <= GROUP_MAX:
        return GROUP_SIZE
    if len(matches) > GROUP_MAX:
        return GROUP_SIZE
    return None


def request_problems(
    request: MeetingRequest, *, matches: Sequence[Match], pupils: Sequence[Pupil], now: datetime
) -> dict[str, LazyText | str]:
    """What is wrong with the request, by field: ``pupils`` (``matches`` are the ambassador's
    accepted ones among those asked for, ``pupils`` theirs), ``place``, ``online_url``,
    ``location``, ``minutes``, ``starts_at``."""
    errors: dict[str, LazyText | str] = {}
    if problem := _participant_problem(request.kind, matches, len(set(request.match_ids))):
        errors["pupils"] = problem
    if len({pupil.school_id for pupil in pupils}) > 1:
        errors["pupils"] = SAME_SCHOOL
    if (
        request.kind is MeetingKind.INSTITUTION_VISIT
        and request.place is not MeetingPlace.INSTITUTION
    ):
        errors["place"] = VISIT_AT_INSTITUTION
    if request.place is MeetingPlace.ONLINE and (problem := online_url_problem(request.online_url)):
        errors["online_url"] = problem
    if problem := text_problem(request.location, max_length=LOCATION_MAX, required=None):
        errors["location"] = problem
    errors |= when_problems(request.starts_at, request.minutes, now, request.time_error)
    return errors


def when_problems(
    starts_at: datetime | None, minutes: int, now: datetime, time_error: LazyText | None
) -> dict[str, LazyText | str]:
    """The length and the start as given (from now on, at most a year ahead), by field; whether
    the time is allowed and free is checked under the booking's locks."""
    errors: dict[str, LazyText | str] = {}
    if problem := length_problem(minutes):
        errors["minutes"] = problem
    if starts_at is None:
        errors["starts_at"] = time_error or lazy_gettext("Choose a date and a time.")
    elif problem := when_problem(starts_at, now):
        errors["starts_at"] = problem
    return errors


def reason_text(reason: str | None) -> str:
    """A reason for moving, cancelling or declining: required, short, plain."""
    text = (reason or "").strip()
    if problem := text_problem(text, max_length=REASON_MAX, required=GIVE_REASON):
        raise InvalidInput({"reason": problem})
    return text
