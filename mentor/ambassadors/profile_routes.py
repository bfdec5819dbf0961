"""The ambassador's profile: a page to read it, and a phone-sized form to change it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from mentor.ambassadors import profile
from mentor.ambassadors.profile_forms import (
    CONTACT_LABELS,
    blackout_rows,
    filled_rows,
    form_values,
    parse_profile,
    slot_rows,
    weekday_options,
)
from mentor.catalogue.languages import language_name, language_options
from mentor.errors import InvalidInput
from mentor.i18n import get_locale
from mentor.models import Ambassador, Interest, InterestGroup, User
from mentor.organisations.school_hours import weekday_name
from mentor.policy import Permission
from mentor.pupils.consent import local_today
from mentor.web import flash
from mentor.web.deps import SessionDep, allowed
from mentor.web.forms import FormFields
from mentor.web.responses import redirect
from mentor.web.templating import render

_mentor = allowed(Permission.MENTOR)
Mentor = Annotated[User, Depends(_mentor)]
router = APIRouter(prefix="/ambassador/profile", dependencies=[Depends(_mentor)])

PROFILE_URL = "/ambassador/profile"
EDIT_URL = f"{PROFILE_URL}/edit"


def _missing(request: Request) -> Response:
    """An ambassador account without a profile yet (an invitation the admin has not completed)."""
    return render(request, "ambassadors/profile_missing.html", status_code=404)


def _current_blackouts(ambassador: Ambassador) -> list[tuple[date, date]]:
    today = local_today()
    periods = [
        (date.fromisoformat(period["start"]), date.fromisoformat(period["end"]))
        for period in ambassador.blackout_dates
    ]
    return [(start, end) for start, end in periods if end >= today]


def _interest_groups(interests: Sequence[Interest]) -> list[tuple[InterestGroup, list[Interest]]]:
    """The active interests under their headings, in the catalogue's order."""
    groups: dict[int, tuple[InterestGroup, list[Interest]]] = {}
    for interest in interests:
        groups.setdefault(interest.group_id, (interest.group, []))[1].append(interest)
    return sorted(groups.values(), key=lambda item: (item[0].sort_order, item[0].id))


@router.get("")
def profile_page(request: Request, db: SessionDep, user: Mentor) -> Response:
    ambassador = profile.load_profile(db, user=user)
    if ambassador is None:
        return _missing(request)
    context = {
        "ambassador": ambassador,
        "mentees": profile.mentee_count(db, ambassador=ambassador),
        "contact_labels": CONTACT_LABELS,
        "language_name": language_name,
        "weekday_name": weekday_name,
        "blackouts": _current_blackouts(ambassador),
    }
    return render(request, "ambassadors/profile.html", context)


def _edit_page(
    request: Request,
    db: Session,
    ambassador: Ambassador,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    choices = profile.profile_choices(db, ambassador=ambassador)
    chosen_languages = [name[len("language_") :] for name in values if name.startswith("language_")]
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "choices": choices,
        "interest_groups": _interest_groups(choices.interests),
        "institutions": [(str(o.id), o.name) for o in choices.institutions],
        "programmes": [
            (str(p.id), p.name_da if get_locale() == "da" else p.name_en)
            for p in choices.programmes
        ],
        "schools": [(str(o.id), o.name) for o in choices.schools],
        "mentees": profile.mentee_count(db, ambassador=ambassador),
        "year_options": [(str(year), str(year)) for year in profile.YEARS_OF_STUDY],
        "capacity_options": [(str(n), str(n)) for n in range(profile.MAX_CAPACITY + 1)],
        "grades": profile.GRADES,
        "language_options": language_options(chosen_languages),
        "contact_options": [(key.value, str(label)) for key, label in CONTACT_LABELS.items()],
        "weekday_options": weekday_options(),
        "slot_rows": slot_rows(filled_rows(values, "slot", profile.MAX_SLOTS)),
        "blackout_rows": blackout_rows(filled_rows(values, "blackout", profile.MAX_BLACKOUTS)),
        "about_max_length": profile.ABOUT_MAX_LENGTH,
        "earliest": profile.EARLIEST.strftime("%H:%M"),
        "latest": profile.LATEST.strftime("%H:%M"),
    }
    return render(request, "ambassadors/profile_edit.html", context, status_code=status_code)


@router.get("/edit")
def edit_profile_page(request: Request, db: SessionDep, user: Mentor) -> Response:
    ambassador = profile.load_profile(db, user=user)
    if ambassador is None:
        return _missing(request)
    values = form_values(ambassador, today=local_today())
    return _edit_page(request, db, ambassador, values=values, errors={})


@router.post("/edit")
def edit_profile(request: Request, db: SessionDep, user: Mentor, fields: FormFields) -> Response:
    ambassador = profile.load_profile(db, user=user)
    if ambassador is None:
        return _missing(request)
    try:
        update = parse_profile(fields)
        profile.update_profile(db, actor=user, ambassador=ambassador, update=update)
    except InvalidInput as error:
        db.rollback()
        return _edit_page(
            request, db, ambassador, values=fields, errors=error.field_errors, status_code=422
        )
    db.commit()
    flash.add(request, "profile_saved")
    return redirect(request, PROFILE_URL)
