"""The end of a login, by password alone or after the second factor: the new session's cookie,
the user's language, and the old session of this browser ended (the new one replaces it)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from mentor.accounts import mfa_login, sessions, throttle
from mentor.config import Settings
from mentor.models import PendingStep, User
from mentor.web import flash
from mentor.web.deps import client_ip
from mentor.web.middleware import LOCALE_COOKIE
from mentor.web.responses import redirect, safe_next

LOCALE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def end_previous_session(request: Request, db: Session) -> None:
    """A new login replaces the session this browser held: it must not live on beside it
    (whoever logs in after someone else at a shared computer must not leave them logged in)."""
    sessions.end_session(db, token=request.cookies.get(sessions.COOKIE_NAME) or "")
    mfa_login.end(db, token=request.cookies.get(mfa_login.COOKIE_NAME))


def start_session(request: Request, db: Session, *, user: User, settings: Settings) -> str:
    """A full session for ``user``, also this request's from here on (a page rendered now).

    The account's failed attempts are forgotten only now, when every factor is through: a
    right password alone proves nothing to an account with a second factor.
    """
    end_previous_session(request, db)
    throttle.clear_failures(db, email_key=throttle.email_key(user.email))
    token = sessions.start_session(
        db,
        user=user,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        settings=settings,
    )
    request.state.user = user
    request.state.login_session = sessions.find_session(db, token=token)
    return token


def set_session_cookies(response: Response, *, token: str, user: User, settings: Settings) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    response.delete_cookie(mfa_login.COOKIE_NAME, path="/")
    if user.locale is not None:
        response.set_cookie(
            LOCALE_COOKIE,
            user.locale.value,
            max_age=LOCALE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )


def logged_in(
    request: Request, db: Session, *, user: User, settings: Settings, next_url: str | None
) -> Response:
    """Start the session, commit, and go where the user was going."""
    token = start_session(request, db, user=user, settings=settings)
    db.commit()
    flash.add(request, "logged_in", name=user.full_name)
    response = redirect(request, safe_next(next_url))
    set_session_cookies(response, token=token, user=user, settings=settings)
    return response


def second_step(
    request: Request,
    db: Session,
    *,
    user: User,
    step: PendingStep,
    settings: Settings,
    next_url: str | None,
    now: datetime,
) -> Response:
    """The password was right; the second step comes next, under a cookie of its own."""
    end_previous_session(request, db)
    token = mfa_login.begin(db, user=user, step=step, next_url=next_url, now=now)
    db.commit()
    response = redirect(request, mfa_login.STEP_PATHS[step])
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    response.set_cookie(
        mfa_login.COOKIE_NAME,
        token,
        max_age=int(mfa_login.TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response
