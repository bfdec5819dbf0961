"""Pupils' feedback: the public form behind a link, the coordinator's list of links, and the
ambassador's average.

``public_router`` holds the pupil's page (no login; the token is the only key, like the
questionnaire's ``/q/{token}``). A link that is unknown or taken back, expired, or already used
gets a clear page of its own (404 or 410) that names no one; a token that could never be ours
(too long, NUL bytes, any non-URL-safe character) is turned away before the database is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import InvalidInput
from mentor.matches import exit_questions
from mentor.meetings import feedback
from mentor.meetings.labels import HELPFULNESS_LABELS
from mentor.models import User
from mentor.policy import Permission
from mentor.pupils.pupil_links import AlreadyAnswered, LinkExpired, LinkUnavailable
from mentor.questionnaire.sheet import qr_svg
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields, refuse_control_characters
from mentor.web.responses import redirect
from mentor.web.templating import render

public_router = APIRouter()
router = APIRouter()

# The links are handed out by the school: its coordinator, who also confirms its meetings.
Coordinator = Annotated[User, Depends(allowed(Permission.CONFIRM_MEETINGS))]
Ambassador = Annotated[User, Depends(allowed(Permission.MENTOR))]


def _unavailable(request: Request, error: LinkUnavailable) -> Response:
    if isinstance(error, AlreadyAnswered):
        reason = "answered"
    elif isinstance(error, LinkExpired):
        reason = "expired"
    else:
        reason = "unknown"
    return render(
        request,
        "meetings/feedback_unavailable.html",
        {"reason": reason, "link_days": feedback.LINK_DAYS},
        status_code=error.status_code,
    )


def _form_page(
    request: Request,
    opened: feedback.OpenedLink,
    token: str,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "token": token,
        "first_name": opened.pupil.first_name,
        "ambassador": opened.ambassador_name,
        "meeting": opened.meeting,
        "expires_at": opened.link.expires_at,
        "ratings": feedback.RATINGS,
        "helped_choices": list(HELPFULNESS_LABELS.items()),
        "comment_max_length": feedback.COMMENT_MAX_LENGTH,
        "values": values,
        "errors": errors,
    }
    return render(request, "meetings/feedback_form.html", context, status_code=status_code)


@public_router.get("/f/{token}")
def feedback_page(request: Request, db: SessionDep, clock: ClockDep, token: str) -> Response:
    try:
        opened = feedback.open_link(db, token=token, now=clock())
    except LinkUnavailable as error:
        return _unavailable(request, error)
    return _form_page(request, opened, token, {}, {})


@public_router.post("/f/{token}")
def give_feedback(
    request: Request, db: SessionDep, clock: ClockDep, token: str, fields: FormFields
) -> Response:
    now = clock()
    try:
        opened = feedback.open_link(db, token=token, now=now)
    except LinkUnavailable as error:
        return _unavailable(request, error)
    answer = feedback.FeedbackAnswer(
        rating=fields.get("rating", ""),
        helped=fields.get("helped", ""),
        comment=fields.get("comment", ""),
    )
    try:
        refuse_control_characters(fields, "comment")
        feedback.give_feedback(db, opened=opened, answer=answer, now=now)
    except InvalidInput as error:
        values = {"rating": answer.rating, "helped": answer.helped, "comment": answer.comment}
        return _form_page(request, opened, token, values, error.field_errors, status_code=422)
    except AlreadyAnswered as error:
        db.rollback()
        return _unavailable(request, error)
    db.commit()
    return redirect(request, "/feedback/thanks")


@public_router.get("/feedback/thanks")
def thanks_page(request: Request) -> Response:
    # No token in this address: the thanks page shows nothing about the pupil or the meeting.
    return render(request, "meetings/feedback_thanks.html", {})


@router.get("/school/feedback")
def school_links_page(
    request: Request, db: SessionDep, clock: ClockDep, settings: SettingsDep, user: Coordinator
) -> Response:
    rows = feedback.school_links(db, user=user, now=clock(), settings=settings)
    # The exit questions of closed matches, handed out the same way (mentor/matches/).
    exit_rows = exit_questions.school_exit_links(db, user=user, now=clock(), settings=settings)
    context = {
        "rows": rows,
        "qr": {row.link.id: qr_svg(row.url) for row in rows if row.url is not None},
        "link_days": feedback.LINK_DAYS,
        "exit_rows": exit_rows,
        "exit_qr": {row.link.id: qr_svg(row.url) for row in exit_rows if row.url is not None},
    }
    return render(request, "meetings/feedback_links.html", context)


@router.get("/ambassador/feedback")
def ambassador_feedback_page(request: Request, db: SessionDep, user: Ambassador) -> Response:
    summary = feedback.ambassador_rating(db, user=user)
    context = {"summary": summary, "minimum": feedback.MIN_ANSWERS_SHOWN}
    return render(request, "meetings/feedback_summary.html", context)
