"""The user's own account page: who they are here, their personal calendar feed, their login
sessions (/account/sessions) and a link to two-step verification."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.accounts import mfa, my_sessions, sessions
from mentor.accounts.forms import ROLE_LABELS
from mentor.db import utcnow
from mentor.meetings import calendar_feed
from mentor.policy import Permission, has_permission
from mentor.web import csrf, flash
from mentor.web.deps import ClockDep, CurrentUser, SessionDep, SettingsDep, allowed, client_ip
from mentor.web.responses import redirect
from mentor.web.templating import render

router = APIRouter(prefix="/account")
_may_have_feed = [Depends(allowed(Permission.CALENDAR_FEED))]


def _account_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    *,
    feed_url: str | None = None,
) -> Response:
    return render(
        request,
        "accounts/account.html",
        {
            "user": user,
            "role_label": ROLE_LABELS[user.role],
            "may_have_feed": has_permission(user, Permission.CALENDAR_FEED),
            "feed_url": feed_url,
            "has_second_factor": mfa.has_second_factor(db, user_id=user.id),
            "second_factor_required": mfa.is_required(user, settings),
        },
    )


@router.get("")
def account(request: Request, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> Response:
    return _account_page(request, db, settings, user)


@router.post("/calendar/renew", dependencies=_may_have_feed)
def renew_calendar_feed(
    request: Request, db: SessionDep, user: CurrentUser, settings: SettingsDep, clock: ClockDep
) -> Response:
    token = calendar_feed.renew_token(db, user=user, now=clock(), ip=client_ip(request))
    db.commit()
    # The address is shown in this response, not after a redirect: a redirect would have to
    # carry it in the flash cookie, and the token is a password that should live nowhere but
    # in this one page and the user's calendar program (the database keeps only its hash).
    # The page is sent with no-store like every page, so the browser keeps no copy either.
    return _account_page(
        request, db, settings, user, feed_url=calendar_feed.feed_url(settings, token)
    )


@router.post("/calendar/revoke", dependencies=_may_have_feed)
def revoke_calendar_feed(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    if calendar_feed.revoke_token(db, user=user, ip=client_ip(request)):
        db.commit()
        flash.add(request, "calendar_feed_revoked")
    return redirect(request, "/account")


def _current_session_id(request: Request) -> int | None:
    current = getattr(request.state, "login_session", None)
    return None if current is None else int(current.id)


@router.get("/sessions")
def sessions_page(
    request: Request, db: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    # The sessions' own clock (as in mentor.web.deps.load_user), not the app's.
    shown = my_sessions.live_sessions(
        db, user=user, current_id=_current_session_id(request), now=utcnow(), settings=settings
    )
    return render(request, "accounts/sessions.html", {"sessions": shown})


@router.post("/sessions/{session_id:int}/end")
def end_session(request: Request, db: SessionDep, user: CurrentUser, session_id: int) -> Response:
    my_sessions.end_own_session(db, user=user, session_id=session_id, ip=client_ip(request))
    db.commit()
    if session_id != _current_session_id(request):
        flash.add(request, "session_ended")
        return redirect(request, "/account/sessions")
    # Ending the session in use is logging out.
    request.state.login_session = None
    csrf.renew(request)
    flash.add(request, "logged_out")
    response = redirect(request, "/login")
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


@router.post("/sessions/end-others")
def end_other_sessions(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    current = _current_session_id(request)
    if current is None:  # never for a logged-in request; no session to keep, nothing to end
        return redirect(request, "/account/sessions")
    count = my_sessions.end_other_sessions(db, user=user, keep_id=current, ip=client_ip(request))
    db.commit()
    flash.add(request, "sessions_ended", count=str(count))
    return redirect(request, "/account/sessions")
