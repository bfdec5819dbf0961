"""CSRF protection for plain forms and htmx alike.

The token a page embeds (hidden ``csrf_token`` field, and ``X-CSRF-Token`` through ``hx-headers``
on ``<body>``) is an HMAC under the secret key of a random seed: the login session's own
``csrf_secret`` once logged in, before that a value in an HttpOnly cookie (for the login and
password-reset forms). Another site can neither read the seed nor compute the token, and a token
from before a login is worthless after it. No library covers both forms and htmx headers, hence
this small module.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from mentor.config import Settings
from mentor.errors import CsrfRejected
from mentor.web.signing import same_secret

COOKIE_NAME = "mentor_csrf"
FIELD_NAME = "csrf_token"
HEADER_NAME = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _token(request: Request, seed: str) -> str:
    key = _settings(request).secret_key.get_secret_value().encode()
    return hmac.new(key, b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def _seed(request: Request) -> str:
    """The login session's secret; else the cookie's value, or a new one this response sets."""
    login_session = getattr(request.state, "login_session", None)
    if login_session is not None:
        return str(login_session.csrf_secret)
    seed = getattr(request.state, "csrf_seed", None) or request.cookies.get(COOKIE_NAME)
    if not seed:
        seed = secrets.token_urlsafe(32)
        request.state.csrf_seed = seed
    return str(seed)


def token_for(request: Request) -> str:
    return _token(request, _seed(request))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def renew(request: Request) -> None:
    """A new anonymous seed for this browser: called when a login session ends."""
    request.state.csrf_seed = new_secret()


def set_cookie(request: Request, response: Response) -> None:
    seed = getattr(request.state, "csrf_seed", None)
    if seed and seed != request.cookies.get(COOKIE_NAME):
        response.set_cookie(
            COOKIE_NAME,
            seed,
            httponly=True,
            samesite="lax",
            secure=_settings(request).cookie_secure,
            path="/",
        )


async def verify(request: Request) -> None:
    """Refuse a state-changing request whose token is missing or not this browser's."""
    if request.method in SAFE_METHODS:
        return
    login_session = getattr(request.state, "login_session", None)
    seed = (
        login_session.csrf_secret if login_session is not None else request.cookies.get(COOKIE_NAME)
    )
    sent = request.headers.get(HEADER_NAME)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD_NAME)
            sent = value if isinstance(value, str) else None
    if not seed or not sent or not same_secret(sent, _token(request, seed)):
        raise CsrfRejected()
