"""Pure ASGI middleware: the request's locale, and security headers on every response.

One layer for both, since every request needs both: each layer of middleware is a coroutine call
and a wrapped ``send`` on every request. It wraps the whole app, outside Starlette's own error
middleware (``mentor.app.MentorApp``), so that a crash's page carries the headers too.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mentor.i18n import DEFAULT_LOCALE, LOCALES, using_locale

LOCALE_COOKIE = "mentor_lang"
_LOCALE_COOKIE_BYTES = LOCALE_COOKIE.encode() + b"="

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# Pages may hold personal data: never keep them in a shared or a browser's cache.
NO_STORE = ("Cache-Control", "no-store")

# The same headers as raw ASGI pairs, built once: what a response already says under one of these
# names is replaced, as ``headers[name] = value`` would.
_RAW_HEADERS = tuple((name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS)
_RAW_NO_STORE = (NO_STORE[0].lower().encode(), NO_STORE[1].encode())
_RAW_PAGE_HEADERS = (*_RAW_HEADERS, _RAW_NO_STORE)
_STATIC_NAMES = frozenset(name for name, _ in _RAW_HEADERS)
_PAGE_NAMES = frozenset(name for name, _ in _RAW_PAGE_HEADERS)
_HSTS_NAME = b"strict-transport-security"
# Sent only on responses over https: a browser ignores it over http, and on a plain-http demo it
# would only mislead.
HSTS_DEFAULT_SECONDS = 365 * 24 * 60 * 60


def locale_from_cookie_header(cookie_header: str) -> str:
    # Starlette's parser, as ``request.cookies`` reads the header: lenient, never raises.
    value = cookie_parser(cookie_header).get(LOCALE_COOKIE)
    return value if value in LOCALES else DEFAULT_LOCALE


def _locale_of(scope: Scope) -> str:
    cookie_header = b""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            cookie_header = value
    if _LOCALE_COOKIE_BYTES not in cookie_header:
        return DEFAULT_LOCALE
    return locale_from_cookie_header(cookie_header.decode("latin-1"))


def _with_security_headers(
    message: MutableMapping[str, Any], path: str, hsts: tuple[bytes, bytes] | None
) -> None:
    static = path.startswith("/static/")
    added, names = (_RAW_HEADERS, _STATIC_NAMES) if static else (_RAW_PAGE_HEADERS, _PAGE_NAMES)
    headers = [
        (name, value) for name, value in message.get("headers", ()) if name.lower() not in names
    ] + list(added)
    if hsts is not None:
        headers.append(hsts)
    message["headers"] = headers


class LocaleAndSecurityHeadersMiddleware:
    """Sets the locale context variable for the whole request, error pages included, and adds the
    headers every response carries, whatever produced it; over https also HSTS, unless
    ``hsts_seconds`` is 0."""

    def __init__(self, app: ASGIApp, *, hsts_seconds: int = HSTS_DEFAULT_SECONDS) -> None:
        self.app = app
        self.hsts = (
            (_HSTS_NAME, f"max-age={hsts_seconds}; includeSubDomains".encode())
            if hsts_seconds > 0
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        hsts = self.hsts if scope.get("scheme") == "https" else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _with_security_headers(message, path, hsts)
            await send(message)

        with using_locale(_locale_of(scope)):
            await self.app(scope, receive, send_with_headers)
