"""Pure ASGI middleware: the request's locale, and security headers on every response."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mentor.i18n import DEFAULT_LOCALE, LOCALES, using_locale

LOCALE_COOKIE = "mentor_lang"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def locale_from_cookie_header(cookie_header: str) -> str:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except Exception:  # a malformed Cookie header must not break the page
        return DEFAULT_LOCALE
    morsel = cookies.get(LOCALE_COOKIE)
    return morsel.value if morsel is not None and morsel.value in LOCALES else DEFAULT_LOCALE


def apply_security_headers(headers: MutableHeaders, path: str) -> None:
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not path.startswith("/static/"):
        # Pages may hold personal data: never keep them in a shared or a browser's cache.
        headers["Cache-Control"] = "no-store"


class LocaleMiddleware:
    """Sets the locale context variable for the whole request, error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie_header = ""
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie_header = value.decode("latin-1")
        with using_locale(locale_from_cookie_header(cookie_header)):
            await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds the headers every response carries, whatever produced it (error pages included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)
