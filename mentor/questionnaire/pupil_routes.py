"""The pupil's questionnaire, opened by a personal link (no login).

The token in the path is the only key: it opens this one pupil's questionnaire and nothing else.
A link that is unknown, expired or revoked gets one friendly page (404 or 410) that says nothing
about whether a pupil exists. The pages show the pupil's first name only. POSTs carry the CSRF
token of the anonymous cookie seed, like the login form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from mentor.errors import InvalidInput
from mentor.models import PupilLink
from mentor.questionnaire import service
from mentor.questionnaire.forms import (
    ALUMNUS_CHOICES,
    FAMILY_DESCRIPTIONS,
    HOME_LANGUAGES,
    OTHER_LANGUAGE,
    PROGRAMME_CHOICES,
    PROGRAMME_DESCRIPTIONS,
    RANK_LABELS,
    WISH_MAX_LENGTH,
    answer_values,
    parse_answers,
    programme_field,
)
from mentor.questionnaire.service import LinkUnavailable
from mentor.web.deps import SessionDep
from mentor.web.responses import redirect
from mentor.web.templating import render

router = APIRouter()


async def _posted_form(request: Request) -> FormData:
    # Checkboxes send several values under one name, which ``FormFields`` keeps only one of.
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted_form)]


def _unavailable(request: Request, error: LinkUnavailable) -> Response:
    return render(request, "questionnaire/link_unavailable.html", {}, status_code=error.status_code)


def _saved_values(db: SessionDep, link: PupilLink) -> dict[str, object]:
    pupil = link.pupil
    if pupil.questionnaire_completed_at is None:
        return {"wants_alumnus": "any", "interests": [], "languages": []}
    saved = service.saved_answers(db, pupil=pupil)
    languages = [code for code in pupil.languages or [] if code in HOME_LANGUAGES]
    if any(code not in HOME_LANGUAGES for code in pupil.languages or []):
        languages.append(OTHER_LANGUAGE)
    values: dict[str, object] = {
        "interests": [str(i) for i in saved.interest_ids],
        "languages": languages,
        "conversation_wish": pupil.conversation_wish or "",
        "wants_alumnus": {True: "yes", False: "no", None: "any"}[pupil.wants_alumnus],
    }
    for rank, programme_id in enumerate(saved.programme_ids, start=1):
        values[programme_field(rank)] = str(programme_id)
    return values


def _form_page(
    request: Request,
    db: SessionDep,
    link: PupilLink,
    token: str,
    values: Mapping[str, object],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    choices = service.questionnaire_choices(db)
    context = {
        "token": token,
        "first_name": link.pupil.first_name,
        "answered_before": link.pupil.questionnaire_completed_at is not None,
        "expires_at": link.expires_at,
        "choices": choices,
        "descriptions": {
            p.id: PROGRAMME_DESCRIPTIONS.get(p.code, FAMILY_DESCRIPTIONS[p.family])
            for p in choices.programmes
        },
        "ranks": [
            (programme_field(rank), RANK_LABELS[rank - 1])
            for rank in range(1, PROGRAMME_CHOICES + 1)
        ],
        "languages": HOME_LANGUAGES,
        "alumnus_choices": ALUMNUS_CHOICES,
        "wish_max_length": WISH_MAX_LENGTH,
        "values": values,
        "errors": errors,
    }
    return render(request, "questionnaire/answer.html", context, status_code=status_code)


@router.get("/q/{token}")
def questionnaire_page(request: Request, db: SessionDep, token: str) -> Response:
    try:
        link = service.open_link(db, token=token)
    except LinkUnavailable as error:
        return _unavailable(request, error)
    return _form_page(request, db, link, token, _saved_values(db, link), {})


@router.post("/q/{token}")
def answer_questionnaire(
    request: Request, db: SessionDep, token: str, form: PostedForm
) -> Response:
    try:
        link = service.open_link(db, token=token)
    except LinkUnavailable as error:
        return _unavailable(request, error)
    try:
        answers = parse_answers(form)
        service.answer(db, link=link, answers=answers)
    except InvalidInput as error:
        # Nothing was written: the answers are checked before anything changes.
        return _form_page(
            request, db, link, token, answer_values(form), error.field_errors, status_code=422
        )
    db.commit()
    return redirect(request, f"/q/{token}/thanks")


@router.get("/q/{token}/thanks")
def thanks_page(request: Request, db: SessionDep, token: str) -> Response:
    try:
        link = service.open_link(db, token=token)
    except LinkUnavailable as error:
        return _unavailable(request, error)
    context = {"token": token, "first_name": link.pupil.first_name, "expires_at": link.expires_at}
    return render(request, "questionnaire/thanks.html", context)
