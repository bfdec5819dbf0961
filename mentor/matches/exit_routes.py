"""The exit question when a match closes: the pupil's public page behind a link (``/x/{token}``)
and the ambassador's page behind their login (``/ambassador/exit/{match_id}``).

Like the feedback form (``mentor.meetings.feedback_routes``): a link that is unknown or taken
back, expired or already used gets a clear page of its own (404 or 410) that names no one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import InvalidInput
from mentor.matches import exit_questions
from mentor.matches.exit_questions import ExitForm
from mentor.models import Match, User
from mentor.policy import Permission
from mentor.pupils.pupil_links import AlreadyAnswered, LinkExpired, LinkUnavailable
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.forms import FormFields, refuse_control_characters
from mentor.web.responses import redirect
from mentor.web.templating import render

public_router = APIRouter()
router = APIRouter()

Ambassador = Annotated[User, Depends(allowed(Permission.MENTOR))]


def _reply(fields: dict[str, str]) -> exit_questions.ExitReply:
    return exit_questions.ExitReply(
        rating=fields.get("rating", ""), comment=fields.get("comment", "")
    )


def _kept(reply: exit_questions.ExitReply) -> dict[str, str]:
    return {"rating": reply.rating, "comment": reply.comment.replace("\x00", "")}


# The pupil


def _unavailable(request: Request, error: LinkUnavailable) -> Response:
    if isinstance(error, AlreadyAnswered):
        reason = "answered"
    elif isinstance(error, LinkExpired):
        reason = "expired"
    else:
        reason = "unknown"
    return render(
        request,
        "matches/exit_unavailable.html",
        {"reason": reason, "link_days": exit_questions.LINK_DAYS},
        status_code=error.status_code,
    )


def _pupil_page(
    request: Request,
    opened: exit_questions.OpenedExit,
    token: str,
    form: ExitForm,
    status_code: int = 200,
) -> Response:
    context = {
        "action": f"/x/{token}",
        "first_name": opened.pupil.first_name,
        "ambassador": opened.ambassador_name,
        "expires_at": opened.link.expires_at,
        "ratings": exit_questions.RATINGS,
        "comment_max_length": exit_questions.COMMENT_MAX_LENGTH,
        "form": form,
    }
    return render(request, "matches/exit_pupil.html", context, status_code=status_code)


@public_router.get("/x/{token}")
def pupil_exit_page(request: Request, db: SessionDep, clock: ClockDep, token: str) -> Response:
    try:
        opened = exit_questions.open_link(db, token=token, now=clock())
    except LinkUnavailable as error:
        return _unavailable(request, error)
    return _pupil_page(request, opened, token, ExitForm())


@public_router.post("/x/{token}")
def pupil_exit_answer(
    request: Request, db: SessionDep, clock: ClockDep, token: str, fields: FormFields
) -> Response:
    now = clock()
    try:
        opened = exit_questions.open_link(db, token=token, now=now)
    except LinkUnavailable as error:
        return _unavailable(request, error)
    reply = _reply(fields)
    try:
        refuse_control_characters(fields, "comment")
        exit_questions.answer_as_pupil(db, opened=opened, reply=reply, now=now)
    except InvalidInput as error:
        form = ExitForm(values=_kept(reply), errors=error.field_errors)
        return _pupil_page(request, opened, token, form, status_code=422)
    except AlreadyAnswered as error:
        db.rollback()
        return _unavailable(request, error)
    db.commit()
    # No token in this address: the thanks page shows nothing about the pupil or the match.
    return redirect(request, "/feedback/thanks")


# The ambassador


def _ambassador_page(
    request: Request,
    db: SessionDep,
    match: Match,
    form: ExitForm,
    status_code: int = 200,
) -> Response:
    context = {
        "match": match,
        "first_name": match.pupil.first_name,
        "answered": exit_questions.ambassador_answered(db, match=match),
        "ratings": exit_questions.RATINGS,
        "comment_max_length": exit_questions.COMMENT_MAX_LENGTH,
        "form": form,
    }
    return render(request, "matches/exit_ambassador.html", context, status_code=status_code)


@router.get("/ambassador/exit/{match_id:int}")
def ambassador_exit_page(
    request: Request, db: SessionDep, user: Ambassador, match_id: int
) -> Response:
    match = exit_questions.ambassadors_match(db, user=user, match_id=match_id)
    return _ambassador_page(request, db, match, ExitForm())


@router.post("/ambassador/exit/{match_id:int}")
def ambassador_exit_answer(
    request: Request,
    db: SessionDep,
    clock: ClockDep,
    user: Ambassador,
    match_id: int,
    fields: FormFields,
) -> Response:
    match = exit_questions.ambassadors_match(db, user=user, match_id=match_id)
    reply = _reply(fields)
    try:
        refuse_control_characters(fields, "comment")
        exit_questions.answer_as_ambassador(db, user=user, match=match, reply=reply, now=clock())
    except InvalidInput as error:
        form = ExitForm(values=_kept(reply), errors=error.field_errors)
        return _ambassador_page(request, db, match, form, status_code=422)
    except AlreadyAnswered:
        db.rollback()
        match = exit_questions.ambassadors_match(db, user=user, match_id=match_id)
        return _ambassador_page(request, db, match, ExitForm(), status_code=409)
    db.commit()
    flash.add(request, "saved")
    return redirect(request, f"/ambassador/exit/{match.id}")
