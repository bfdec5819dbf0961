"""The user's own account page: who they are here, and their personal calendar feed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.accounts.forms import ROLE_LABELS
from mentor.meetings import calendar_feed
from mentor.policy import Permission, has_permission
from mentor.web import flash
from mentor.web.deps import ClockDep, CurrentUser, SessionDep, SettingsDep, allowed, client_ip
from mentor.web.responses import redirect
from mentor.web.templating import render

router = APIRouter(prefix="/account")
_may_have_feed = [Depends(allowed(Permission.CALENDAR_FEED))]


def _account_page(request: Request, user: CurrentUser, *, feed_url: str | None = None) -> Response:
    return render(
        request,
        "accounts/account.html",
        {
            "user": user,
            "role_label": ROLE_LABELS[user.role],
            "may_have_feed": has_permission(user, Permission.CALENDAR_FEED),
            "feed_url": feed_url,
        },
    )


@router.get("")
def account(request: Request, user: CurrentUser) -> Response:
    return _account_page(request, user)


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
    return _account_page(request, user, feed_url=calendar_feed.feed_url(settings, token))


@router.post("/calendar/revoke", dependencies=_may_have_feed)
def revoke_calendar_feed(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    if calendar_feed.revoke_token(db, user=user, ip=client_ip(request)):
        db.commit()
        flash.add(request, "calendar_feed_revoked")
    return redirect(request, "/account")
