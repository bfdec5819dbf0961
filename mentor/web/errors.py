"""One place that turns errors into pages: domain errors, unknown URLs, bad requests, crashes.

Never a traceback: a 500 is logged and shown as a plain page in the user's language.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from mentor.errors import DomainError, LoginRequired
from mentor.i18n import LazyText, gettext, lazy_gettext, using_locale
from mentor.web.middleware import apply_security_headers, locale_from_cookie_header
from mentor.web.responses import redirect
from mentor.web.templating import render

logger = logging.getLogger(__name__)

TITLES: dict[int, LazyText] = {
    400: lazy_gettext("The request could not be understood"),
    403: lazy_gettext("Access denied"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Not allowed"),
    409: lazy_gettext("Conflict"),
    422: lazy_gettext("Please check your input"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong"),
    503: lazy_gettext("Temporarily unavailable"),
}


def error_page(request: Request, status_code: int, message: str) -> Response:
    title = str(TITLES.get(status_code, TITLES[400]))
    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "message": message},
        status_code=status_code,
    )


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, f"/login?next={quote(target, safe='/')}")
    return error_page(request, exc.status_code, str(exc.message))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: gettext("The page or object you asked for does not exist."),
        405: gettext("This address does not accept that kind of request."),
    }
    message = messages.get(exc.status_code, gettext("The request could not be completed."))
    return error_page(request, exc.status_code, message)


def _validation_error(request: Request, exc: Exception) -> Response:
    # Forms are parsed in the routes and answered next to their fields; this is for requests no
    # page of ours produces (a tampered form, a hand-made URL).
    return error_page(
        request,
        400,
        gettext("The request was incomplete or malformed. Go back, reload the page and try again."),
    )


def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # This handler runs outside the app's middleware: set the locale and headers ourselves.
    with using_locale(locale_from_cookie_header(request.headers.get("cookie", ""))):
        request.state.user = None
        request.state.login_session = None
        response = error_page(
            request, 500, gettext("We have been told about the error. Please try again later.")
        )
    apply_security_headers(response.headers, request.url.path)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
